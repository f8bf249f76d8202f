import Autodiff
import Foundation
import Testing
@testable import Simulation

@Suite struct EnvironmentTests {
    static let worlds = Worlds.locomotion

    @Test(arguments: worlds) func spacesMatchGymnasium(_ name: String) throws {
        let env = try Worlds.make(name)
        let expected = ["hopper": (11, 3), "walker2d": (17, 6), "halfcheetah": (17, 6), "ant": (27, 8)][name]!
        #expect(env.observationSpace.size == expected.0)
        #expect(env.actionSpace.size == expected.1)
        #expect(env.actionSpace.low.allSatisfy { $0 == -1 } && env.actionSpace.high.allSatisfy { $0 == 1 })
        #expect(env.maxEpisodeSteps == 1000)
        #expect(try env.reset(seed: 0).count == expected.0)
    }

    @Test(arguments: worlds) func resetIsDeterministicUnderASeed(_ name: String) throws {
        let a = try Worlds.make(name), b = try Worlds.make(name)
        let first = try a.reset(seed: 7)
        #expect(first == (try b.reset(seed: 7)))
        #expect(a.qpos == b.qpos && a.qvel == b.qvel)
        #expect(first != (try b.reset(seed: 8)))
        let action = [Float](repeating: 0.3, count: a.actionSpace.size)
        _ = try a.reset(seed: 7)
        _ = try b.reset(seed: 7)
        for _ in 0..<20 {
            let (s, t) = (try a.step(action), try b.step(action))
            #expect(s.observation == t.observation && s.reward == t.reward)
        }
    }

    /// An episode stopped at step 900 and continued in a fresh copy of the world repeats
    /// the original's last 100 steps bit for bit, the time limit included; set from qpos
    /// and qvel alone, the copy moves the same (MuJoCo 2.2.2's next steps depend on
    /// nothing else here) but misses the time limit.
    @Test(arguments: ["hopper", "walker2d", "halfcheetah"])
    func anEpisodeContinuesBitForBitInAnotherCopy(_ name: String) throws {
        let env = try #require(Worlds.make(name) as? any ResumableEnvironment)
        var rng = RandomGenerator(seed: 3)
        let actions = (0..<1000).map { _ in (0..<env.actionSpace.size).map { _ in 2 * rng.nextFloat() - 1 } }
        _ = try env.reset(seed: 1)
        for a in actions[..<900] { _ = try env.step(a) }
        let saved = env.episodeState
        let (qpos, qvel) = (env.qpos, env.qvel)
        func run(_ e: any PhysicsEnvironment) throws -> (motion: [[Float]], truncated: [Bool]) {
            let steps = try actions[900...].map { try e.step($0) }
            return (steps.map { $0.observation + [Float($0.reward)] }, steps.map(\.truncated))
        }
        let original = try run(env)
        #expect(original.truncated.last == true)
        let copy = try #require(env.duplicate() as? any ResumableEnvironment)
        _ = try copy.reset(seed: 99)
        try copy.restore(episodeState: saved)
        let resumed = try run(copy)
        #expect(resumed.motion == original.motion && resumed.truncated == original.truncated)
        let rough = try env.duplicate()
        _ = try rough.reset(seed: 1)
        _ = try rough.setState(qpos: qpos, qvel: qvel)
        let roughRun = try run(rough)
        #expect(roughRun.motion == original.motion && !roughRun.truncated.contains(true))
    }

    @Test func resetNoiseFollowsV4() throws {
        // Hopper: uniform ±5e-3 around the default pose on qpos and qvel.
        let hopper = try Hopper()
        let defaults = hopper.simulator.defaultQpos
        for seed: UInt64 in 0..<20 {
            _ = try hopper.reset(seed: seed)
            #expect(zip(hopper.qpos, defaults).allSatisfy { abs($0 - $1) <= 5e-3 })
            #expect(hopper.qvel.allSatisfy { abs($0) <= 5e-3 })
        }
        #expect(defaults == [0, 1.25, 0, 0, 0, 0])
        // HalfCheetah: qvel is normal with std 0.1, so some component leaves ±0.1 soon.
        let cheetah = try HalfCheetah()
        var outside = false
        for seed: UInt64 in 0..<20 {
            _ = try cheetah.reset(seed: seed)
            outside = outside || cheetah.qvel.contains { abs($0) > 0.1 }
        }
        #expect(outside)
        // Ant stands at 0.75 m with the identity orientation before noise.
        #expect(try Ant().simulator.defaultQpos.prefix(7) == [0, 0, 0.75, 1, 0, 0, 0])
    }

