import Foundation
import Simulation

/// The benchmark task a dataset stands for, as far as its file name and environment
/// tell — what the algorithms' per-dataset choices (IQL's AntMaze settings, POR's
/// variant and weights) are keyed on: "hopper-medium-replay" for
/// data/hopper-medium-replay-v2.hdf5, else the environment's name ("antmaze-umaze…").
enum DatasetTask {
    static func name(_ d: Dataset) -> String {
        let file = (d.source as NSString).lastPathComponent
        let stem = ["hdf5", "h5", "npz"].contains((file as NSString).pathExtension.lowercased())
            ? (file as NSString).deletingPathExtension : file
        let key = ReferenceScores.droppingVersion(stem.lowercased().replacingOccurrences(of: "_", with: "-"))
        if let (world, kind) = LocomotionData.parse(key) { return "\(world)-\(kind.rawValue)" }
        return (d.environmentName ?? key).lowercased()
    }

    static func isAntMaze(_ d: Dataset) -> Bool {
        name(d).hasPrefix("antmaze") || (d.environmentName?.lowercased().hasPrefix("antmaze") ?? false)
    }
}
