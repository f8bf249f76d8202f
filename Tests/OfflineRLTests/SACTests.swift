import Autodiff
import Foundation
@testable import OfflineRL
import Simulation
import Testing

// SAC learns online, so the offline contract's dataset does not apply: these check what
// an online run must add — episodes handled as gymnasium's, the same seed giving the same
// numbers, and a run stopped mid-episode resuming bit for bit from its checkpoint.

/// Small networks, batches and warm-up so a few hundred steps take well under a second.
let tinySAC = #"{"hidden": [32, 32], "batch_size": 32, "warmup_steps": 200}"#

func sac(_ world: String = "hopper", seed: UInt64 = 5, config: String = tinySAC) throws -> SAC {
    try #require(try Algorithms.make("sac", source: .environment(Worlds.make(world)), config: config, seed: seed) as? SAC)
}

@Suite struct SACTests {
    @Test func aRunResumedMidEpisodeEqualsOneThatNeverStopped() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        func options(_ steps: Int) -> TrainingOptions {
            var o = TrainingOptions(steps: steps)
            (o.logEvery, o.checkpointEvery) = (50, 300)
            return o
        }
        let wholeTrainer = try sac()
        let whole = try TrainingLoop(trainer: wholeTrainer, options: options(600)).run()

        let manifest = RunManifest(algorithm: "sac", config: tinySAC, seed: 5, options: options(300), dataset: nil,
                                   environment: "hopper", versions: [:], commandLine: [])
        let first = try RunFolder.create(folder + "/run", manifest: manifest)
        let stopped = try sac()
        _ = try TrainingLoop(trainer: stopped, options: options(300), folder: first).run()
        #expect(stopped.episodeLength > 0, "the checkpoint should fall mid-episode")

        let again = try RunFolder.open(folder + "/run")
        try again.extend(to: 600)
        let t = try Algorithms.make("sac", source: .environment(Worlds.make(again.manifest.environment!)),
                                    config: again.manifest.config, seed: again.manifest.seed)
        let loop = TrainingLoop(trainer: t, options: again.manifest.options, folder: again)
        try loop.restoreCheckpoint()
        #expect(t.step == 300)
        let resumed = try loop.run()
        #expect(resumed.actor.parameters.map(\.value.scalars) == whole.actor.parameters.map(\.value.scalars))
        let r = try #require(t as? SAC)
        #expect(r.buffer.rewards == wholeTrainer.buffer.rewards && r.observation == wholeTrainer.observation)
        #expect(r.logAlpha.value.scalars == wholeTrainer.logAlpha.value.scalars)
        let rows = try again.metrics().rows
        #expect(rows.map { Int($0[0])! } == Array(stride(from: 50, through: 600, by: 50)))
    }

    @Test func theSameSeedGivesTheSameNumbers() throws {
        func run(_ seed: UInt64) throws -> [Double] {
            let t = try sac(seed: seed)
            return try (0..<260).flatMap { _ in try t.update().map(\.value) }
        }
        #expect(try run(3) == run(3))
        #expect(try run(3) != run(4))
    }

    @Test func lossesKeepTheirNamesThroughTheWarmUp() throws {
        let t = try sac()
        let names = ["q_loss", "actor_loss", "alpha", "entropy", "episode_return"]
        let warm = try t.update()
        #expect(warm.map(\.name) == names && warm[2].value == 1)
        t.step = 200
        let learning = try t.update()
        #expect(learning.map(\.name) == names && learning.allSatisfy { $0.value.isFinite })
        #expect(learning[0].value > 0 && learning[3].value != 0)
    }

    /// Hopper falls under random actions: a fall is stored as terminal and starts a new
    /// episode. HalfCheetah cannot fall: its episodes are cut at 1000 steps, stored as
    /// non-terminal (the value bootstraps through the cut), and a new one starts.
    @Test func episodesEndAsGymnasiumsDo() throws {
        let hopper = try sac(config: #"{"hidden": [8], "warmup_steps": 2000}"#)
        var falls = 0
        for _ in 0..<300 {
            let before = hopper.episodeLength
            _ = try hopper.update()
            if hopper.episodeLength == 0 {
                falls += 1
                #expect(hopper.buffer.notDone.last == 0 && before < 999)
                #expect(hopper.lastReturn > 0)
            } else {
                #expect(hopper.buffer.notDone.last == 1)
            }
            hopper.step += 1
        }
        #expect(falls > 2)

        let cheetah = try sac("halfcheetah", config: #"{"hidden": [8], "warmup_steps": 2000}"#)
        for _ in 0..<1001 { _ = try cheetah.update(); cheetah.step += 1 }
        #expect(cheetah.buffer.notDone.allSatisfy { $0 == 1 })
        #expect(cheetah.episodeLength == 1 && cheetah.lastReturn != 0)
        // The cut transition's successor is the last state, not the next episode's first.
        let o = cheetah.buffer.observationSize
        #expect(Array(cheetah.buffer.nextObservations[999 * o..<1000 * o]) != Array(cheetah.buffer.observations[1000 * o..<1001 * o]))
    }

    @Test func itRefusesWhatItCannotTrainOn() throws {
        #expect(throws: TrainingError.self) { try Algorithms.make("sac", source: .dataset(tinyMaze), config: "{}", seed: 0) }
        #expect(throws: TrainingError.self) { try sac("pointmaze-umaze") }
        #expect(throws: TrainingError.self) { try sac(config: #"{"buffer_size": 0}"#) }
    }

    /// A small replay buffer overwrites its oldest transitions, and saves and restores the
    /// filled part whatever the write position.
    @Test func theReplayBufferWrapsAndRoundTrips() throws {
        var b = ReplayBuffer(capacity: 3, observationSize: 1, actionSize: 1)
        for i in 0..<5 { b.append([Float(i)], [0], Float(i), [Float(i + 1)], terminal: i == 3) }
        #expect(b.count == 3 && b.rewards == [3, 4, 2] && b.notDone == [0, 1, 1] && b.next == 2)
        var state = TrainingState()
        try b.save(into: &state, as: "buffer")
        var c = ReplayBuffer(capacity: 3, observationSize: 1, actionSize: 1)
        try c.restore(from: state, part: "buffer")
        #expect(c.rewards == b.rewards && c.observations == b.observations && c.next == b.next)
        var small = ReplayBuffer(capacity: 2, observationSize: 1, actionSize: 1)
        #expect(throws: TrainingError.self) { try small.restore(from: state, part: "buffer") }
    }
}
