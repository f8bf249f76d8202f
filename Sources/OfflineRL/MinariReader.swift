import Autodiff
import CHDF5
import Foundation

/// Reads a Minari dataset: a folder with `data/metadata.json` and `data/main_data.hdf5`,
/// the latter holding one group `episode_<id>` per episode with T+1 `observations`,
/// T `actions`, `rewards`, `terminations` and `truncations`. Within each episode the
/// states are observations[0..<T] and the successors observations[1...T] — never the
/// first observation of the following episode. Only box (array) observation spaces
/// are read; per-episode `infos` are not.
enum MinariReader {
    /// The HDF5 file of a Minari dataset given its folder, its `data` folder or the
    /// file itself; nil when `path` is none of these.
    static func mainFile(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        let fm = FileManager.default
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        if !isDirectory.boolValue { return path.hasSuffix("main_data.hdf5") ? path : nil }
        for candidate in ["\(path)/data/main_data.hdf5", "\(path)/main_data.hdf5"] where fm.fileExists(atPath: candidate) {
            return candidate
        }
        return nil
    }

    static func read(_ path: String) throws(DatasetError) -> Dataset {
        guard let main = mainFile(path) else {
            throw FileManager.default.fileExists(atPath: path)
                ? .malformed(file: path, reason: "not a Minari dataset (no data/main_data.hdf5)") : .notFound(file: path)
        }
        let metadata = readMetadata(URL(fileURLWithPath: main).deletingLastPathComponent().appendingPathComponent("metadata.json").path)
        let file = try HDF5File.open(main)
        // Episode groups in numeric order: HDF5 lists names as strings (episode_10 < episode_2).
        let episodeNames = try file.members(of: "/")
            .compactMap { name -> (Int, String)? in
                guard name.hasPrefix("episode_"), let id = Int(name.dropFirst(8)) else { return nil }
                return (id, name)
            }
            .sorted { $0.0 < $1.0 }.map(\.1)
        guard !episodeNames.isEmpty else { throw .empty(file: main) }

        // First pass: shapes, so the arrays are allocated once.
        var lengths: [Int] = [], obsSize = -1, actSize = -1
        for name in episodeNames {
            if file.isGroup("\(name)/observations") {
                throw .unsupported(file: main, reason: "'\(name)/observations' is a dict space; only box observations are read")
            }
            let obs = try file.dataset("\(name)/observations"), act = try file.dataset("\(name)/actions")
            try obs.requireRank([2])
            try act.requireRank([2])
            let t = act.shape[0]
            guard obs.shape[0] == t + 1 else {
                throw .lengthMismatch(file: main, key: "\(name)/observations", found: obs.shape[0], expected: t + 1, reference: "\(name)/actions + 1")
            }
            if obsSize < 0 { (obsSize, actSize) = (obs.shape[1], act.shape[1]) }
            guard obs.shape[1] == obsSize, act.shape[1] == actSize else {
                throw .malformed(file: main, reason: "'\(name)' has observation/action sizes \(obs.shape[1])/\(act.shape[1]), earlier episodes \(obsSize)/\(actSize)")
            }
            lengths.append(t)
        }
        let n = lengths.reduce(0, +)
        guard n > 0, obsSize > 0 else { throw .empty(file: main) }
        if let stated = metadata.totalSteps, stated != n {
            throw .malformed(file: main, reason: "metadata.json says \(stated) steps, the episodes hold \(n)")
        }

        var observations: Tensor, next: Tensor, actions: Tensor, rewards: Tensor
        do {
            observations = try Tensor.zeros([n, obsSize]); next = try Tensor.zeros([n, obsSize])
            actions = try Tensor.zeros([n, actSize]); rewards = try Tensor.zeros([n])
        } catch { throw .malformed(file: main, reason: "too large: \(error)") }
        var terminals: [Bool] = [], timeouts: [Bool] = [], starts: [Int] = []
        var offset = 0
        for (name, t) in zip(episodeNames, lengths) {
            starts.append(offset)
            let obs = try file.dataset("\(name)/observations")
            var buffer = [Float](repeating: 0, count: (t + 1) * obsSize)
            try typed {
                try buffer.withUnsafeMutableBufferPointer { b in
                    if let p = b.baseAddress { try obs.readFloats(into: p) }
                }
            }
            // states = obs[:-1], successors = obs[1:], both within this episode.
            observations.withUnsafeMutableBufferPointer { dst in
                buffer.withUnsafeBufferPointer { src in
                    if let d = dst.baseAddress, let s = src.baseAddress { (d + offset * obsSize).update(from: s, count: t * obsSize) }
                }
            }
            next.withUnsafeMutableBufferPointer { dst in
                buffer.withUnsafeBufferPointer { src in
                    if let d = dst.baseAddress, let s = src.baseAddress { (d + offset * obsSize).update(from: s + obsSize, count: t * obsSize) }
                }
            }
            try readRows(file, "\(name)/actions", rows: t, width: actSize, into: &actions, at: offset)
            try readRows(file, "\(name)/rewards", rows: t, width: 1, into: &rewards, at: offset)
            for (key, list) in [("terminations", 0), ("truncations", 1)] {
                let set = try file.dataset("\(name)/\(key)")
                guard set.count == t, set.shape.first == t else {
                    throw .lengthMismatch(file: main, key: "\(name)/\(key)", found: set.shape.first ?? 0, expected: t, reference: "\(name)/actions")
                }
                let flags = try set.readFlags()
                if list == 0 { terminals += flags } else { timeouts += flags }
            }
            offset += t
        }
        return try Dataset(observations: observations, actions: actions, rewards: rewards, terminals: terminals,
                           timeouts: timeouts, nextObservations: next, episodeStarts: starts,
                           source: main, format: "Minari", environmentName: metadata.environment)
    }

    /// Reads `key` ([rows] or [rows, width]) into `tensor` starting at row `offset`.
    static func readRows(_ file: HDF5File, _ key: String, rows: Int, width: Int, into tensor: inout Tensor, at offset: Int) throws(DatasetError) {
        let set = try file.dataset(key)
        guard set.shape.first == rows else {
            throw .lengthMismatch(file: file.path, key: key, found: set.shape.first ?? 0, expected: rows,
                                  reference: key.split(separator: "/").first.map { "\($0)/actions" } ?? "actions")
        }
        guard set.count == rows * width else { throw .wrongRank(file: file.path, key: key, expected: width == 1 ? "1" : "2", shape: set.shape) }
        try typed {
            try tensor.withUnsafeMutableBufferPointer { b in
                if let p = b.baseAddress { try set.readFloats(into: p + offset * width) }
            }
        }
    }

    /// What metadata.json says, when it is readable; the HDF5 file is authoritative.
    static func readMetadata(_ path: String) -> (totalSteps: Int?, environment: String?) {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return (nil, nil) }
        var environment = object["dataset_id"] as? String
        if let spec = (object["env_spec"] as? String)?.data(using: .utf8),
           let specObject = try? JSONSerialization.jsonObject(with: spec) as? [String: Any],
           let id = specObject["id"] as? String {
            environment = id
        }
        return ((object["total_steps"] as? NSNumber)?.intValue, environment)
    }
}
