import Autodiff
import Foundation
import Testing
@testable import OfflineRL

/// Facts about ../shared/data/fidelity/*.hdf5 measured with h5py: rows, observation and
/// action sizes, terminal and timeout counts, episodes, qpos/qvel widths, and float64
/// sums of observations and rewards.
struct FidelityFile: Sendable, CustomStringConvertible {
    var name: String, rows: Int, obs: Int, act: Int, terminals: Int, timeouts: Int, episodes: Int
    var qpos: Int, qvel: Int, obsSum: Double, rewardSum: Double, env: String
    var description: String { name }
}

let fidelityFiles = [
    FidelityFile(name: "hopper-random-gymnasium.hdf5", rows: 3000, obs: 11, act: 3, terminals: 134, timeouts: 0, episodes: 135,
                 qpos: 6, qvel: 6, obsSum: -4361.447446049064, rewardSum: 2679.6810507831397, env: "Hopper-v4"),
    FidelityFile(name: "walker2d-random-gymnasium.hdf5", rows: 3000, obs: 17, act: 6, terminals: 139, timeouts: 0, episodes: 140,
                 qpos: 9, qvel: 9, obsSum: -47541.74960835918, rewardSum: 378.4097269027261, env: "Walker2d-v4"),
    FidelityFile(name: "halfcheetah-random-gymnasium.hdf5", rows: 2000, obs: 17, act: 6, terminals: 0, timeouts: 2, episodes: 2,
                 qpos: 9, qvel: 9, obsSum: 1999.499181962119, rewardSum: -428.3984325588681, env: "HalfCheetah-v4"),
    FidelityFile(name: "ant-random-gymnasium.hdf5", rows: 2000, obs: 27, act: 8, terminals: 14, timeouts: 1, episodes: 16,
                 qpos: 15, qvel: 14, obsSum: 2423.5973679719864, rewardSum: -554.4465314515983, env: "Ant-v4"),
]

@Suite struct D4RLTests {
    @Test(arguments: fidelityFiles)
    func fidelityFileLoadsWithTheRightCounts(_ expected: FidelityFile) throws {
        guard let data = sharedData else {
            print("skipping: ../shared/data is absent")
            return
        }
        let d = try Dataset.load("\(data)/fidelity/\(expected.name)")
        #expect(d.format == "D4RL")
        #expect(d.count == expected.rows)
        #expect(d.observationSize == expected.obs && d.actionSize == expected.act)
        #expect(d.terminalCount == expected.terminals && d.timeoutCount == expected.timeouts)
        #expect(d.episodeCount == expected.episodes)
        #expect(d.missingNextCount == 0, "the file gives next_observations")
        #expect(d.qpos?.width == expected.qpos && d.qvel?.width == expected.qvel)
        #expect(d.infos["next_qpos"]?.rows == expected.rows)
        #expect(d.environmentName == expected.env)
        let obsSum = d.observations.scalars.reduce(0.0) { $0 + Double($1) }
        let rewardSum = d.rewards.scalars.reduce(0.0) { $0 + Double($1) }
        #expect(abs(obsSum - expected.obsSum) < 1e-6 * max(1, abs(expected.obsSum)))
        #expect(abs(rewardSum - expected.rewardSum) < 1e-6 * max(1, abs(expected.rewardSum)))
        #expect(d.description.split(separator: "\n").count <= 12)
    }

    @Test func fidelityFileRoundTripsBitExactly() throws {
        guard let data = sharedData else {
            print("skipping: ../shared/data is absent")
            return
        }
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let original = try Dataset.load("\(data)/fidelity/hopper-random-gymnasium.hdf5")
        try original.writeD4RL(to: "\(folder)/copy.hdf5")
        let copy = try Dataset.load("\(folder)/copy.hdf5")
        expectBitEqual(original, copy)
    }

