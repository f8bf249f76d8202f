import Foundation
import Language

/// The repository's stdlib folder (for the prelude), found from this file's path.
let stdlibDirectory: String = {
    let here = URL(fileURLWithPath: #filePath)
    return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("stdlib").path
}()

/// What running a script produced.
struct Outcome: Sendable {
    var stdout: String
    var diagnostics: [Diagnostic]
    var rendered: String
    var exitCode: ExitCode
}

/// Runs a script in a fresh session on a thread with a large stack, as the driver will
/// (deep recursion and parsing are bounded by counts, not by the thread's stack size).
func runScript(path: String, bytes: [UInt8], configure: @escaping @Sendable (Session) -> Void = { _ in }) async -> Outcome {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            continuation.resume(returning: runScriptHere(path: path, bytes: bytes, configure: configure))
        }
        thread.stackSize = 64 << 20
        thread.start()
    }
}

func runScriptHere(path: String, bytes: [UInt8], configure: (Session) -> Void = { _ in }) -> Outcome {
    final class Box { var text = "" }
    let out = Box()
    do {
        let session = try Session(importer: FileImporter(stdlibDirectory: stdlibDirectory), output: { out.text += $0 })
        configure(session)
        let source = try Source(path: path, bytes: bytes)
        try session.run(source)
        return Outcome(stdout: out.text, diagnostics: [], rendered: "", exitCode: .ok)
    } catch let failure as Failure {
        return Outcome(stdout: out.text, diagnostics: failure.diagnostics, rendered: failure.description, exitCode: failure.exitCode)
    } catch let d as Diagnostic {
        return Outcome(stdout: out.text, diagnostics: [d], rendered: d.description, exitCode: d.exitCode)
    } catch {
        return Outcome(stdout: out.text, diagnostics: [], rendered: "\(error)", exitCode: .usage)
    }
}

/// Runs cdsa text directly (for unit tests).
func run(_ text: String) -> Outcome {
    runScriptHere(path: "test.cdsa", bytes: Array(text.utf8))
}
