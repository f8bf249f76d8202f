import Autodiff
import Foundation
import Testing
@testable import OfflineRL

/// The Minari fixture: 6 Hopper-v4 episodes, 209 steps, all ending in termination.
@Suite struct MinariTests {
    var folder: String? { sharedData.map { "\($0)/minari/cdsa-test/hopper/random-v0" } }

    @Test func loadsWithTheRightCounts() throws {
        guard let folder else { print("skipping: ../shared/data is absent"); return }
        let d = try Dataset.load(folder)
        #expect(d.format == "Minari")
        #expect(d.environmentName == "Hopper-v4")
        #expect(d.count == 209 && d.episodeCount == 6)
        #expect(d.episodes.map(\.count) == [26, 73, 23, 47, 26, 14])
        #expect(d.observationSize == 11 && d.actionSize == 3)
        #expect(d.terminalCount == 6 && d.timeoutCount == 0 && d.missingNextCount == 0)
        #expect(d.episodes.allSatisfy { d.terminals[$0.upperBound - 1] })
        // The same dataset from its data folder and from the HDF5 file itself.
        #expect(try Dataset.load("\(folder)/data").count == 209)
        #expect(try Dataset.load("\(folder)/data/main_data.hdf5").count == 209)
    }

    /// states = obs[:-1] and successors = obs[1:] per episode, checked against the raw
    /// T+1 observations of every episode.
    @Test func statesAndSuccessorsAlignWithinEpisodes() throws {
        guard let folder else { print("skipping: ../shared/data is absent"); return }
        let d = try Dataset.load(folder)
        let file = try HDF5File.open("\(folder)/data/main_data.hdf5")
        let obs = d.observations.scalars, next = d.nextObservations.scalars, w = d.observationSize
        func row(_ a: [Float], _ i: Int) -> [Float] { Array(a[i * w..<(i + 1) * w]) }
        for (k, range) in d.episodes.enumerated() {
            let raw = try file.dataset("episode_\(k)/observations").readTensor(shape: [range.count + 1, w]).scalars
            for (t, i) in range.enumerated() {
                #expect(row(obs, i) == row(raw, t), "episode \(k) step \(t): state")
                #expect(row(next, i) == row(raw, t + 1), "episode \(k) step \(t): successor")
                if i + 1 < range.upperBound { #expect(row(next, i) == row(obs, i + 1)) }
            }
            // The first state of the next episode is nobody's successor.
            if range.upperBound < d.count {
                let first = row(obs, range.upperBound)
                #expect(row(next, range.upperBound - 1) != first)
                #expect(!(0..<d.count).contains { row(next, $0) == first }, "episode \(k + 1)'s first state appears as a successor")
            }
        }
        // Actions and rewards line up with the file too.
        let rewards0 = try file.dataset("episode_0/rewards").readDoubles()
        #expect(Array(d.rewards.scalars[0..<26]) == rewards0.map { Float($0) })
    }

    @Test func writesAsD4RLAndReadsBack() throws {
        guard let folder else { print("skipping: ../shared/data is absent"); return }
        let d = try Dataset.load(folder)
        let out = try temporaryFolder()
        defer { cleanup(out) }
        try d.writeD4RL(to: "\(out)/hopper.hdf5")
        let back = try Dataset.load("\(out)/hopper.hdf5")
        #expect(back.episodeStarts == d.episodeStarts)
        #expect(bitEqual(back.observations, d.observations) && bitEqual(back.nextObservations, d.nextObservations))
        #expect(bitEqual(back.actions, d.actions) && bitEqual(back.rewards, d.rewards))
    }
}
