import Autodiff
import Foundation
import Simulation
import Testing
@testable import OfflineRL

/// A one-dimensional walker: the action is added to the position; the episode
/// terminates past position 2 and is cut at 4 steps. Observations are
/// [position, steps taken, reset seed mod 100] so resets are visible.
final class LineWorld: PhysicsEnvironment {
    let name = "line"
    let observationSpace = Space.unbounded(3)
    let actionSpace = Space.box(1, low: -1, high: 1)
    let maxEpisodeSteps = 4
    /// Whether `step` itself reports truncation at the limit (gymnasium's TimeLimit does).
    let reportsTruncation: Bool
    var position = 0.0, velocity = 0.0, steps = 0, seedTag: Float = 0

    init(reportsTruncation: Bool) { self.reportsTruncation = reportsTruncation }

    var observation: [Float] { [Float(position), Float(steps), seedTag] }
    var qpos: [Double] { [position] }
    var qvel: [Double] { [velocity] }

    func reset(seed: UInt64) throws -> [Float] {
        position = 0; velocity = 0; steps = 0; seedTag = Float(seed % 100)
        return observation
    }

    func step(_ action: [Float]) throws -> Step {
        velocity = Double(action[0])
        position += velocity
        steps += 1
        return Step(observation: observation, reward: Double(position), terminated: position > 2,
                    truncated: reportsTruncation && steps >= maxEpisodeSteps)
    }

    func setState(qpos: [Double], qvel: [Double]) throws -> [Float] {
        position = qpos[0]; velocity = qvel[0]
        return observation
    }

    func duplicate() throws -> any PhysicsEnvironment { LineWorld(reportsTruncation: reportsTruncation) }
}

/// Always pushes right by `speed`.
struct PushPolicy: Policy {
    var speed: Float
    let observationSize = 3
    let actionSize = 1
    func act(_ observation: [Float]) throws -> [Float] { [speed] }
}

@Suite struct CollectTests {
    @Test(arguments: [true, false])
    func recordsTerminalsTimeoutsAndSuccessors(_ reportsTruncation: Bool) throws {
        // speed 1: positions 1, 2, 3 → terminal at the third step of every episode.
        let terminating = try collect(env: LineWorld(reportsTruncation: reportsTruncation), policy: PushPolicy(speed: 1), steps: 7, seed: 5)
        #expect(terminating.terminals == [false, false, true, false, false, true, false])
        #expect(terminating.timeouts.allSatisfy { !$0 })
        #expect(terminating.episodeStarts == [0, 3, 6])
        // speed 0.25: never terminates; cut every 4 steps by the limit.
        let d = try collect(env: LineWorld(reportsTruncation: reportsTruncation), policy: PushPolicy(speed: 0.25), steps: 10, seed: 5)
        #expect(d.timeouts == [false, false, false, true, false, false, false, true, false, false])
        #expect(d.terminals.allSatisfy { !$0 } && d.episodeStarts == [0, 4, 8] && d.missingNextCount == 0)
        // s' is what step returned, even at a timeout: (1.0, 4 steps), not the reset state.
        #expect(Array(d.nextObservations.scalars[3 * 3..<3 * 3 + 2]) == [1.0, 4])
        #expect(Array(d.observations.scalars[4 * 3..<4 * 3 + 2]) == [0, 0])
        // qpos is the state before each step.
        #expect(d.qpos?.values == [0, 0.25, 0.5, 0.75, 0, 0.25, 0.5, 0.75, 0, 0.25])
        #expect(d.qvel?.values.prefix(2) == [0, 0.25])
        // Different episodes were reset with different seeds.
        #expect(d.observations[flat: 2] != d.observations[flat: 4 * 3 + 2] || d.observations[flat: 2] != d.observations[flat: 8 * 3 + 2])
    }

    @Test func collectIsDeterministicAndWritesD4RL() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let env = LineWorld(reportsTruncation: true)
        let path = "\(folder)/line-random.hdf5"
        let a = try collect(env: env, policy: RandomPolicy(observationSize: 3, actionSpace: env.actionSpace, seed: 9),
                            steps: 200, seed: 1, to: path)
        let b = try collect(env: env, policy: RandomPolicy(observationSize: 3, actionSpace: env.actionSpace, seed: 9),
                            steps: 200, seed: 1)
        #expect(bitEqual(a.observations, b.observations) && bitEqual(a.actions, b.actions))
        let back = try Dataset.load(path)
        expectBitEqual(a, back)
        #expect(back.environmentName == "line" && back.qpos?.rows == 200)
        #expect(a.terminalCount + a.timeoutCount >= a.episodeCount - 1)
    }

    @Test func mismatchedPolicyIsAnError() throws {
        let env = LineWorld(reportsTruncation: true)
        let policy = RandomPolicy(observationSize: 5, actionSpace: env.actionSpace, seed: 0)
        #expect(datasetError { _ = try collect(env: env, policy: policy, steps: 10, seed: 0) } != nil)
    }
}

@Suite struct LoadBenchmarkTests {
    @Test func smallBenchmarkRuns() throws {
        let result = try benchmarkD4RLLoad(transitions: 20_000)
        #expect(result.transitions == 20_000 && result.fileBytes > 20_000 * 4 * 25)
        print(result)
    }

    /// The 1M-transition figure, only when asked: CDSA_LOAD_BENCH=1 (the full run writes
    /// a ~230 MB file in /tmp). CDSA_LOAD_BENCH=/path/file.hdf5 times an existing file.
    @Test func millionTransitionLoad() throws {
        guard let setting = ProcessInfo.processInfo.environment["CDSA_LOAD_BENCH"] else { return }
        let result = setting == "1" ? try benchmarkD4RLLoad() : try benchmarkD4RLLoad(path: setting)
        print("BENCH \(result)")
    }
}
