import Autodiff
import CHDF5
import Foundation
@testable import OfflineRL

/// ../shared/data next to the repository, located from this file so tests run from any
/// working directory; nil (and the test skips with a message) when it is absent.
let sharedData: String? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.appendingPathComponent("../shared/data").standardized.path
    return FileManager.default.fileExists(atPath: path) ? path : nil
}()

/// A fresh empty folder under /tmp, removed by the caller with `cleanup`.
func temporaryFolder(_ tag: String = #function) throws -> String {
    let safe = tag.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("cdsa-offlinerl-\(safe)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

func cleanup(_ folder: String) { try? FileManager.default.removeItem(atPath: folder) }

/// One array for `writeRawHDF5`: float32, float64, uint8 or h5py-style bool.
enum RawArray {
    case float([Int], [Float])
    case double([Int], [Double])
    case bytes([Int], [UInt8])
    case bools([Bool])
}

/// Writes exactly the given keys with HDF5's C API, for files our own writer would
/// refuse to produce (missing keys, mismatched lengths, NaN, other dtypes).
func writeRawHDF5(_ path: String, _ arrays: [(String, RawArray)]) throws {
    let file = try HDF5File.create(path, reportAs: path)
    for (key, array) in arrays {
        if let slash = key.lastIndex(of: "/") {
            let group = String(key[..<slash])
            if !file.contains(group) { try file.createGroup(group) }
        }
        switch array {
        case .float(let shape, let values):
            try values.withUnsafeBytes { try file.write(key, shape: shape, fileType: cdsa_h5t_native_float(), memoryType: cdsa_h5t_native_float(), bytes: $0.baseAddress) }
        case .double(let shape, let values):
            try values.withUnsafeBytes { try file.write(key, shape: shape, fileType: cdsa_h5t_native_double(), memoryType: cdsa_h5t_native_double(), bytes: $0.baseAddress) }
        case .bytes(let shape, let values):
            try values.withUnsafeBytes { try file.write(key, shape: shape, fileType: cdsa_h5t_native_uint8(), memoryType: cdsa_h5t_native_uint8(), bytes: $0.baseAddress) }
        case .bools(let values):
            let type = H5Tenum_create(cdsa_h5t_native_int8())
            defer { H5Tclose(type) }
            var no: Int8 = 0, yes: Int8 = 1
            H5Tenum_insert(type, "FALSE", &no)
            H5Tenum_insert(type, "TRUE", &yes)
            let raw = values.map { Int8($0 ? 1 : 0) }
            try raw.withUnsafeBytes { try file.write(key, shape: [values.count], fileType: type, memoryType: type, bytes: $0.baseAddress) }
        }
    }
}

/// A small valid D4RL layout of `n` steps (obs 3, act 2), keys overridable.
func d4rlArrays(n: Int = 8, terminalAt: Set<Int> = [2], timeoutAt: Set<Int> = [5]) -> [(String, RawArray)] {
    [("observations", .float([n, 3], (0..<(n * 3)).map { Float($0) * 0.25 })),
     ("actions", .float([n, 2], (0..<(n * 2)).map { Float($0) / 16 - 0.5 })),
     ("rewards", .float([n], (0..<n).map { Float($0) })),
     ("terminals", .bools((0..<n).map { terminalAt.contains($0) })),
     ("timeouts", .bools((0..<n).map { timeoutAt.contains($0) }))]
}

/// A synthetic in-memory dataset with the given episode lengths and per-step rewards
/// equal to the episode's index (so episode k returns k × length).
func syntheticDataset(episodeLengths: [Int], terminalEnds: Bool = true) throws -> Dataset {
    var obs: [Float] = [], act: [Float] = [], rew: [Float] = [], term: [Bool] = [], time: [Bool] = []
    for (k, length) in episodeLengths.enumerated() {
        for t in 0..<length {
            obs += [Float(k), Float(t)]
            act += [Float(t) / 10]
            rew.append(Float(k))
            term.append(terminalEnds && t == length - 1)
            time.append(!terminalEnds && t == length - 1)
        }
    }
    let n = rew.count
    return try Dataset(observations: Tensor(shape: [n, 2], scalars: obs), actions: Tensor(shape: [n, 1], scalars: act),
                       rewards: Tensor(rew), terminals: term, timeouts: time, source: "synthetic")
}

/// The same bits, element by element (so -0 ≠ 0 and NaN patterns count).
func bitEqual(_ a: Tensor, _ b: Tensor) -> Bool {
    a.shape == b.shape && a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern)
}

/// The error a throwing expression raised, as a DatasetError.
func datasetError(_ body: () throws -> Void) -> DatasetError? {
    do { try body() } catch let e as DatasetError { return e } catch { return nil }
    return nil
}
