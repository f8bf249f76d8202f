// The correction library: CDSA's models and correctors as values, and `compare`, which
// evaluates policies side by side (a table, CSV, JSON and an SVG bar chart).

import Autodiff
import Foundation
import Language
import OfflineRL
import Correctors
import Reports
import Simulation

enum CorrectorLibrary {
    static func library(_ s: EngineState) -> Library {
        Library(name: "correct", entries: [trainScore, trainInverse, correct(s), correctWith, diagnose, traceCorrection, compare(s), sweep(s), plotField, plotCurves])
    }

    /// `correct_with(policy, rule)`: a = rule(s, a0) for each observation, the rule a cdsa
    /// function of one state and one action (1-D tensors) returning the action.
    static var correctWith: Builtin {
        Builtin("correct_with", [.init("policy", .foreign("policy")), .init("rule", .function)],
                doc: "The policy with each action corrected by rule(s, a0), a cdsa function of one observation and the base's action (1-D tensors) returning the action — a new corrector is a function: `base |> correct_with(damped)`. The result is a policy (evaluate, compare, |> clip(-1, 1) it).") { a in
            let base = try a.object(0, PolicyValue.self, "policy")
            let rule = a[1], interpreter = a.interpreter
            let name: String
            switch rule {
            case .function(let f): name = f.name
            case .builtin(let b): name = b.name
            default: name = "rule"
            }
            let corrector = RuleCorrector(base: base.policy, name: name) { states, actions in
                var rows: [Tensor] = []
                for i in 0..<states.shape[0] {
                    let (s, a0) = (try states.gather([i]).reshaped([-1]), try actions.gather([i]).reshaped([-1]))
                    let out = try interpreter.call(rule, CallArguments([.tensor(s), .tensor(a0)]))
                    guard let t = (try? tensorLike(out)) ?? nil else {
                        throw CorrectorError.badRule("\(name) returned \(out.typeName), not an action (a tensor or a list of numbers)")
                    }
                    guard t.count == a0.count else {
                        throw CorrectorError.badRule("\(name) returned \(t.count) numbers for an action of \(a0.count)")
                    }
                    rows.append(try t.reshaped([1, a0.count]))
                }
                return try Tensor.concat(rows, axis: 0)
            }
            return .foreign(PolicyValue(corrector))
        }
    }

    static func compare(_ s: EngineState) -> Builtin {
        Builtin("compare", [.init("policies", .either([.list, .record])), .init("env", .foreign("environment")),
                            .init("episodes", .integer, default: .number(10)),
                            .init("seeds", .list, default: .list(List([.number(0), .number(1), .number(2)]))),
                            .init("parallel", .integer, default: .number(16)), .init("progress", .bool, default: .bool(true))],
                doc: "Evaluate policies side by side (a list, or a record naming them) on the same episodes for each seed: per policy, normalised score mean ± std and 95% interval over seeds, VaR and CVaR at 10%; prints a table, save(c, path) writes .csv, .json or an .svg bar chart.") { a in
            let e = try a.object(1, EnvironmentValue.self, "environment")
            let episodes = try a.positive(2), parallel = try a.positive(4)
            let seeds = try a.seeds(3)
            var named: [(String, Value)] = []
            if case .record(let r) = a[0] { named = Array(zip(r.keys, r.values)) }
            else { named = try a.list(0).items.map { (try shortName($0), $0) } }
            guard !named.isEmpty else { throw a.bad(0, "at least one policy expected") }
            var names = Set<String>()
            for (k, (name, _)) in named.enumerated() where !names.insert(name).inserted {
                named[k].0 = "\(name) #\(k + 1)"   // two unnamed policies of one algorithm stay apart
            }
            // Each policy is adapted (and checked against env) as `evaluate` would.
            let policies = try named.map { name, v -> (name: String, policy: any Policy) in
                (name, try enginePolicy(v, for: e.env, interpreter: a.interpreter, caller: "compare") { a.bad(0, "'\(name)': \($0)") })
            }
            let comparison = try e.driven(by: "compare") {
                try engine("compare") {
                    try Comparison.run(policies, in: e.env, seeds: seeds, episodes: episodes, parallel: parallel,
                                       cancellation: s.cancellation, progress: try a.bool(5) ? ConsoleProgress() : nil)
                }
            }
            return .foreign(ComparisonValue(comparison))
        }
    }

