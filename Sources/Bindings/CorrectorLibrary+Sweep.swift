// `sweep`: a corrector's k1 × k2 grid evaluated over seeds, cells on forked workers,
// gathered into one table, CSV, JSON and an SVG heat map.

import Autodiff
import Correctors
import Foundation
import Language
import OfflineRL
import Reports

extension CorrectorLibrary {
    static func sweep(_ s: EngineState) -> Builtin {
        func numbers(_ values: [Double]) -> Value { .list(List(values.map { .number($0) })) }
        let p: [BuiltinParameter] = [
            .init("corrector", .either([.foreign("policy"), .function])), .init("env", .foreign("environment")),
            .init("k1", .list, default: numbers([0, 0.1, 0.3, 1])), .init("k2", .list, default: numbers([0, 0.1, 0.3])),
            .init("seeds", .list, default: numbers([0, 1, 2])), .init("episodes", .integer, default: .number(10)),
            .init("workers", .integer, default: .nil), .init("parallel", .integer, default: .number(16)),
            .init("progress", .bool, default: .bool(true)),
        ]
        return Builtin("sweep", p, doc: "Evaluate a corrector at every k1 × k2 of a grid on the same seeds and episodes: the corrector is one made by correct(…) (its models and options kept, k1 and k2 varied) or a function fn(k1, k2) returning a policy. Cells run on `workers` forked processes (nil: one per core; 1 runs them in this process); a cell's numbers do not depend on the worker count. Prints the grid of mean scores and the best cell beside the base (k1 = k2 = 0); fields as compare's plus k1, k2, best; save(w, path) writes .csv, .json or an .svg heat map.") { a in
            let e = try a.object(1, EnvironmentValue.self, "environment")
            func grid(_ i: Int, _ what: String) throws -> [Double] {
                let values = try a.list(i).items.enumerated().map { k, v -> Double in
                    guard case .number(let x) = v, x.isFinite else { throw a.bad(i, "a list of numbers expected, item \(k) is \(v.repr)") }
                    return x
                }
                guard !values.isEmpty else { throw a.bad(i, "at least one \(what) expected") }
                // Gains act in float32: 0.1 and 0.100000001 would be one cell under two names.
                guard Set(values.map(Float.init)).count == values.count else { throw a.bad(i, "\(what) values repeat (as float32 gains)") }
                return values
            }
            let (k1s, k2s) = (try grid(2, "k1"), try grid(3, "k2"))
            let seeds = try a.seeds(4)
            let (episodes, parallel) = (try a.positive(5), try a.positive(7))
            let workers = if case .nil = a[6] { ProcessInfo.processInfo.activeProcessorCount } else { try a.positive(6) }

            // How a cell's policy is made: the corrector with other gains, or the user's function.
            let make: (Double, Double) throws -> Value
            switch a[0] {
            case .foreign(let p as PolicyValue):
                guard let c = p.policy as? CDSACorrector else {
                    throw a.bad(0, "a corrector made by correct(…) or a function fn(k1, k2) expected, got \(p.summary)")
                }
                make = { k1, k2 in
                    var correction = c.correction
                    (correction.k1, correction.k2) = (Float(k1), Float(k2))
                    return .foreign(PolicyValue(try CDSACorrector(base: c.base, g: c.g, h: c.h, inverse: c.inverse, correction: correction)))
                }
            case .function, .builtin:
                let f = a[0], interpreter = a.interpreter
                make = { k1, k2 in
                    let v = try interpreter.call(f, CallArguments([.number(k1), .number(k2)]))
                    guard Kind.function.accepts(v) else {
                        throw ScriptError("sweep: for \(Sweep.cellName(k1, k2)) the function returned \(v.typeName), not a policy")
                    }
                    return v
                }
            default:
                throw a.bad(0, "a corrector made by correct(…) or a function fn(k1, k2) expected, got \(a[0].typeName)")
            }
            // Every cell must make a policy for this environment: the first is checked here,
            // so a mistake is an error at the call, not inside a worker.
            _ = try enginePolicy(try make(k1s[0], k2s[0]), for: e.env, interpreter: a.interpreter, caller: "sweep") { a.bad(0, $0) }
            let result = try e.driven(by: "sweep") {
                try engine("sweep") {
                    try Sweep.run(k1s: k1s, k2s: k2s, in: e.env, seeds: seeds, episodes: episodes, parallel: parallel, workers: workers,
                                  cancellation: s.cancellation, progress: try a.bool(8) ? ConsoleProgress() : nil) { k1, k2 in
                        try enginePolicy(try make(k1, k2), for: e.env, interpreter: a.interpreter, caller: "sweep") {
                            ScriptError("sweep: the policy for \(Sweep.cellName(k1, k2)): \($0)")
                        }
                    }
                }
            }
            return .foreign(SweepValue(result))
        }
    }
}

/// A sweep as a value: prints its grid; compare's fields plus k1, k2 and best; saves as
/// CSV, JSON or an SVG heat map.
final class SweepValue: SavableValue {
    let sweep: Sweep
    let rows: ComparisonValue
    init(_ sweep: Sweep) {
        self.sweep = sweep
        rows = ComparisonValue(sweep.comparison)
    }

    var typeName: String { "sweep" }
    var summary: String { sweep.description }
    var fieldNames: [String] { ["k1", "k2", "best"] + rows.fieldNames }

    func field(_ name: String) throws -> Value? {
        switch name {
        case "k1": return .list(List(sweep.k1s.map { .number($0) }))
        case "k2": return .list(List(sweep.k2s.map { .number($0) }))
        case "best":
            let best = sweep.best
            return .record(Record(keys: ["k1", "k2", "mean", "std"], values: [.number(sweep.k1s[best.i]), .number(sweep.k2s[best.j]),
                                                                             .number(best.row.mean), .number(best.row.std)]))
        default: return try rows.field(name)
        }
    }

    func save(to path: String) throws {
        try saveReport("a sweep", csv: sweep.csv, json: sweep.json, chart: sweep.chart, to: path)
    }
}
