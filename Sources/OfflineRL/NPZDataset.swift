import Autodiff
import Foundation

extension NumpyArray {
    /// Every array of a numpy .npz archive, by key (the member name without ".npy").
    public static func readNPZ(_ path: String) throws(DatasetError) -> [String: NumpyArray] {
        guard FileManager.default.fileExists(atPath: path) else { throw .notFound(file: path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(file: path, reason: "cannot read the file") }
        guard data.count >= 4, data.prefix(4).elementsEqual([0x50, 0x4B, 0x03, 0x04]) || data.prefix(4).elementsEqual([0x50, 0x4B, 0x05, 0x06]) else {
            throw .malformed(file: path, reason: "not an .npz archive (no zip signature)")
        }
        let zip = try ZipArchive(path: path, bytes: [UInt8](data))
        var arrays: [String: NumpyArray] = [:]
        for entry in zip.entries where entry.name.hasSuffix(".npy") {
            let key = String(entry.name.dropLast(4))
            arrays[key] = try NumpyArray(npy: zip.contents(entry), file: path, key: key)
        }
        return arrays
    }
}

/// A dataset stored as an .npz archive with D4RL's key names (`observations`, `actions`,
/// `rewards`, `terminals`, `timeouts`, optional `next_observations` and `infos/*`).
enum NPZDataset {
    static func read(_ path: String) throws(DatasetError) -> Dataset {
        try dataset(NumpyArray.readNPZ(path), path: path)
    }

    static func dataset(_ arrays: [String: NumpyArray], path: String) throws(DatasetError) -> Dataset {
        func array(_ key: String) throws(DatasetError) -> NumpyArray {
            guard let a = arrays[key] else { throw .missingKey(file: path, key: key) }
            return a
        }
        for key in D4RLReader.requiredKeys where arrays[key] == nil { throw .missingKey(file: path, key: key) }
        func tensor(_ key: String) throws(DatasetError) -> Tensor {
            let a = try array(key)
            do { return try a.tensor() } catch { throw .malformed(file: path, reason: "'\(key)': \(error)") }
        }
        func flags(_ key: String) throws(DatasetError) -> [Bool] {
            let a = try array(key)
            guard a.shape.count == 1 || (a.shape.count == 2 && a.shape[1] == 1) else {
                throw .wrongRank(file: path, key: key, expected: "1", shape: a.shape)
            }
            if let bad = a.values.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(file: path, key: key, index: bad) }
            return a.values.map { $0 != 0 }
        }
        let obs = try array("observations")
        guard obs.shape.count == 2 else { throw .wrongRank(file: path, key: "observations", expected: "2", shape: obs.shape) }
        guard obs.shape[0] > 0, obs.shape[1] > 0 else { throw .empty(file: path) }
        let n = obs.shape[0]
        var infos: [String: DoubleRows] = [:]
        for (key, a) in arrays where key.hasPrefix("infos/") && (1...2).contains(a.shape.count) {
            guard a.shape[0] == n else {
                throw .lengthMismatch(file: path, key: key, found: a.shape[0], expected: n, reference: "observations")
            }
            infos[String(key.dropFirst(6))] = DoubleRows(unchecked: n, width: a.shape.count == 2 ? a.shape[1] : 1, values: a.values)
        }
        return try Dataset(observations: tensor("observations"), actions: tensor("actions"), rewards: tensor("rewards"),
                           terminals: flags("terminals"), timeouts: flags("timeouts"),
                           nextObservations: arrays["next_observations"] == nil ? nil : tensor("next_observations"),
                           infos: infos, source: path, format: "NPZ")
    }
}

/// What an .npz archive holds: a dataset (it has D4RL's `observations`), or plain arrays.
public enum NPZContents {
    case dataset(Dataset)
    case arrays([String: Tensor])

    public static func read(_ path: String) throws(DatasetError) -> NPZContents {
        let arrays = try NumpyArray.readNPZ(path)
        if arrays["observations"] != nil { return .dataset(try NPZDataset.dataset(arrays, path: path)) }
        var tensors: [String: Tensor] = [:]
        for (key, a) in arrays {
            do { tensors[key] = try a.tensor() } catch { throw .malformed(file: path, reason: "'\(key)': \(error)") }
        }
        return .arrays(tensors)
    }
}
