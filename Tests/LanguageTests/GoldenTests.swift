// The golden runner: every Goldens/*.cdsa is one test case. Inline expectations:
//   # expect: <line of stdout>
//   # expect error: <compile-time message>        (every one, in order)
//   # expect runtime error: <message>
// A `<name>.expected` file beside a golden is a snapshot of the exact error rendering.

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

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
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
        #expect(goldenNames.count >= 60)
    }

    @Test(arguments: goldenNames)
    func golden(_ name: String) async throws {
        let url = goldenDirectory.appendingPathComponent(name)
        let bytes = [UInt8](try Data(contentsOf: url))
        let expected = Expectations(bytes)
        // Diagnostics name the file as written in the golden's own folder, so snapshots are stable.
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

        let snapshot = url.deletingPathExtension().appendingPathExtension("expected")
        if let want = try? String(contentsOf: snapshot, encoding: .utf8) {
            #expect(rendered == want, "snapshot \(snapshot.lastPathComponent):\n\(rendered)")
        } else if let names = ProcessInfo.processInfo.environment["CDSA_RECORD_SNAPSHOTS"],
                  names.split(separator: ",").contains(where: { name.hasPrefix($0) }) {
            // Records a new snapshot into the source tree; review it before committing.
            let sourceGoldens = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens")
            try rendered.write(to: sourceGoldens.appendingPathComponent(snapshot.lastPathComponent), atomically: true, encoding: .utf8)
        }
    }
}