    /// A short name for a policy in a table: its algorithm, "random", "controller", a
    /// function's name, or "policy".
    static func shortName(_ v: Value) throws -> String {
        switch v {
        case .foreign(let p as PolicyValue): return p.shortName
        case .foreign(let n as NetworkValue): return n.spec.kind
        case .function(let f): return f.name.isEmpty ? "<fn>" : f.name
        default: return v.typeName
        }
    }
}

/// A comparison as a value: prints its table; fields for the numbers; saves as CSV,
/// JSON or an SVG chart.
final class ComparisonValue: SavableValue {
    let comparison: Comparison
    init(_ comparison: Comparison) { self.comparison = comparison }

    var typeName: String { "comparison" }
    var summary: String { comparison.description }
    var fieldNames: [String] { ["env", "policies", "mean", "std", "ci95", "var", "cvar", "per_seed", "seeds", "episodes"] }

    func field(_ name: String) throws -> Value? {
        let rows = comparison.rows
        func each(_ f: (Comparison.Row) -> Value) -> Value { .record(Record(keys: rows.map(\.name), values: rows.map(f))) }
        switch name {
        case "env": return .string(comparison.environment)
        case "policies": return .list(List(rows.map { .string($0.name) }))
        case "mean": return each { .number($0.mean) }
        case "std": return each { .number($0.std) }
        case "ci95": return each { r in r.confidence95.map { .list(List([.number($0.0), .number($0.1)])) } ?? .nil }
        case "var": return each { .number($0.tail.valueAtRisk) }
        case "cvar": return each { .number($0.tail.conditionalValueAtRisk) }
        case "per_seed": return each { .list(List($0.perSeed.map { .number($0) })) }
        case "seeds": return .list(List(comparison.seeds.map { .number(Double(Int64(bitPattern: $0))) }))
        case "episodes": return .number(Double(comparison.episodes))
        default: return nil
        }
    }

    func save(to path: String) throws {
        try saveReport("a comparison", csv: comparison.csv, json: comparison.json, chart: comparison.chart, to: path)
    }
}

/// Writes a report (`what` names it in the error) by the path's extension: .csv, .json or
/// an .svg chart; only the one asked for is built.
func saveReport(_ what: String, csv: @autoclosure () -> CSV, json: @autoclosure () -> JSON,
                chart: @autoclosure () -> SVGCanvas, to path: String) throws {
    switch URL(fileURLWithPath: path).pathExtension.lowercased() {
    case "csv": try csv().write(to: path)
    case "json": try json().write(to: path)
    case "svg": try chart().write(to: path)
    default: throw ScriptError("save: \(what) is written as .csv, .json or .svg, not '\(path)'")
    }
}

extension Arguments {
    /// Argument i as evaluation seeds: distinct whole numbers ≥ 0, at least one. A seed
    /// given twice would repeat the same episodes and shrink the interval over seeds to
    /// nothing.
    func seeds(_ i: Int) throws -> [UInt64] {
        var seen: Set<UInt64> = []
        let seeds = try list(i).items.enumerated().map { k, v -> UInt64 in
            guard case .number(let x) = v, x == x.rounded(), x >= 0, x < 1e15 else {
                throw bad(i, "a list of whole seeds ≥ 0 expected, item \(k) is \(v.repr)")
            }
            guard seen.insert(UInt64(x)).inserted else { throw bad(i, "seed \(Int(x)) is given twice: its episodes would count twice") }
            return UInt64(x)
        }
        guard !seeds.isEmpty else { throw bad(i, "at least one seed expected") }
        return seeds
    }
}
