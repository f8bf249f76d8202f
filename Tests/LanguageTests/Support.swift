import Foundation
import GoldenSupport
import Language

/// Runs a script in a fresh session (core library and prelude) on a large stack, as the
/// driver will; `configure` adjusts the session first.
func runScript(path: String, bytes: [UInt8], configure: @escaping @Sendable (Session) -> Void = { _ in }) async -> Outcome {
    await onLargeStack { runScriptHere(path: path, bytes: bytes, configure: configure) }
}

func runScriptHere(path: String, bytes: [UInt8], configure: (Session) -> Void = { _ in }) -> Outcome {
    runSession(path: path, bytes: bytes) { output in
        let session = try Session(importer: FileImporter(stdlibDirectory: Repository.stdlib), output: output)
        configure(session)
        return session
    }
}

/// Runs cdsa text directly (for unit tests).
func run(_ text: String) -> Outcome {
    runScriptHere(path: "test.cdsa", bytes: Array(text.utf8))
}
