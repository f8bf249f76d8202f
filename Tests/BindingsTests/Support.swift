import Autodiff
import Bindings
import Foundation
import GoldenSupport
import Language

let repositoryRoot = Repository.root
let hasSharedData = Repository.hasSharedData
let sharedDataDirectory = Repository.sharedData

/// A session as the driver makes one: core library, prelude, then the engine.
func makeSession(output: @escaping (String) -> Void, cancellation: CancellationToken) throws -> (Session, EngineState) {
    let session = try Session(importer: FileImporter(stdlibDirectory: Repository.stdlib), output: output)
    let state = installEngine(into: session, cancellation: cancellation)
    return (session, state)
}

/// Runs a script in a fresh session with the engine installed, on a thread with a large
/// stack. Globals `tmp_dir` (a fresh empty folder) and `data_dir` (../shared/data) are
/// defined for goldens that write files or read the shared data; in what the script prints
/// and in its error messages the folder reads `TMP`, so goldens can expect messages that
/// name a file.
func runScript(path: String, bytes: [UInt8], cancellation: CancellationToken = CancellationToken()) async -> Outcome {
    await onLargeStack { runScriptHere(path: path, bytes: bytes, cancellation: cancellation) }
}

func runScriptHere(path: String, bytes: [UInt8], cancellation: CancellationToken = CancellationToken()) -> Outcome {
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("cdsa-bindings-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: tmp) }
    var outcome = runSession(path: path, bytes: bytes) { output in
        let (session, _) = try makeSession(output: output, cancellation: cancellation)
        session.globals["tmp_dir"] = .string(tmp.path)
        session.globals["data_dir"] = .string(sharedDataDirectory)
        return session
    }
    outcome.stdout = outcome.stdout.replacingOccurrences(of: tmp.path, with: "TMP")
    for i in outcome.diagnostics.indices {
        outcome.diagnostics[i].message = outcome.diagnostics[i].message.replacingOccurrences(of: tmp.path, with: "TMP")
    }
    return outcome
}

/// Runs cdsa text directly (for unit tests).
func run(_ text: String) -> Outcome {
    runScriptHere(path: "test.cdsa", bytes: Array(text.utf8))
}