    @Test func syntheticRoundTripWithoutNextObservations() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        try writeRawHDF5("\(folder)/raw.hdf5", d4rlArrays() + [("infos/qpos", .double([8, 2], (0..<16).map { Double($0) / 3 }))])
        let original = try Dataset.load("\(folder)/raw.hdf5")
        try original.writeD4RL(to: "\(folder)/copy.hdf5")
        let copy = try Dataset.load("\(folder)/copy.hdf5")
        expectBitEqual(original, copy)
        // No leftovers from the atomic write.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["copy.hdf5", "raw.hdf5"])
    }

    /// Without next_observations, s' is the next row only inside an episode: a terminal
    /// step, a timed-out step and an unflagged final step have none.
    @Test func successorsNeverCrossAnEpisodeBoundary() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        try writeRawHDF5("\(folder)/raw.hdf5", d4rlArrays(n: 8, terminalAt: [2], timeoutAt: [5]))
        let d = try Dataset.load("\(folder)/raw.hdf5")
        #expect(d.episodeStarts == [0, 3, 6])
        #expect(d.hasNext == [true, true, false, true, true, false, true, false])
        let obs = d.observations.scalars, next = d.nextObservations.scalars
        for t in 0..<8 where d.hasNext[t] { #expect(Array(next[t * 3..<t * 3 + 3]) == Array(obs[(t + 1) * 3..<(t + 2) * 3])) }
        #expect(d.missingNextCount == 3)
        // Steps without s' are outside the successor pool; the terminal one is still a TD transition.
        var rng = RandomGenerator(seed: 1)
        let batch = try d.sample(500, using: &rng, from: .successors)
        #expect(batch.indices.allSatisfy { d.hasNext[$0] })
        let td = try d.sample(500, using: &rng, from: .transitions)
        #expect(td.indices.contains(2) && !td.indices.contains(5) && !td.indices.contains(7))
    }

    /// float64 arrays, uint8 flags and float flags are all accepted.
    @Test func float64AndOtherFlagTypesLoad() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        try writeRawHDF5("\(folder)/f64.hdf5", [
            ("observations", .double([4, 2], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])),
            ("actions", .double([4, 1], [1, 2, 3, 4])),
            ("rewards", .double([4], [1, 1, 1, 1])),
            ("terminals", .bytes([4], [0, 1, 0, 0])),
            ("timeouts", .float([4], [0, 0, 0, 1])),
            ("next_observations", .double([4, 2], [9, 9, 9, 9, 9, 9, 9, 9])),
        ])
        let d = try Dataset.load("\(folder)/f64.hdf5")
        #expect(d.terminals == [false, true, false, false] && d.timeouts == [false, false, false, true])
        #expect(d.observations.scalars == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8].map { Float($0) })
        #expect(d.hasNext.allSatisfy { $0 } && d.nextObservations.scalars.allSatisfy { $0 == 9 })
        #expect(d.episodes == [0..<2, 2..<4])
    }

    @Test func unfinishedEpisodeStaysSeparateAfterFilteringAndWriting() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        // Episodes: 0..<3 (terminal), 3..<6 (timeout), 6..<8 (unfinished, highest return).
        try writeRawHDF5("\(folder)/raw.hdf5", d4rlArrays(n: 8, terminalAt: [2], timeoutAt: [5]))
        let d = try Dataset.load("\(folder)/raw.hdf5")
        let picked = try d.selectEpisodes([2, 0])
        try picked.writeD4RL(to: "\(folder)/picked.hdf5")
        let back = try Dataset.load("\(folder)/picked.hdf5")
        #expect(back.episodeStarts == [0, 2])
        #expect(back.timeouts == [false, true, false, false, false])
    }
}

func expectBitEqual(_ a: Dataset, _ b: Dataset, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(bitEqual(a.observations, b.observations), sourceLocation: sourceLocation)
    #expect(bitEqual(a.actions, b.actions), sourceLocation: sourceLocation)
    #expect(bitEqual(a.rewards, b.rewards), sourceLocation: sourceLocation)
    #expect(bitEqual(a.nextObservations, b.nextObservations), sourceLocation: sourceLocation)
    #expect(a.terminals == b.terminals && a.timeouts == b.timeouts && a.hasNext == b.hasNext, sourceLocation: sourceLocation)
    #expect(a.episodeStarts == b.episodeStarts, sourceLocation: sourceLocation)
    #expect(a.infos.keys.sorted() == b.infos.keys.sorted(), sourceLocation: sourceLocation)
    for (key, info) in a.infos {
        #expect(info.values.map(\.bitPattern) == b.infos[key]?.values.map(\.bitPattern), "infos/\(key)", sourceLocation: sourceLocation)
    }
    #expect(a.environmentName == b.environmentName, sourceLocation: sourceLocation)
}
