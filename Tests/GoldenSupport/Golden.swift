// The golden runner that LanguageTests and BindingsTests share: a golden is a .cdsa
// script whose comments say what running it must do.
//   # expect: <line of stdout>                   (every line, in order)
//   # expect error: <compile-time message>       (every one, in order)
//   # expect runtime error: <message>
//   # needs: shared-data                          (skipped when ../shared/data is absent)
// A `<name>.expected` file beside a golden is a snapshot of the exact error rendering.

import Foundation
import Language

/// What a golden's comments ask for.
public struct Expectations: Sendable {
    public var stdout: [String] = []
    public var errors: [String] = []
    public var runtimeError: String?
    public var needsSharedData = false

    public init(_ bytes: [UInt8]) {
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

/// What running a script produced.
public struct Outcome: Sendable {
    public var stdout: String
    public var diagnostics: [Diagnostic]
    public var rendered: String
    public var exitCode: ExitCode

    /// stdout as lines, without the final newline's empty line.
    public var stdoutLines: [String] {
        stdout.isEmpty ? [] : stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

/// The repository's folders, found from this file's path.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let stdlib = root.appendingPathComponent("stdlib").path
    /// The team's shared test data (../shared/data); absent on machines without it.
    public static let sharedData = root.deletingLastPathComponent().appendingPathComponent("shared/data").path
    public static var hasSharedData: Bool { FileManager.default.fileExists(atPath: sharedData) }
}

/// Runs `source` in the session `make` builds around an output sink, and collects what
/// it printed and how it failed.
public func runSession(path: String, bytes: [UInt8],
                       make: (@escaping (String) -> Void) throws -> Session) -> Outcome {
    final class Box { var text = "" }
    let out = Box()
    do {
        let session = try make { out.text += $0 }
        try session.run(try Source(path: path, bytes: bytes))
        return Outcome(stdout: out.text, diagnostics: [], rendered: "", exitCode: .ok)
    } catch let failure as Failure {
        return Outcome(stdout: out.text, diagnostics: failure.diagnostics, rendered: failure.description, exitCode: failure.exitCode)
    } catch let d as Diagnostic {
        return Outcome(stdout: out.text, diagnostics: [d], rendered: d.description, exitCode: d.exitCode)
    } catch {
        return Outcome(stdout: out.text, diagnostics: [], rendered: "\(error)", exitCode: .usage)
    }
}

/// Runs `body` on a thread with a 64 MB stack, as the driver does (deep recursion and
/// parsing are bounded by counts, not by the thread's stack size).
public func onLargeStack(_ body: @escaping @Sendable () -> Outcome) async -> Outcome {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 64 << 20
        thread.start()
    }
}

/// A folder of goldens, one test case per .cdsa file.
public struct GoldenFolder: Sendable {
    public let url: URL
    /// The same folder in the source tree, where `CDSA_RECORD_SNAPSHOTS=<name-prefix,…>`
    /// records missing snapshots (review them before committing).
    public let sources: URL?
    public init(_ url: URL, sources: URL? = nil) { self.url = url; self.sources = sources }

    public var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return files.filter { $0.hasSuffix(".cdsa") }.sorted()
    }

    /// Runs golden `name` with `run` and returns every way the outcome differs from what
    /// the golden asks for (empty when it passes), or nil when it must be skipped here.
    public func check(_ name: String, run: (String, [UInt8]) async -> Outcome) async throws -> [String]? {
        let file = url.appendingPathComponent(name)
        let bytes = [UInt8](try Data(contentsOf: file))
        let expected = Expectations(bytes)
        if expected.needsSharedData && !Repository.hasSharedData {
            print("skipping \(name): \(Repository.sharedData) is absent")
            return nil
        }
        let outcome = await run(file.path, bytes)
        // Diagnostics name the file as written in the golden's own folder, so snapshots are stable.
        let rendered = outcome.rendered.replacingOccurrences(of: url.path + "/", with: "")
        var problems: [String] = []
        if outcome.stdoutLines != expected.stdout {
            problems.append("stdout:\n\(outcome.stdout)\nexpected:\n\(expected.stdout.joined(separator: "\n"))")
        }
        if !expected.errors.isEmpty {
            if outcome.exitCode != .compileError { problems.append("expected compile errors") }
            if outcome.diagnostics.map(\.message) != expected.errors { problems.append("diagnostics differ") }
        } else if let message = expected.runtimeError {
            if outcome.exitCode != .runtimeError { problems.append("expected a runtime error") }
            if outcome.diagnostics.map(\.message) != [message] { problems.append("diagnostics differ") }
        } else if outcome.exitCode != .ok {
            problems.append("failed")
        }
        let snapshot = file.deletingPathExtension().appendingPathExtension("expected")
        if let want = try? String(contentsOf: snapshot, encoding: .utf8) {
            if rendered != want { problems.append("snapshot \(snapshot.lastPathComponent) differs") }
        } else if let sources, let names = ProcessInfo.processInfo.environment["CDSA_RECORD_SNAPSHOTS"],
                  names.split(separator: ",").contains(where: { name.hasPrefix($0) }) {
            try rendered.write(to: sources.appendingPathComponent(snapshot.lastPathComponent), atomically: true, encoding: .utf8)
        }
        return problems.isEmpty ? [] : problems + ["rendered:\n\(rendered)"]
    }
}
