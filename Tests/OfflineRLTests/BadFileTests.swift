import Autodiff
import Foundation
import Testing
@testable import OfflineRL

/// Every malformed input gives a one-line DatasetError naming the file; none traps.
@Suite struct BadFileTests {
    func expectError(_ path: String, _ matches: (DatasetError) -> Bool, _ comment: Comment? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        let error = datasetError { _ = try Dataset.load(path) }
        #expect(error.map(matches) == true, "got \(String(describing: error))", sourceLocation: sourceLocation)
        if let error {
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix(path) || error.description.contains(path), sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: D4RLReader.requiredKeys)
    func missingKey(_ key: String) throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let path = "\(folder)/missing-\(key).hdf5"
        try writeRawHDF5(path, d4rlArrays().filter { $0.0 != key })
        expectError(path) { $0 == .missingKey(file: path, key: key) }
    }

    @Test func lengthMismatch() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let path = "\(folder)/short-rewards.hdf5"
        try writeRawHDF5(path, d4rlArrays().map { $0.0 == "rewards" ? ("rewards", .float([7], Array(repeating: 1, count: 7))) : $0 })
        expectError(path) { $0 == .lengthMismatch(file: path, key: "rewards", found: 7, expected: 8, reference: "observations") }
        let path2 = "\(folder)/short-next.hdf5"
        try writeRawHDF5(path2, d4rlArrays() + [("next_observations", .float([6, 3], Array(repeating: 1, count: 18)))])
        expectError(path2) { if case .lengthMismatch(_, "next_observations", 6, 8, _) = $0 { true } else { false } }
        let path3 = "\(folder)/short-qpos.hdf5"
        try writeRawHDF5(path3, d4rlArrays() + [("infos/qpos", .double([5, 2], Array(repeating: 1, count: 10)))])
        expectError(path3) { if case .lengthMismatch(_, "infos/qpos", 5, 8, _) = $0 { true } else { false } }
    }

    @Test func wrongRank() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let path = "\(folder)/flat-observations.hdf5"
        try writeRawHDF5(path, d4rlArrays().map { $0.0 == "observations" ? ("observations", .float([24], Array(repeating: 1, count: 24))) : $0 })
        expectError(path) { $0 == .wrongRank(file: path, key: "observations", expected: "2", shape: [24]) }
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteValues(_ bad: Float) throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let path = "\(folder)/bad.hdf5"
        var obs = (0..<24).map { Float($0) }
        obs[13] = bad
        try writeRawHDF5(path, d4rlArrays().map { $0.0 == "observations" ? ("observations", .float([8, 3], obs)) : $0 })
        expectError(path) { $0 == .nonFinite(file: path, key: "observations", index: 13) }
        let path2 = "\(folder)/bad-rewards.hdf5"
        try writeRawHDF5(path2, d4rlArrays().map { $0.0 == "rewards" ? ("rewards", .float([8], [0, 0, 0, 0, 0, bad, 0, 0])) : $0 })
        expectError(path2) { $0 == .nonFinite(file: path2, key: "rewards", index: 5) }
    }

    @Test func emptyDataset() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let path = "\(folder)/empty.hdf5"
        try writeRawHDF5(path, d4rlArrays(n: 0, terminalAt: [], timeoutAt: []))
        expectError(path) { $0 == .empty(file: path) }
    }

    @Test func truncatedFile() throws {
        guard let data = sharedData else {
            print("skipping: ../shared/data is absent")
            return
        }
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(data)/fidelity/hopper-random-gymnasium.hdf5"))
        for fraction in [0.9, 0.5, 0.05] {
            let path = "\(folder)/truncated-\(fraction).hdf5"
            try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: URL(fileURLWithPath: path))
            expectError(path) {
                if case .notHDF5 = $0 { true } else if case .malformed = $0 { true } else { false }
            }
        }
    }

    @Test func ownFileTruncated() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let good = "\(folder)/good.hdf5"
        try syntheticDataset(episodeLengths: [200, 300]).writeD4RL(to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let path = "\(folder)/cut.hdf5"
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: path))
        expectError(path) { if case .notHDF5 = $0 { true } else if case .malformed = $0 { true } else { false } }
    }

    @Test func randomBytesAndEmptyFileAndMissingFile() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        var rng = RandomGenerator(seed: 7)
        let random = "\(folder)/random.hdf5"
        try Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }).write(to: URL(fileURLWithPath: random))
        expectError(random) { if case .notHDF5 = $0 { true } else { false } }
        let empty = "\(folder)/zero-bytes.hdf5"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        expectError(empty) { if case .notHDF5 = $0 { true } else { false } }
        let text = "\(folder)/notes.hdf5"
        try "observations,actions\n1,2\n".write(toFile: text, atomically: false, encoding: .utf8)
        expectError(text) { if case .notHDF5 = $0 { true } else { false } }
        let missing = "\(folder)/nothing-here.hdf5"
        expectError(missing) { $0 == .notFound(file: missing) }
    }

    @Test func nanInFloatFlags() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let path = "\(folder)/bad-flags.hdf5"
        try writeRawHDF5(path, d4rlArrays().map { $0.0 == "terminals" ? ("terminals", .float([8], [0, 0, .nan, 0, 0, 0, 0, 0])) : $0 })
        expectError(path) { $0 == .nonFinite(file: path, key: "terminals", index: 2) }
    }

    /// A failed write leaves neither a partial file nor a temporary behind, and keeps
    /// whatever was at the destination.
    @Test func failedWriteLeavesNothingBehind() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let d = try syntheticDataset(episodeLengths: [3, 4])
        let occupied = "\(folder)/taken"
        try FileManager.default.createDirectory(atPath: "\(occupied)/inside", withIntermediateDirectories: true)
        let error = datasetError { try d.writeD4RL(to: occupied) }
        #expect(error != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["taken"])
        // A missing folder is made; a file where the folder should be is an error.
        _ = FileManager.default.createFile(atPath: "\(folder)/plain", contents: Data("x".utf8))
        #expect(datasetError { try d.writeD4RL(to: "\(folder)/plain/x.hdf5") } != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["plain", "taken"])
        #expect(datasetError { try d.writeD4RL(to: "\(folder)/made/on/demand/x.hdf5") } == nil)
        #expect(FileManager.default.fileExists(atPath: "\(folder)/made/on/demand/x.hdf5"))
    }

    @Test func minariFolderProblems() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        #expect(datasetError { _ = try Dataset.load(folder, format: .minari) } == .malformed(file: folder, reason: "not a Minari dataset (no data/main_data.hdf5)"))
        try FileManager.default.createDirectory(atPath: "\(folder)/data", withIntermediateDirectories: true)
        let main = "\(folder)/data/main_data.hdf5"
        try writeRawHDF5(main, [
            ("episode_0/observations", .float([3, 2], [1, 2, 3, 4, 5, 6])),
            ("episode_0/actions", .float([3, 1], [1, 2, 3])),
            ("episode_0/rewards", .float([3], [1, 2, 3])),
            ("episode_0/terminations", .bools([false, false, true])),
            ("episode_0/truncations", .bools([false, false, false])),
        ])
        let error = datasetError { _ = try Dataset.load(folder) }
        #expect(error == .lengthMismatch(file: main, key: "episode_0/observations", found: 3, expected: 4, reference: "episode_0/actions + 1"))
    }
}
