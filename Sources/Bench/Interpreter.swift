// The language's speed: CPython's anchors (../shared/anchors/py_interp.py) run in cdsa,
// and the cost of calling a built-in from cdsa.
import Autodiff
import Bindings
import Foundation
import Language

private func seconds(_ session: Session, _ text: String) throws -> Double {
    let start = now()
    _ = try session.run(try Source(path: "bench.cdsa", bytes: Array(text.utf8)))
    return now() - start
}

/// `cdsa-bench --interpreter [PY_INTERP_SCRIPT]`: fib(30) and a 10M-iteration loop,
/// median of 3, next to CPython (the system python3) running the same programs in the
/// same invocation when the anchor script is given.
func interpreterBenchmarks(anchor: String?) throws {
    let programs = [
        ("fib(30)", "fn fib(n) = n if n < 2 else fib(n - 1) + fib(n - 2)\n", "fib(30)"),
        ("loop 10M", "fn loop(n) {\n  let s = 0.0\n  let i = 0\n  while i < n {\n    s = s + i * 0.5\n    i = i + 1\n  }\n  return s\n}\n", "loop(10000000)"),
    ]
    let reference = anchor.flatMap(cpythonTimes) ?? [:]
    for (name, definition, call) in programs {
        let session = try Session(prelude: false, output: { _ in })
        _ = try seconds(session, definition)
        let times = try (0..<3).map { _ in try seconds(session, call) }.sorted()
        var record: [String: Any] = ["name": "cdsa \(name)", "threads": 1, "unit": "s", "median": times[1],
                                     "min": times[0], "max": times[2]]
        var line = String(format: "%-44@ seconds %8.3f", "cdsa \(name)" as NSString, times[1])
        if let py = reference[name] {
            record["cpython_median"] = py
            record["ratio_to_cpython"] = py / times[1]
            line += String(format: "  CPython %.3f s → %.2f× %@", py, py / times[1], py >= times[1] ? "faster" : "(slower)")
        }
        emit(record, line)
    }

    // A do-nothing built-in called 1M times, minus the empty loop: the whole cost a call
    // from cdsa adds over calling the same Swift closure directly (which costs ~1 ns).
    let noop = Library(name: "bench", entries: [Builtin("noop", doc: "Does nothing.") { _ in .nil }])
    let session = try Session(libraries: [noop], prelude: false, output: { _ in })
    _ = installEngine(into: session, cancellation: CancellationToken())
    _ = try seconds(session, "for i in 0..<1000 { noop() }")
    let n = 1_000_000
    let empty = try seconds(session, "for i in 0..<\(n) { }")
    let calls = try seconds(session, "for i in 0..<\(n) { noop() }")
    let ns = (calls - empty) / Double(n) * 1e9
    emit(["name": "cdsa builtin call overhead", "threads": 1, "unit": "ns/call", "median": ns],
         String(format: "%-44@ ns/call  %8.0f", "cdsa builtin call overhead" as NSString, ns))
}

/// One corrected action from cdsa: the built-in corrector next to stdlib's cdsa_rule (the
/// same arithmetic written in cdsa, through correct_with), both called from a script on one
/// Hopper state, on the same untrained default-size models. Median of 3 rounds of 1000.
func ruleBenchmark() throws {
    let stdlib = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("stdlib").path
    let session = try Session(importer: FileImporter(stdlibDirectory: stdlib), prelude: true, output: { _ in })
    _ = installEngine(into: session, cancellation: CancellationToken())
    _ = try seconds(session, """
        import "correctors"
        let h = env("hopper")
        let d = collect(h, random_policy(h, seed=1), 400, seed=2)
        let base = bc(d, steps=1, seed=3, progress=false)
        let g = train_score(d, steps=1, progress=false)
        let hs = train_score(d, wrt="state", steps=1, progress=false)
        let inv = train_inverse(d, steps=1, progress=false)
        let built = correct(base, g=g, h=hs, inv=inv)
        let ruled = base |> correct_with(cdsa_rule(g, hs, inv))
        let o = d.observations[0]
        fn many(p, n) { for i in range(n) { p(o) } }
        many(built, 100)
        many(ruled, 100)
        """)
    func median(_ name: String) throws -> Double {
        try (0..<3).map { _ in try seconds(session, "many(\(name), 1000)") / 1000 * 1e6 }.sorted()[1]
    }
    let (built, ruled) = (try median("built"), try median("ruled"))
    emit(["name": "cdsa corrected action b1 from a script", "threads": 1, "unit": "us/call", "median": built],
         String(format: "%-44@ us/call  %8.1f", "cdsa corrected action b1 from a script" as NSString, built))
    emit(["name": "cdsa corrected action b1 through cdsa_rule", "threads": 1, "unit": "us/call", "median": ruled,
          "ratio_to_builtin": ruled / built],
         String(format: "%-44@ us/call  %8.1f  (%.2fx the built-in)", "cdsa corrected action b1 through cdsa_rule" as NSString,
                ruled, ruled / built))
}

/// CPython's medians from py_interp.py ("CPython 3.11.7 fib(30): median 0.160 s …").
private func cpythonTimes(_ script: String) -> [String: Double]? {
    guard FileManager.default.fileExists(atPath: script) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script]
    let pipe = Pipe()
    process.standardOutput = pipe
    guard (try? process.run()) != nil else { return nil }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    var times: [String: Double] = [:]
    for line in output.split(separator: "\n") {
        FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
        for name in ["fib(30)", "loop 10M"] where line.contains(" \(name): median ") {
            let rest = line.components(separatedBy: ": median ")[1]
            times[name] = Double(rest.split(separator: " ")[0])
        }
    }
    return times
}
