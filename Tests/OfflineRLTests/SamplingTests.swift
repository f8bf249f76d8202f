import Autodiff
import Foundation
import Testing
@testable import OfflineRL

@Suite struct SamplingTests {
    @Test func samplerIsDeterministicUnderASeed() throws {
        let d = try syntheticDataset(episodeLengths: [30, 50, 20])
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let x = try d.sample(64, using: &a), y = try d.sample(64, using: &b), z = try d.sample(64, using: &c)
        #expect(x.indices == y.indices && bitEqual(x.observations, y.observations) && bitEqual(x.nextObservations, y.nextObservations))
        #expect(x.indices != z.indices)
        #expect(x.observations.shape == [64, 2] && x.actions.shape == [64, 1] && x.rewards.shape == [64])
        #expect(x.terminals.shape == [64] && x.timeouts.shape == [64])
        // The batch rows are the dataset rows.
        for (j, i) in x.indices.enumerated() {
            #expect(x.observations[flat: j * 2] == d.observations[flat: i * 2])
            #expect(x.terminals[flat: j] == (d.terminals[i] ? 1 : 0))
        }
        // The next draw differs: the generator advanced.
        let again = try d.sample(64, using: &a)
        #expect(again.indices != x.indices)
        #expect(datasetError { _ = try d.sample(0, using: &a) } != nil)
    }

    @Test func topFractionKeepsWholeBestEpisodes() throws {
        // Episode k has reward k per step: returns 0×5, 1×3, 2×4, 3×2, 4×1 = 0, 3, 8, 6, 4.
        let d = try syntheticDataset(episodeLengths: [5, 3, 4, 2, 1])
        #expect(d.episodeReturns == [0, 3, 8, 6, 4])
        let top = try d.topEpisodes(fraction: 0.4)
        #expect(top.episodeCount == 2)
        #expect(top.episodeReturns == [8, 6], "kept in original order")
        #expect(top.count == 6 && top.episodes.map(\.count) == [4, 2])
        #expect(top.observations.scalars.enumerated().filter { $0.offset % 2 == 0 }.map(\.element) == [2, 2, 2, 2, 3, 3])
        #expect(top.terminals == [false, false, false, true, false, true])
        // 10% of 5 episodes rounds up to one; fraction 1 keeps everything.
        #expect(try d.topEpisodes(fraction: 0.1).episodeReturns == [8])
        #expect(try d.topEpisodes(fraction: 1).count == d.count)
        #expect(datasetError { _ = try d.topEpisodes(fraction: 0) } != nil)
        #expect(datasetError { _ = try d.topEpisodes(fraction: 1.5) } != nil)
    }

    /// A last episode cut by the data's end is named and kept out of the summary's returns
    /// and lengths (it would read as the shortest, worst one), but stays in `episodeReturns`.
    @Test func aCutLastEpisodeIsLeftOutOfTheSummaryFigures() throws {
        // Episodes of 2 and 3 steps that end, then one step the data's end cuts short.
        func data(rewards: [Float], terminals: [Bool]) throws -> Dataset {
            let n = rewards.count
            return try Dataset(observations: Tensor(shape: [n, 1], scalars: (0..<n).map(Float.init)),
                               actions: Tensor(shape: [n, 1], scalars: [Float](repeating: 0, count: n)),
                               rewards: Tensor(rewards), terminals: terminals,
                               timeouts: [Bool](repeating: false, count: n), source: "data")
        }
        let cut = try data(rewards: [0, 0, 1, 1, 1, 2], terminals: [false, true, false, false, true, false])
        #expect(cut.cutEpisodes == [2])
        #expect(cut.episodeReturns == [0, 3, 2])
        #expect(cut.returns == Summary([0, 3]) && cut.episodeLengths == Summary([2, 3]))
        #expect(cut.description.contains("the last episode cut by the data's end (1 step, return 2) is left out"))
        let whole = try data(rewards: [0, 0, 1, 1, 1], terminals: [false, true, false, false, true])
        #expect(whole.cutEpisodes.isEmpty && !whole.description.contains("cut"))
        // Two parts joined (as medium-expert joins medium's cut last episode to expert's first).
        let joined = try Dataset(observations: Tensor(shape: [5, 1], scalars: [0, 1, 2, 3, 4]),
                                 actions: Tensor(shape: [5, 1], scalars: [0, 0, 0, 0, 0]), rewards: Tensor([1, 1, 5, 5, 5]),
                                 terminals: [false, false, false, false, true], timeouts: [false, false, false, false, false],
                                 episodeStarts: [0, 2], source: "joined")
        #expect(joined.cutEpisodes == [0] && joined.returns == Summary([15]))
        #expect(joined.description.contains("1 episodes cut short") == false)
        #expect(joined.description.contains("episode cut short, by the data's end or where two parts were joined (2 steps, return 2)"))
        let single = try data(rewards: [5], terminals: [false])
        #expect(single.returns == Summary([5]) && single.description.contains("the only episode cut by the data's end"))
    }

