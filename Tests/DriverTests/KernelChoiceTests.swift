// `cdsa kernels`: OpenBLAS's kernel sets measured once per machine, the fastest kept and
// adopted by every later start; OPENBLAS_CORETYPE overrides; a bad record is never trusted.

import Foundation
import Testing

@Suite(.enabled(if: cdsaBinary != nil, "cdsa binary not found next to the tests; build with --build-tests first"),
       .enabled(if: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, "OPENBLAS_CORETYPE is set"))
struct KernelChoiceTests {
    /// The line of `cdsa --version` that names the kernels loaded.
    func versionKernels(_ environment: [String: String], in dir: URL) throws -> String {
        let r = try cdsa(["--version"], in: dir, environment: environment)
        #expect(r.status == 0, "\(r)")
        return r.stdout.split(separator: "\n").first { $0.contains("OpenBLAS") }.map(String.init) ?? r.stdout
    }

    @Test func theMeasuredChoiceIsKeptAdoptedAndOverridable() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("kernels.json").path
        let environment = ["CDSA_KERNELS_FILE": file]
        let own = try versionKernels(environment, in: dir)   // no record yet: OpenBLAS's pick

        let first = try cdsa(["kernels"], in: dir, timeout: 120, environment: environment)
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.contains("OpenBLAS's pick") && first.stdout.contains("used by cdsa"), "\(first)")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let speeds = try #require(record["speeds"] as? [String: Double])
        let chosen = try #require(record["chosen"] as? String), openblas = try #require(record["openblas"] as? String)
        #expect(own.contains(openblas))
        #expect(speeds[chosen] != nil && speeds[openblas] != nil)
        #expect(speeds[chosen]! >= speeds[openblas]!, "the choice is never slower than OpenBLAS's pick: \(speeds)")
        let errors = try #require(record["errors"] as? [String: Double])
        #expect(Set(errors.keys) == Set(speeds.keys) && errors[chosen]! < 1e-4, "every set's products checked: \(errors)")
        #expect(try versionKernels(environment, in: dir).contains(chosen))

        // Kept: a second call reports the record without measuring.
        let second = try cdsa(["kernels"], in: dir, environment: environment)
        #expect(second.stdout.contains("as measured before"), "\(second)")

        // A record naming another set is adopted (the process re-executes under it) …
        var edited = record
        edited["chosen"] = "Nehalem"
        try JSONSerialization.data(withJSONObject: edited).write(to: URL(fileURLWithPath: file))
        #expect(try versionKernels(environment, in: dir).contains("Nehalem"))
        // … unless OPENBLAS_CORETYPE says otherwise.
        var forced = environment
        forced["OPENBLAS_CORETYPE"] = "Sandybridge"
        #expect(try versionKernels(forced, in: dir).contains("Sandybridge"))
        let report = try cdsa(["kernels"], in: dir, environment: forced)
        #expect(report.stdout.contains("Nehalem") && report.stdout.contains("cdsa's choice") && !report.stdout.contains("used by cdsa"), "\(report)")
        #expect(report.stdout.contains("OPENBLAS_CORETYPE=Sandybridge is set and overrides the choice: cdsa started with it runs Sandybridge's kernels"), "\(report)")
        // A forced set the measurement could not run (it traps on a missing instruction, as
        // Excavator's did on this project's EPYC) stops with a one-line error instead of crashing.
        var failed = edited
        failed["speeds"] = speeds.filter { $0.key != "Nehalem" }
        try JSONSerialization.data(withJSONObject: failed).write(to: URL(fileURLWithPath: file))
        forced["OPENBLAS_CORETYPE"] = "Nehalem"
        let refused = try cdsa(["--version"], in: dir, environment: forced)
        #expect(refused.status == 64 && refused.stdout.isEmpty, "\(refused)")
        #expect(refused.stderr.hasPrefix("cdsa: OPENBLAS_CORETYPE=Nehalem: this CPU cannot run those kernels"), "\(refused)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused)")

        // A record for another machine, or a damaged one, is ignored: OpenBLAS's pick, no error.
        edited["machine"] = "another CPU"
        try JSONSerialization.data(withJSONObject: edited).write(to: URL(fileURLWithPath: file))
        #expect(try versionKernels(environment, in: dir).contains(openblas))
        // So is one from before the products were checked (no errors): it may name wrong kernels.
        edited["machine"] = record["machine"]
        edited["errors"] = nil
        try JSONSerialization.data(withJSONObject: edited).write(to: URL(fileURLWithPath: file))
        #expect(try versionKernels(environment, in: dir).contains(openblas))
        try Data("{\"chosen\": ".utf8).write(to: URL(fileURLWithPath: file))
        #expect(try versionKernels(environment, in: dir).contains(openblas))
    }
}
