import Autodiff
import Foundation

/// The figures of one D4RL load benchmark.
public struct LoadBenchmarkResult: Sendable, CustomStringConvertible {
    public var transitions: Int
    public var fileBytes: Int
    /// Bytes of the arrays the Dataset holds once loaded.
    public var datasetBytes: Int
    public var writeSeconds: Double
    public var loadSeconds: Double
    /// The process's peak resident memory (VmHWM) before and after the load, in bytes;
    /// nil where /proc is unavailable.
    public var peakBefore: Int?
    public var peakAfter: Int?

    public var description: String {
        func mb(_ b: Int?) -> String { b.map { String(format: "%.0f MB", Double($0) / 1e6) } ?? "n/a" }
        return "load \(transitions) Hopper-shaped transitions (\(mb(fileBytes)) file, \(mb(datasetBytes)) in memory): "
            + String(format: "%.0f ms", loadSeconds * 1000) + ", peak RSS \(mb(peakBefore)) → \(mb(peakAfter))"
            + String(format: " (write %.0f ms)", writeSeconds * 1000)
    }
}

/// Peak resident set size of this process (VmHWM in /proc/self/status), in bytes.
public func peakResidentBytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
    return kb * 1024
}

/// Writes a Hopper-shaped D4RL file at `path`: 11-dim observations and next
/// observations, 3-dim actions, 6-dim infos/qpos and infos/qvel, episodes of up to 1000
/// steps with some terminals. Random values; the layout is what matters.
public func writeBenchmarkD4RLFile(transitions n: Int, seed: UInt64 = 0, to path: String) throws {
    var rng = RandomGenerator(seed: seed)
    let observations = try rng.normal([n, 11])
    let next = try rng.normal([n, 11])
    let actions = try rng.uniform([n, 3], low: -1, high: 1)
    let rewards = try rng.uniform([n], low: 0, high: 4)
    let terminals = (0..<n).map { i in i % 997 == 500 }
    let timeouts = (0..<n).map { i in i % 1000 == 999 && i % 997 != 500 }
    let qpos = try DoubleRows(rows: n, width: 6, values: (0..<(n * 6)).map { _ in rng.nextNormal() })
    let qvel = try DoubleRows(rows: n, width: 6, values: (0..<(n * 6)).map { _ in rng.nextNormal() })
    let dataset = try Dataset(observations: observations, actions: actions, rewards: rewards, terminals: terminals,
                              timeouts: timeouts, nextObservations: next, infos: ["qpos": qpos, "qvel": qvel],
                              source: path, format: "D4RL", environmentName: "Hopper-v4")
    try dataset.writeD4RL(to: path)
}

/// Times `Dataset.load` on an existing file and reads the peak RSS around it. For a
/// meaningful peak run it in a process that has not built a large dataset before
/// (VmHWM never goes down).
public func benchmarkD4RLLoad(path: String) throws -> LoadBenchmarkResult {
    let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    let before = peakResidentBytes()
    let start = Date()
    let loaded = try Dataset.load(path)
    let loadSeconds = Date().timeIntervalSince(start)
    let after = peakResidentBytes()
    let floats = loaded.observations.count + loaded.nextObservations.count + loaded.actions.count + loaded.rewards.count
    let bytes = floats * 4 + loaded.count * 3 + loaded.infos.values.reduce(0) { $0 + $1.values.count * 8 }
    return LoadBenchmarkResult(transitions: loaded.count, fileBytes: fileBytes, datasetBytes: bytes,
                               writeSeconds: 0, loadSeconds: loadSeconds, peakBefore: before, peakAfter: after)
}

/// The whole benchmark in one call: writes a `transitions`-step Hopper-shaped file in
/// a fresh temporary folder, loads it, and removes the folder. The peak includes the
/// writer's arrays; `benchmarkD4RLLoad(path:)` in a fresh process isolates the load.
public func benchmarkD4RLLoad(transitions: Int = 1_000_000, seed: UInt64 = 0) throws -> LoadBenchmarkResult {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cdsa-load-bench-\(getpid())-\(seed)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("hopper-bench.hdf5").path
    let writeStart = Date()
    try writeBenchmarkD4RLFile(transitions: transitions, seed: seed, to: path)
    let writeSeconds = Date().timeIntervalSince(writeStart)
    var result = try benchmarkD4RLLoad(path: path)
    result.writeSeconds = writeSeconds
    return result
}
