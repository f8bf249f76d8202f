import Autodiff
import Foundation
import OfflineRL
import Reports
import Simulation

/// Policies evaluated side by side, as the paper reports them: for each policy, every
/// evaluation seed's mean normalised score (or return, without reference returns); their
/// mean ± std and a 95% confidence interval over seeds (Student's t); and the tail of all
/// its episodes pooled, VaR and CVaR at 10%. Each policy meets the same episodes: the
/// evaluation seeds are shared.
public struct Comparison: Sendable {
    public struct Row: Sendable {
        public var name: String
        /// One report per evaluation seed.
        public var reports: [EvaluationReport]
    }

    public var environment: String
    public var seeds: [UInt64]
    public var episodes: Int
    public var rows: [Row]

    /// Whether the numbers are D4RL-normalised scores (the environment has references).
    public var normalized: Bool { rows.first?.reports.first?.reference != nil }

    /// Runs every policy for `episodes` episodes at each seed (batched across environments).
    public static func run(_ policies: [(name: String, policy: any Policy)], in env: any PhysicsEnvironment, seeds: [UInt64],
                           episodes: Int, parallel: Int = 16, cancellation: CancellationToken? = nil,
                           progress: (any ProgressReporter)? = nil) throws -> Comparison {
        guard !policies.isEmpty, !seeds.isEmpty else { throw EvaluationError.mismatch("compare: needs at least one policy and one seed") }
        var rows: [Row] = []
        let total = policies.count * seeds.count
        defer { progress?.finish() }
        for (k, p) in policies.enumerated() {
            var reports: [EvaluationReport] = []
            for (j, seed) in seeds.enumerated() {
                progress?.report(title: "compare", done: k * seeds.count + j, total: total, rate: 0, detail: p.name, force: false)
                reports.append(try evaluate(p.policy, in: env, episodes: episodes, seed: seed, parallel: parallel, cancellation: cancellation))
            }
            rows.append(Row(name: p.name, reports: reports))
        }
        progress?.report(title: "compare", done: total, total: total, rate: 0, detail: "", force: true)
        return Comparison(environment: env.name, seeds: seeds, episodes: episodes, rows: rows)
    }
}

extension Comparison.Row {
    /// Each seed's mean normalised score (mean return without references).
    public var perSeed: [Double] { reports.map { $0.score ?? $0.mean } }
    public var mean: Double { perSeed.reduce(0, +) / Double(perSeed.count) }
    /// Sample standard deviation over seeds (n − 1), 0 for one seed.
    public var std: Double {
        guard perSeed.count > 1 else { return 0 }
        let m = mean
        return (perSeed.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(perSeed.count - 1)).squareRoot()
    }
    /// The 95% confidence interval of the mean over seeds, mean ± t₀.₉₇₅,ₙ₋₁ · std/√n; nil
    /// for one seed.
    public var confidence95: (Double, Double)? {
        guard perSeed.count > 1 else { return nil }
        let half = studentT975(perSeed.count - 1) * std / Double(perSeed.count).squareRoot()
        return (mean - half, mean + half)
    }
    /// Every episode's normalised score (return without references), seeds in order.
    public var episodeScores: [Double] { reports.flatMap { $0.scores ?? $0.returns } }
    /// VaR10 and CVaR10 of all episodes pooled.
    public var tail: (valueAtRisk: Double, conditionalValueAtRisk: Double) {
        let sorted = episodeScores.sorted(), k = Swift.max(1, Int((0.1 * Double(sorted.count)).rounded(.up)))
        return (sorted[k - 1], sorted.prefix(k).reduce(0, +) / Double(k))
    }
}

/// Student's t 0.975 quantile for `df` degrees of freedom: the table to 30, beyond it the
/// Cornish–Fisher expansion around the normal's 1.959964 (within 2·10⁻⁵ of the exact quantile
/// there; the normal alone would understate a 31-seed interval by 4%).
func studentT975(_ df: Int) -> Double {
    let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
    if df >= 1 && df <= table.count { return table[df - 1] }
    let z = 1.959964, v = Double(df), z2 = z * z
    return z + z * (z2 + 1) / (4 * v) + z * ((5 * z2 + 16) * z2 + 3) / (96 * v * v)
        + z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / (384 * v * v * v)
}

extension Comparison: CustomStringConvertible {
    /// The table the REPL prints.
    public var description: String {
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        let unit = normalized ? "normalised score" : "return"
        let seedsText = seeds.count == 1 ? "1 seed" : "\(seeds.count) seeds"
        var lines = ["\(environment): \(unit) over \(seedsText) × \(episodes) episode\(episodes == 1 ? "" : "s")"]
        let width = Swift.max(6, rows.map(\.name.count).max() ?? 6)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: Swift.max(0, n - s.count)) }
        lines.append(pad("policy", width) + "  " + pad("mean ± std", 16) + pad("95% CI", 18) + pad("VaR10", 8) + "CVaR10")
        for row in rows {
            let ci = row.confidence95.map { "[\(f($0.0)), \(f($0.1))]" } ?? "—"
            let tail = row.tail
            lines.append(pad(row.name, width) + "  " + pad("\(f(row.mean)) ± \(f(row.std))", 16) + pad(ci, 18)
                + pad(f(tail.valueAtRisk), 8) + f(tail.conditionalValueAtRisk))
        }
        return lines.joined(separator: "\n")
    }
}

extension Comparison {
    /// One row per policy: its summary and each seed's mean.
    public var csv: CSV {
        let header = ["policy", "mean", "std", "ci95_low", "ci95_high", "var10", "cvar10"] + seeds.map { "seed_\($0)" }
        let body: [[CSV.Cell]] = rows.map { row in
            let ci = row.confidence95, tail = row.tail
            return [.string(row.name), .number(row.mean), .number(row.std), ci.map { .number($0.0) } ?? .empty,
                    ci.map { .number($0.1) } ?? .empty, .number(tail.valueAtRisk), .number(tail.conditionalValueAtRisk)]
                + row.perSeed.map { .number($0) }
        }
        return CSV(header: header, rows: body)
    }

    /// Everything, per-episode returns included.
    public var json: JSON {
        .object([("environment", .string(environment)), ("normalized", .bool(normalized)), ("episodes", .number(Double(episodes))),
                 ("seeds", .array(seeds.map { .number(Double($0)) })),
                 ("policies", .array(rows.map { row in
                     let ci = row.confidence95, tail = row.tail
                     return .object([("name", .string(row.name)), ("mean", .number(row.mean)), ("std", .number(row.std)),
                                     ("ci95", ci.map { .array([.number($0.0), .number($0.1)]) } ?? .null),
                                     ("var10", .number(tail.valueAtRisk)), ("cvar10", .number(tail.conditionalValueAtRisk)),
                                     ("per_seed", .array(row.perSeed.map { .number($0) })),
                                     ("returns", .array(row.reports.map { r in .array(r.returns.map { .number($0) }) }))])
                 }))])
    }

    /// A bar per policy with its 95% interval (± std for one seed).
    public var chart: SVGCanvas {
        let errors = rows.map { row in row.confidence95.map { ($0.1 - $0.0) / 2 } ?? row.std }
        return Charts.bars(title: "\(environment): \(seeds.count) seed\(seeds.count == 1 ? "" : "s") × \(episodes) episodes",
                           groups: [environment],
                           series: rows.enumerated().map { k, row in (row.name, [row.mean], [errors[k]]) },
                           yLabel: normalized ? "normalised score (95% CI)" : "return (95% CI)")
    }
}
