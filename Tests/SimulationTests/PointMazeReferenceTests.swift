import Testing
@testable import Simulation

@Suite struct PointMazeReferenceTests {
    /// The recorded reference returns are what `referenceReturns` computes, to within half
    /// a normalised point (floating-point contraction may differ between machines).
    @Test(arguments: MazeSize.allCases)
    func recordedReferencesAreReproducible(size: MazeSize) throws {
        for reward in PointMaze.Reward.allCases {
            let task = PointMaze.taskName(size, reward)
            let recorded = try #require(ReferenceScores.table[task])
            let computed = try PointMaze.referenceReturns(size, reward: reward)
            let tolerance = 0.005 * abs(recorded.expert - recorded.random)
            #expect(abs(computed.random - recorded.random) <= tolerance, "\(task) random: \(computed.random)")
            #expect(abs(computed.expert - recorded.expert) <= tolerance, "\(task) expert: \(computed.expert)")
            #expect(recorded.expert > recorded.random)
        }
    }

    @Test func referenceReturnsAreSeeded() throws {
        let a = try PointMaze.referenceReturns(.umaze, episodes: 20, seed: 1)
        #expect(try a == PointMaze.referenceReturns(.umaze, episodes: 20, seed: 1))
        #expect(try a != PointMaze.referenceReturns(.umaze, episodes: 20, seed: 2))
    }
}
