// `plot_field` and `plot_curves`: the picture that explains CDSA (its correction as arrows
// over the point maze, the data behind) and learning curves of run folders, as SVG.

import Correctors
import Foundation
import Language
import OfflineRL
import Simulation

extension CorrectorLibrary {
    static var plotField: Builtin {
        Builtin("plot_field", [.init("model", .either([.foreign("policy"), .foreign("score model")])), .init("data", .foreign("dataset")),
                               .init("path", .string), .init("grid", .integer, default: .number(16))],
                doc: "An SVG of the correction over a point maze: at a grid of resting positions, arrows for a corrector's a − a0 (from correct) or an action score model's σ²·g(s, 0), over the data's positions and the walls.") { a in
            let d = try a.object(1, DatasetValue.self, "dataset").dataset
            guard let name = d.environmentName, let maze = try? EnvLibrary.world(name) as? PointMaze else {
                throw a.bad(1, "point-maze data expected (the field is drawn over the maze's plane), got data of \(d.environmentName ?? "no environment")")
            }
            var corrector: CDSACorrector?, score: ScoreModel?
            switch a[0] {
            case .foreign(let p as PolicyValue):
                guard let c = p.policy as? CDSACorrector else { throw a.bad(0, "a corrector from correct(…) or an action score model expected, got \(p.summary)") }
                corrector = c
            case .foreign(let m as ScoreModelValue): score = m.model
            default: break
            }
            let grid = try a.positive(3)
            let svg = try engine("plot_field") { try Pictures.correctionField(corrector: corrector, score: score, maze: maze, data: d, grid: grid) }
            try engine("plot_field") { try svg.write(to: try a.string(2)) }
            return .nil
        }
    }

    static var plotCurves: Builtin {
        Builtin("plot_curves", [.init("runs", .either([.list, .record])), .init("path", .string), .init("metric", .string, default: .string("eval_score"))],
                doc: "An SVG of learning curves: `metric` (a metrics.csv column) over steps, the mean over runs with a ± std band. runs is a list of run folders (grouped by their algorithm) or a record {label: [folders]}.") { a in
            var groups: [(label: String, folders: [String])] = []
            func folders(_ v: Value, _ what: String) throws -> [String] {
                guard case .list(let l) = v else { throw a.bad(0, "\(what) must be a list of run folders") }
                return try l.items.map { item in
                    guard case .string(let s) = item else { throw a.bad(0, "\(what) must be a list of run folders, got \(item.typeName)") }
                    return s
                }
            }
            if case .record(let r) = a[0] {
                for (label, v) in zip(r.keys, r.values) { groups.append((label, try folders(v, "'\(label)'"))) }
            } else {
                for folder in try folders(a[0], "runs") {
                    let algorithm = try engine("plot_curves") { try RunFolder.open(folder).manifest.algorithm }
                    if let k = groups.firstIndex(where: { $0.label == algorithm }) { groups[k].folders.append(folder) }
                    else { groups.append((algorithm, [folder])) }
                }
            }
            guard !groups.isEmpty else { throw a.bad(0, "at least one run folder expected") }
            let svg = try engine("plot_curves") { try Pictures.learningCurves(groups, metric: try a.string(2)) }
            try engine("plot_curves") { try svg.write(to: try a.string(1)) }
            return .nil
        }
    }
}
