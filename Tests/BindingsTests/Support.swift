import Autodiff
import Bindings
import Foundation
import Language

/// The repository root, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let stdlibDirectory = repositoryRoot.appendingPathComponent("stdlib").path

/// The team's shared test data (../shared/data); absent on machines without it.
let sharedDataDirectory = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data").path
let hasSharedData = FileManager.default.fileExists(atPath: sharedDataDirectory)

/// What running a script produced.
struct Outcome: Sendable {
    var stdout: String
    var diagnostics: [Diagnostic]
    var rendered: String
    var exitCode: ExitCode
}

/// A session as the driver makes one: core library, prelude, then the engine.
func makeSession(output: @escaping (String) -> Void, cancellation: CancellationToken) throws -> (Session, EngineState) {
    let session = try Session(importer: FileImporter(stdlibDirectory: stdlibDirectory), output: output)
    let state = installEngine(into: session, cancellation: cancellation)
    return (session, state)
}

/// Runs a script in a fresh session with the engine installed, on a thread with a large
/// stack. Globals `tmp_dir` (a fresh empty folder) and `data_dir` (../shared/data) are
/// defined for goldens that write files or read the shared data.
func runScript(path: String, bytes: [UInt8], cancellation: CancellationToken = CancellationToken()) async -> Outcome {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            continuation.resume(returning: runScriptHere(path: path, bytes: bytes, cancellation: cancellation))
        }
        thread.stackSize = 64 << 20
        thread.start()
    }
}

func runScriptHere(path: String, bytes: [UInt8], cancellation: CancellationToken = CancellationToken()) -> Outcome {
    final class Box { var text = "" }
    let out = Box()
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("cdsa-bindings-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: tmp) }
    do {
        let (session, _) = try makeSession(output: { out.text += $0 }, cancellation: cancellation)
        session.globals["tmp_dir"] = .string(tmp.path)
        session.globals["data_dir"] = .string(sharedDataDirectory)
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
