// Every Goldens/*.cdsa is one test case, run with the engine installed (the format:
// Tests/GoldenSupport/Golden.swift).

import Foundation
import GoldenSupport
import Testing

let goldens = GoldenFolder(Bundle.module.resourceURL!.appendingPathComponent("Goldens"))

@Suite struct GoldenTests {
    @Test func goldensAreDiscovered() {
        #expect(goldens.names.count >= 25)
    }

    @Test(arguments: goldens.names)
    func golden(_ name: String) async throws {
        guard let problems = try await goldens.check(name, run: { await runScript(path: $0, bytes: $1) }) else { return }
        #expect(problems.isEmpty, "\(name): \(problems.joined(separator: "\n"))")
    }
}
