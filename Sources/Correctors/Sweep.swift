import Autodiff
import Foundation
import OfflineRL
import Reports
import Simulation

/// A corrector's gains over a grid of k1 × k2: every cell's policy evaluated on the same
/// seeds and episodes (as `Comparison` does), cells spread over forked worker processes.
/// A cell's numbers depend only on its k1, k2 and the seeds, never on the worker count.
public struct Sweep: Sendable {
    public var k1s: [Double]
    public var k2s: [Double]
    /// One row per cell, k1-major, named "k1=… k2=…".
    public var comparison: Comparison

    public static func cellName(_ k1: Double, _ k2: Double) -> String { "k1=\(number(k1)) k2=\(number(k2))" }

    /// Evaluates `policy(k1, k2)` for every cell. `workers` > 1 forks that many processes.
    public static func run(k1s: [Double], k2s: [Double], in env: any PhysicsEnvironment, seeds: [UInt64], episodes: Int,
                           parallel: Int = 16, workers: Int = 1, cancellation: CancellationToken? = nil,
                           progress: (any ProgressReporter)? = nil,
                           policy: (Double, Double) throws -> any Policy) throws -> Sweep {
        guard !k1s.isEmpty, !k2s.isEmpty, !seeds.isEmpty else {
            throw EvaluationError.mismatch("sweep: needs at least one k1, one k2 and one seed")
        }
        let cells = k1s.flatMap { k1 in k2s.map { k2 in (k1, k2) } }
        func evaluateCell(_ i: Int) throws -> [EvaluationReport] {
            let p = try policy(cells[i].0, cells[i].1)
            return try seeds.map { try evaluate(p, in: env, episodes: episodes, seed: $0, parallel: parallel, cancellation: cancellation) }
        }
        var finished = 0
        func tick(_ i: Int) {
            finished += 1
            progress?.report(title: "sweep", done: finished, total: cells.count, rate: 0, detail: cellName(cells[i].0, cells[i].1),
                             force: finished == cells.count)
        }
        defer { progress?.finish() }
        progress?.report(title: "sweep", done: 0, total: cells.count, rate: 0, detail: "", force: true)
        var reports: [[EvaluationReport]] = []
        if workers <= 1 {
            for i in cells.indices { reports.append(try evaluateCell(i)); tick(i) }
        } else {
            let encoded = try Forked.map(count: cells.count, workers: workers, cancellation: cancellation, done: tick) { i in
                [UInt8](try JSONEncoder().encode(evaluateCell(i)))
            }
            reports = try encoded.map { try JSONDecoder().decode([EvaluationReport].self, from: Data($0)) }
        }
        let rows = zip(cells, reports).map { Comparison.Row(name: cellName($0.0, $0.1), reports: $1) }
        return Sweep(k1s: k1s, k2s: k2s, comparison: Comparison(environment: env.name, seeds: seeds, episodes: episodes, rows: rows))
    }

    /// The row of cell (i, j).
    public func row(_ i: Int, _ j: Int) -> Comparison.Row { comparison.rows[i * k2s.count + j] }

    /// The cell with the highest mean, and its indices.
    public var best: (i: Int, j: Int, row: Comparison.Row) {
        var top = (i: 0, j: 0, row: row(0, 0))
        for i in k1s.indices { for j in k2s.indices where row(i, j).mean > top.row.mean { top = (i, j, row(i, j)) } }
        return top
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"  // the shortest text that reads back as x
    }
}

extension Sweep: CustomStringConvertible {
    /// The grid of means (rows k1, columns k2) and the best cell beside the base (k1 = k2 = 0).
    public var description: String {
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        let c = comparison
        let unit = c.normalized ? "normalised score" : "return"
        var lines = ["\(c.environment): \(unit), mean over \(c.seeds.count) seed\(c.seeds.count == 1 ? "" : "s") × \(c.episodes) episode\(c.episodes == 1 ? "" : "s"), k1 down, k2 across"]
        let labels = k1s.map { "k1=" + Self.number($0) }, width = max(8, (labels.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        lines.append(pad("", width) + k2s.map { pad("k2=" + Self.number($0), 10) }.joined())
        for (i, label) in labels.enumerated() {
            lines.append(pad(label, width) + k2s.indices.map { pad(f(row(i, $0).mean), 10) }.joined())
        }
        let top = best.row
        let ci = top.confidence95.map { ", 95% CI [\(f($0.0)), \(f($0.1))]" } ?? ""
        lines.append("best: \(top.name) → \(f(top.mean)) ± \(f(top.std))\(ci); VaR10 \(f(top.tail.valueAtRisk)), CVaR10 \(f(top.tail.conditionalValueAtRisk))")
        let cells = k1s.count * k2s.count
        if cells > 1 { lines.append("(the best of \(cells) cells on these seeds reads high: report it on other seeds)") }
        if let i = k1s.firstIndex(of: 0), let j = k2s.firstIndex(of: 0) {
            let base = row(i, j)
            lines.append("base (k1 = k2 = 0): \(f(base.mean)) ± \(f(base.std)); VaR10 \(f(base.tail.valueAtRisk)), CVaR10 \(f(base.tail.conditionalValueAtRisk))")
        }
        return lines.joined(separator: "\n")
    }

    /// One row per cell: k1, k2 and the comparison's columns.
    public var csv: CSV {
        let table = comparison.csv
        let body: [[CSV.Cell]] = zip(k1s.flatMap { k1 in k2s.map { (k1, $0) } }, table.rows).map { cell, row in
            [.number(cell.0), .number(cell.1)] + row.dropFirst()
        }
        return CSV(header: ["k1", "k2"] + table.header.dropFirst(), rows: body)
    }

    /// The comparison's JSON with the grid's axes.
    public var json: JSON {
        guard case .object(let fields) = comparison.json else { return comparison.json }
        return .object([(key: "k1", value: .array(k1s.map { .number($0) })), (key: "k2", value: .array(k2s.map { .number($0) }))] + fields)
    }

    /// A heat map of the means, k1 up the side and k2 along the bottom.
    public var chart: SVGCanvas {
        let c = comparison
        return Charts.heatMap(title: "\(c.environment): mean \(c.normalized ? "score" : "return"), \(c.seeds.count) seeds × \(c.episodes) episodes",
                              xLabel: "k2", yLabel: "k1", columns: k2s.map(Self.number), rows: k1s.map(Self.number),
                              values: k1s.indices.map { i in k2s.indices.map { row(i, $0).mean } })
    }
}
