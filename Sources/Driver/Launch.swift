// Launch: what every mode shares — finding stdlib/, making a session with the engine's
// libraries, running on a thread with a large stack, Ctrl-C, and printing diagnostics.

import Bindings
import Foundation
import Language

enum Launch {
    /// The interpreter's recursion bound (`Interpreter.maxCallDepth`) assumes this much stack.
    static let stackSize = 64 << 20

    /// The stdlib folder: $CDSA_STDLIB, else a `stdlib/` holding prelude.cdsa beside the
    /// executable or in a folder above it (a build tree), else the one this source came from.
    static let stdlibDirectory: String? = {
        let fm = FileManager.default
        func holdsPrelude(_ dir: String) -> Bool { fm.fileExists(atPath: dir + "/prelude.cdsa") }
        if let dir = ProcessInfo.processInfo.environment["CDSA_STDLIB"] { return dir }
        let executable = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = folder.appendingPathComponent("stdlib").path
            if holdsPrelude(candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("stdlib").path
        return holdsPrelude(here) ? here : nil
    }()

    /// A session with the core library, the prelude (when stdlib/ is found) and the engine's
    /// libraries, seeded (`--seed`, else 0), its cancellation hook on the token Ctrl-C sets.
    static func makeSession(seed: UInt64? = nil) throws -> Session {
        let session = try Session(importer: FileImporter(stdlibDirectory: stdlibDirectory),
                                  prelude: stdlibDirectory != nil)
        let engine = installEngine(into: session, seed: seed ?? 0)
        engine.versions = Dictionary(uniqueKeysWithValues: [("cdsa", Versions.cdsa)] + Versions.libraries)
        engine.commandLine = CommandLine.arguments
        engine.behaviourFolder = stdlibDirectory.map { $0 + "/behaviour" }
        return session
    }

    /// Runs `body` on a thread with a large stack and waits for its exit code.
    static func onLargeStack(_ body: @escaping @Sendable () -> Int32) -> Int32 {
        final class Box: @unchecked Sendable { var code: Int32 = 0 }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.code = body()
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
        done.wait()
        return box.code
    }

    /// SIGINT sets the one cancellation flag (an atomic store: async-signal-safe). In batch
    /// mode a second Ctrl-C before the first was noticed ends the process.
    static func installInterruptHandler(batch: Bool) {
        EngineControl.clearInterrupt()  // the flag is initialised here, never inside the handler
        var action = sigaction()
        if batch {
            action.__sigaction_handler.sa_handler = { _ in
                if EngineControl.interruptRequested { _exit(130) }
                EngineControl.requestInterrupt()
            }
        } else {
            action.__sigaction_handler.sa_handler = { _ in EngineControl.requestInterrupt() }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a blocking read wakes up
        sigaction(SIGINT, &action, nil)
        // A parent may have started us with SIGINT blocked; Ctrl-C must reach the handler.
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
    }

    /// Writes diagnostics to stderr (after flushing what the script printed).
    static func report(_ text: String) {
        fflush(nil)
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func report(_ failure: Failure) { report(failure.description) }

    /// Reads a file as a Source; nil (after reporting) when it cannot be read.
    static func readSource(_ path: String) -> Result<Source, Failure>? {
        guard let data = FileManager.default.contents(atPath: path) else {
            report("cdsa: cannot read '\(path)'\n")
            return nil
        }
        do { return .success(try Source(path: path, bytes: [UInt8](data))) } catch { return .failure(Failure([error])) }
    }
}