    @Test func hopperTerminatesWhenItFalls() throws {
        let env = try Hopper()
        var q = [0, 1.25, 0, 0, 0, 0.0]
        _ = try env.setState(qpos: q, qvel: [Double](repeating: 0, count: 6))
        #expect(env.isHealthy)
        q[2] = 0.25  // torso tilted past 0.2 rad
        _ = try env.setState(qpos: q, qvel: [Double](repeating: 0, count: 6))
        #expect(!env.isHealthy)
        #expect(try env.step([0, 0, 0]).terminated)
    }

    @Test func truncatesAtTheTimeLimit() throws {
        let env = try HalfCheetah()
        _ = try env.reset(seed: 1)
        var last: Step?
        for _ in 0..<1000 { last = try env.step([Float](repeating: 0, count: 6)) }
        #expect(last?.truncated == true && last?.terminated == false)
        _ = try env.reset(seed: 1)
        #expect(try env.step([Float](repeating: 0, count: 6)).truncated == false)
    }

    @Test func actionsAreClippedAndChecked() throws {
        let env = try Hopper()
        _ = try env.reset(seed: 0)
        _ = try env.step([5, -5, 0.5])
        #expect(env.simulator.ctrl == [1, -1, 0.5])
        #expect(throws: SimulationError.wrongSize(what: "action", expected: 3, got: 2)) { try env.step([0, 0]) }
    }

    /// gymnasium charges the control cost on the action as given while the simulator clips
    /// it: asking for 2 moves as 1 does and pays 0.1 · (2² − 1²) more per component.
    @Test func theControlCostIsChargedOnTheActionAsGiven() throws {
        let asked = try HalfCheetah(), bounded = try HalfCheetah()
        _ = try asked.reset(seed: 5)
        _ = try bounded.reset(seed: 5)
        let r2 = try asked.step([Float](repeating: 2, count: 6))
        let r1 = try bounded.step([Float](repeating: 1, count: 6))
        #expect(r2.observation == r1.observation)
        #expect(abs((r1.reward - r2.reward) - 0.1 * 6 * 3) < 1e-12)
    }

    @Test func antCanObserveContactForces() throws {
        var config = Ant.Config()
        config.useContactForces = true
        let env = try Ant(config: config)
        #expect(env.observationSpace.size == 27 + 84)
        _ = try env.reset(seed: 0)
        var step = try env.step([Float](repeating: 0, count: 8))
        for _ in 0..<30 { step = try env.step([Float](repeating: 0, count: 8)) }  // settle onto the floor
        #expect(step.observation.count == 111)
        #expect(step.observation[27...].allSatisfy { abs($0) <= 1 })
        #expect(env.lastRewardTerms.contact > 0)
    }

    @Test func badModelsAndNamesGiveErrors() throws {
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("cdsa-bad-\(getpid()).xml")
        try "<mujoco><worldbody><body><geom type='nonsense'/></body></worldbody></mujoco>"
            .write(to: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: bad) }
        do {
            _ = try MuJoCoModel(path: bad.path)
            Issue.record("loaded a bad model")
        } catch let SimulationError.modelLoad(path, message) {
            #expect(path == bad.path && !message.isEmpty)
        }
        #expect(throws: SimulationError.self) { try Worlds.make("humanoid") }
        #expect(throws: SimulationError.unknownBody("nose")) { try MuJoCoModel(bundled: "ant").bodyID("nose") }
        #expect(try Worlds.make("Hopper-v4").name == "hopper")
    }

    /// gymnasium's v5 changed Hopper, Walker2d and Ant, Minari's mujoco datasets were
    /// collected in v5 and its D4RL mazes in gymnasium-robotics': such names are refused
    /// rather than answered with another world.
    @Test func v5WorldsAreNotV4s() throws {
        for name in ["Hopper-v5", "Walker2d-v5", "Ant-v5", "mujoco/hopper/expert-v0", "mujoco/walker2d/medium-v0"] {
            do {
                _ = try Worlds.make(name)
                Issue.record("\(name) made v4's world")
            } catch let SimulationError.otherVersion(why) {
                #expect(why.contains("v5") && why.contains("is v4, if that is what you mean"), "\(why)")
            }
        }
        for name in ["D4RL/pointmaze/large-v2", "D4RL/antmaze/umaze-v1"] {
            #expect(Worlds.otherVersion(name)?.contains("gymnasium-robotics' mazes") == true, "\(name)")
            #expect(throws: SimulationError.self) { try Worlds.make(name) }
            #expect(throws: SimulationError.self) { try Worlds.reference(for: name) }
        }
        for name in ["Hopper-v3", "hopper-medium-v2", "HalfCheetah-v5", "mujoco/halfcheetah/expert-v0", "walker2d-medium-replay-v2",
                     "antmaze-umaze-v2", "maze2d-large-v1", "pointmaze-large"] {
            #expect(Worlds.otherVersion(name) == nil, "\(name)")
        }
    }
}
