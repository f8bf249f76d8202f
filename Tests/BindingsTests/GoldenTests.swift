// The golden runner for the engine built-ins: every Goldens/*.cdsa is one test case.
// Inline expectations, as in the language's goldens:
//   # expect: <line of stdout>
//   # expect runtime error: <message>
//   # expect error: <compile-time message>
//   # needs: shared-data          (skipped when ../shared/data is absent)

import Foundation
import Language
import Testing

let goldenDirectory: URL = Bundle.module.resourceURL!.appendingPathComponent("Goldens")

let goldenNames: [String] = {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: goldenDirectory.path)) ?? []
    return files.filter { $0.hasSuffix(".cdsa") }.sorted()
}()

struct Expectations {
    var stdout: [String] = []
    var errors: [String] = []
    var runtimeError: String?
    var needsSharedData = false

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains("# needs: shared-data") { needsSharedData = true }
            guard let r = line.range(of: "# expect") else { continue }
            let rest = line[r.upperBound...]
            if rest.hasPrefix(": ") { stdout.append(String(rest.dropFirst(2))) }
            else if rest == ":" { stdout.append("") }
            else if rest.hasPrefix(" error: ") { errors.append(String(rest.dropFirst(8))) }
            else if rest.hasPrefix(" runtime error: ") { runtimeError = String(rest.dropFirst(16)) }
        }
    }
}

@Suite struct GoldenTests {
    @Test func goldensAreDiscovered() {
        #expect(goldenNames.count >= 25)
    }

    @Test(arguments: goldenNames)
    func golden(_ name: String) async throws {
        let url = goldenDirectory.appendingPathComponent(name)
        let bytes = [UInt8](try Data(contentsOf: url))
        let expected = Expectations(bytes)
        if expected.needsSharedData && !hasSharedData {
            print("skipping \(name): \(sharedDataDirectory) is absent")
            return
        }
        let outcome = await runScript(path: url.path, bytes: bytes)
        let rendered = outcome.rendered.replacingOccurrences(of: goldenDirectory.path + "/", with: "")

        let stdoutLines = outcome.stdout.isEmpty ? [] : outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(stdoutLines == expected.stdout, "stdout of \(name)\n\(rendered)")

        if !expected.errors.isEmpty {
            #expect(outcome.exitCode == .compileError, "\(name): expected compile errors\n\(rendered)")
            #expect(outcome.diagnostics.map(\.message) == expected.errors, "\(name)\n\(rendered)")
        } else if let message = expected.runtimeError {
            #expect(outcome.exitCode == .runtimeError, "\(name): expected a runtime error\n\(rendered)")
            #expect(outcome.diagnostics.map(\.message) == [message], "\(name)\n\(rendered)")
        } else {
            #expect(outcome.exitCode == .ok, "\(name) failed:\n\(rendered)")
        }
    }
}