    /// Joining two parts ends the first part's cut last episode with a timeout, as the D4RL
    /// file records it: the joined data read the same in memory and back from the file.
    @Test func joiningPartsEndsACutEpisodeAsTheFileDoes() throws {
        let whole = try syntheticDataset(episodeLengths: [2, 3])
        let cut = try Dataset(observations: Tensor(shape: [3, 2], scalars: [0, 0, 0, 1, 1, 0]),
                              actions: Tensor(shape: [3, 1], scalars: [0, 0, 0]), rewards: Tensor([1, 1, 2]),
                              terminals: [false, true, false], timeouts: [false, false, false], source: "part")
        let joined = try cut.concatenating(whole)
        #expect(joined.timeouts == [false, false, true, false, false, false, false, false])
        #expect(joined.episodeCount == 4 && joined.cutEpisodes.isEmpty)
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        try joined.writeD4RL(to: folder + "/joined.hdf5")
        let back = try Dataset.load(folder + "/joined.hdf5")
        #expect(back.timeouts == joined.timeouts && back.terminals == joined.terminals && back.episodeStarts == joined.episodeStarts)
    }

    /// A dataset read from a file is identified by that file only while it is unchanged:
    /// models cached, or runs recorded, under a replaced file's hash would belong to other data.
    @Test func aFileReplacedAfterReadingIsNoLongerTheDatasetsIdentity() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let path = folder + "/d.hdf5"
        try syntheticDataset(episodeLengths: [2, 3]).writeD4RL(to: path)
        let first = try Dataset.load(path)
        let before = try first.identity()
        #expect(try Dataset.load(path).identity() == before)
        try syntheticDataset(episodeLengths: [4, 1]).writeD4RL(to: path)
        #expect(datasetError { _ = try first.identity() } != nil)
        #expect(try Dataset.load(path).identity().sha256 != before.sha256)
        // Data made in memory is identified by its arrays, whatever its source names.
        #expect(try syntheticDataset(episodeLengths: [2]).identity() == (try syntheticDataset(episodeLengths: [2]).identity()))
    }

    @Test func statisticsAndSummary() throws {
        let d = try syntheticDataset(episodeLengths: [2, 2])
        // Observations: (0,0), (0,1), (1,0), (1,1).
        let s = d.observationStatistics
        #expect(s.mean == [0.5, 0.5] && s.std == [0.5, 0.5])
        #expect(d.returns == Summary([0, 2]))
        #expect(d.returns.min == 0 && d.returns.mean == 1 && d.returns.max == 2)
        #expect(d.episodeLengths.mean == 2)
        let text = d.description
        #expect(text.contains("4 transitions in 2 episodes: 2 terminal, 0 timeouts"))
        #expect(text.split(separator: "\n").count <= 12)
    }

    @Test func invalidEpisodeStartsAreRejected() throws {
        let obs = try Tensor(shape: [3, 1], scalars: [0, 1, 2])
        let act = try Tensor(shape: [3, 1], scalars: [0, 0, 0])
        let error = datasetError {
            _ = try Dataset(observations: obs, actions: act, rewards: Tensor([0, 0, 0]), terminals: [true, false, false],
                            timeouts: [false, false, false], episodeStarts: [0], source: "mem")
        }
        #expect(error == .malformed(file: "mem", reason: "step 0 is flagged terminal or timeout but its episode goes on"))
    }
}
