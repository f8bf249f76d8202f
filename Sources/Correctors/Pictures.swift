import Autodiff
import Foundation
import OfflineRL
import Reports
import Simulation

/// The pictures that explain CDSA and its runs, as SVG (Reports.Charts draws them).
public enum Pictures {
    /// What the correction does across a point maze: at a grid of resting positions
    /// (x, y, 0, 0) in free cells, an arrow for the corrector's a − a0 (or, for an action
    /// score model alone, σ²·g(s, 0)) — the push toward actions the data took there —
    /// over the data's positions (faint) and the maze's walls. Arrows are scaled so the
    /// longest spans most of a grid step; the title gives that scale.
    public static func correctionField(corrector: CDSACorrector? = nil, score: ScoreModel? = nil, maze: PointMaze,
                                       data: Dataset, grid: Int = 16, points: Int = 4000) throws -> SVGCanvas {
        guard corrector != nil || score != nil else { throw CorrectorError.invalid("a corrector or an action score model is needed") }
        if let score, score.target != .action { throw CorrectorError.invalid("the field is drawn for an action score model, got a state one") }
        guard data.observationSize >= 2, grid >= 2 else { throw CorrectorError.invalid("needs planar positions and a grid of at least 2") }
        let layout = maze.layout, frame = maze.frame, side = frame.cellSize
        var walls: [(x: Double, y: Double, width: Double, height: Double)] = []
        for row in 0..<layout.rows {
            for col in 0..<layout.cols where layout.isWall(row, col) {
                let c = frame.centre(of: MazeCell(row, col))
                walls.append((c.x - side / 2, c.y - side / 2, side, side))
            }
        }
        let xs = walls.flatMap { [$0.x, $0.x + $0.width] }, ys = walls.flatMap { [$0.y, $0.y + $0.height] }
        let (x0, x1, y0, y1) = (xs.min() ?? 0, xs.max() ?? 1, ys.min() ?? 0, ys.max() ?? 1)
        var at: [SIMD2<Double>] = []
        for i in 0..<grid {
            for j in 0..<grid {
                let p = SIMD2(x0 + (x1 - x0) * (Double(i) + 0.5) / Double(grid), y0 + (y1 - y0) * (Double(j) + 0.5) / Double(grid))
                if layout.isFree(p, in: frame) { at.append(p) }
            }
        }
        let width = data.observationSize
        let states = try Tensor(shape: [at.count, width], scalars: at.flatMap { p in [Float(p.x), Float(p.y)] + [Float](repeating: 0, count: width - 2) })
        let moves: Tensor
        if let corrector {
            let d = try corrector.corrected(states)
            moves = try d.actions - d.baseActions
        } else {
            let g = score!, sigma = g.sigmas[0]
            moves = try g.score(states: states, actions: Tensor.zeros([at.count, g.actionSize])) * (sigma * sigma)
        }
        let m = moves.scalars, a = moves.shape[1]
        let longest = (0..<at.count).map { k in Double(hypot(m[k * a], a > 1 ? m[k * a + 1] : 0)) }.max() ?? 0
        let step = min(x1 - x0, y1 - y0) / Double(grid)
        let scale = longest > 0 ? 0.9 * step / longest : 1
        let arrows = at.enumerated().map { k, p in (x: p.x, y: p.y, dx: Double(m[k * a]), dy: a > 1 ? Double(m[k * a + 1]) : 0) }
        let stride = max(1, data.count / max(points, 1))
        let o = data.observations.scalars
        let dots = Swift.stride(from: 0, to: data.count, by: stride).map { (Double(o[$0 * width]), Double(o[$0 * width + 1])) }
        let what = corrector != nil ? "CDSA's correction a − a0" : "σ²·g(s, 0)"
        return Charts.vectorField(title: "\(what) at rest in \(maze.name) (arrows ×\(String(format: "%.3g", scale)))",
                                  xLabel: "x", yLabel: "y", xRange: (x0, x1), yRange: (y0, y1), points: dots, arrows: arrows,
                                  walls: walls, scale: scale)
    }

    /// Learning curves of run folders: per group, the mean of `metric` (a metrics.csv
    /// column, e.g. eval_score) over its runs at the steps they all logged, in a band of
    /// ± one standard deviation.
    public static func learningCurves(_ groups: [(label: String, folders: [String])], metric: String,
                                      title: String? = nil) throws -> SVGCanvas {
        var series: [(label: String, x: [Double], y: [Double], low: [Double]?, high: [Double]?)] = []
        for (label, folders) in groups {
            var byStep: [[Double: Double]] = []
            for folder in folders {
                let csv = try CSV.read(from: folder + "/metrics.csv")
                guard let s = csv.header.firstIndex(of: "step"), let c = csv.header.firstIndex(of: metric) else {
                    throw CorrectorError.invalid("\(folder)/metrics.csv has no '\(metric)' column (columns: \(csv.header.joined(separator: ", ")))")
                }
                var values: [Double: Double] = [:]
                for row in csv.rows where row.count > max(s, c) {
                    if case .number(let step) = row[s], case .number(let v) = row[c] { values[step] = v }
                }
                byStep.append(values)
            }
            let steps = byStep.dropFirst().reduce(Set(byStep.first?.keys ?? [:].keys)) { $0.intersection($1.keys) }.sorted()
            guard !steps.isEmpty else { throw CorrectorError.invalid("the runs of '\(label)' logged no '\(metric)' at a common step") }
            let means = steps.map { st in byStep.map { $0[st]! }.reduce(0, +) / Double(byStep.count) }
            let stds = zip(steps, means).map { st, mu in (byStep.map { ($0[st]! - mu) * ($0[st]! - mu) }.reduce(0, +) / Double(byStep.count)).squareRoot() }
            series.append((label, steps, means, zip(means, stds).map { $0 - $1 }, zip(means, stds).map { $0 + $1 }))
        }
        let n = groups.map(\.folders.count).max() ?? 0
        return Charts.lines(title: title ?? "\(metric) (mean ± std over \(n) run\(n == 1 ? "" : "s"))", xLabel: "step", yLabel: metric, series: series)
    }
}
