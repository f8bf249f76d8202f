import Autodiff
import CHDF5

/// Reads D4RL's flat HDF5 layout: `observations` [n, d], `actions` [n, k], `rewards`
/// [n], `terminals` and `timeouts` [n] (bool, integer or float), optionally
/// `next_observations` [n, d] and `infos/*` (qpos, qvel, goal, …; rank 1 or 2, kept
/// at float64). Other keys (D4RL's `metadata/*`, policy weights) are ignored.
enum D4RLReader {
    static let requiredKeys = ["observations", "actions", "rewards", "terminals", "timeouts"]

    static func read(_ path: String) throws(DatasetError) -> Dataset {
        let file = try HDF5File.open(path)
        // Name every missing key before reading anything, so the error is about the file's
        // layout rather than whichever array happened to come first.
        for key in requiredKeys where !file.contains(key) { throw .missingKey(file: path, key: key) }

        let obs = try file.dataset("observations")
        try obs.requireRank([2])
        let n = obs.shape[0], d = obs.shape[1]
        guard n > 0, d > 0 else { throw .empty(file: path) }

        let act = try file.dataset("actions")
        try act.requireRank([2])
        try requireRows(act, n)
        let rew = try file.dataset("rewards")
        try rew.requireRank([1, 2])
        try requireRows(rew, n)
        guard rew.count == n else { throw .wrongRank(file: path, key: "rewards", expected: "1", shape: rew.shape) }
        var flags: [[Bool]] = []
        for key in ["terminals", "timeouts"] {
            let flag = try file.dataset(key)
            try flag.requireRank([1, 2])
            try requireRows(flag, n)
            guard flag.count == n else { throw .wrongRank(file: path, key: key, expected: "1", shape: flag.shape) }
            flags.append(try flag.readFlags())
        }

        var next: Tensor?
        if file.contains("next_observations") {
            let nextSet = try file.dataset("next_observations")
            try nextSet.requireRank([2])
            try requireRows(nextSet, n)
            guard nextSet.shape == obs.shape else {
                throw .malformed(file: path, reason: "'next_observations' has shape \(nextSet.shape) but 'observations' has \(obs.shape)")
            }
            next = try nextSet.readTensor(shape: [n, d])
        }

        var dataset = try Dataset(observations: obs.readTensor(shape: [n, d]),
                           actions: act.readTensor(shape: [n, act.shape[1]]),
                           rewards: rew.readTensor(shape: [n]),
                           terminals: flags[0], timeouts: flags[1], nextObservations: next,
                           infos: readInfos(file, rows: n),
                           source: path, format: "D4RL", environmentName: file.stringAttribute("env_name"))
        dataset.recipe = file.stringAttribute("cdsa_recipe")
        return dataset
    }

    static func requireRows(_ set: HDF5Dataset, _ n: Int) throws(DatasetError) {
        guard set.shape.first == n else {
            throw .lengthMismatch(file: set.path, key: set.name, found: set.shape.first ?? 0, expected: n, reference: "observations")
        }
    }

    /// Every numeric rank-1 or rank-2 array under `infos/`, by its name there.
    static func readInfos(_ file: HDF5File, rows n: Int) throws(DatasetError) -> [String: DoubleRows] {
        guard file.isGroup("infos") else { return [:] }
        var infos: [String: DoubleRows] = [:]
        for name in try file.members(of: "infos") {
            let key = "infos/\(name)"
            guard !file.isGroup(key) else { continue }
            let set = try file.dataset(key)
            guard set.typeClass == H5T_FLOAT || set.typeClass == H5T_INTEGER, (1...2).contains(set.shape.count) else { continue }
            try requireRows(set, n)
            let width = set.shape.count == 2 ? set.shape[1] : 1
            infos[name] = DoubleRows(unchecked: n, width: width, values: try set.readDoubles())
        }
        return infos
    }
}
