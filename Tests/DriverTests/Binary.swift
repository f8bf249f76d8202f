// Finding and running the built `cdsa` executable from the tests.

import Foundation
import Testing

/// The `cdsa` built next to this test bundle ($CDSA_BINARY overrides), or nil.
let cdsaBinary: String? = {
    let fm = FileManager.default
    if let path = ProcessInfo.processInfo.environment["CDSA_BINARY"] { return path }
    var candidates: [String] = []
    // The test runner lives in the same products folder as `cdsa` (e.g. .build/release).
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var folder = exe.deletingLastPathComponent()
    for _ in 0..<3 {
        candidates.append(folder.appendingPathComponent("cdsa").path)
        folder.deleteLastPathComponent()
    }
    if let bundle = Bundle.main.executableURL?.deletingLastPathComponent() {
        candidates.append(bundle.appendingPathComponent("cdsa").path)
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    candidates += [".build/release/cdsa", ".build-driver/release/cdsa"].map { root.appendingPathComponent($0).path }
    return candidates.first { fm.isExecutableFile(atPath: $0) && !$0.hasSuffix(".xctest") }
}()

/// What one run of the binary produced.
struct Run: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// A scratch folder for one test, removed by the caller's `defer`.
func scratchFolder() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cdsa-driver-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `text` to `name` in `folder`; returns the path.
@discardableResult
func write(_ text: String, to name: String, in folder: URL) -> String {
    let path = folder.appendingPathComponent(name).path
    #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)), "cannot write \(path)")
    return path
}

/// Runs `cdsa arguments…` with `input` on stdin (a file, so not a terminal), with a timeout;
/// `interruptAfter` sends it SIGINT (Ctrl-C) after that many seconds.
func cdsa(_ arguments: [String], input: String = "", in folder: URL, timeout: TimeInterval = 60,
          interruptAfter: TimeInterval? = nil, environment extra: [String: String] = [:]) throws -> Run {
    let binary = try #require(cdsaBinary, "cdsa binary not found")
    let stdin = write(input, to: "stdin.txt", in: folder)
    let out = folder.appendingPathComponent("stdout.txt"), err = folder.appendingPathComponent("stderr.txt")
    #expect(FileManager.default.createFile(atPath: out.path, contents: nil) && FileManager.default.createFile(atPath: err.path, contents: nil))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.currentDirectoryURL = folder
    var environment = ProcessInfo.processInfo.environment
    environment["CDSA_HISTORY"] = ""
    environment.merge(extra) { _, new in new }
    process.environment = environment
    process.standardInput = FileHandle(forReadingAtPath: stdin)
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    if let interruptAfter {
        Thread.sleep(forTimeInterval: interruptAfter)
        process.interrupt()
    }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning {
        process.terminate()
        Issue.record("cdsa \(arguments) timed out after \(timeout) s")
    }
    process.waitUntilExit()
    return Run(status: process.terminationStatus,
               stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
               stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}
