import Autodiff
import Testing
@testable import Simulation

@Suite struct PointMazeTests {
    @Test func specs() throws {
        for size in MazeSize.allCases {
            let env = PointMaze(size)
            #expect(env.observationSpace.size == 4 && env.actionSpace == .box(2, low: -1, high: 1))
            #expect(env.name == "pointmaze-\(size.rawValue)")
        }
        #expect(PointMaze(.umaze).maxEpisodeSteps == 300)
        #expect(PointMaze(.medium).maxEpisodeSteps == 600)
        #expect(PointMaze(.large).maxEpisodeSteps == 800)
        #expect((try Worlds.make("pointmaze-medium-dense") as? PointMaze)?.rewardType == .dense)
        #expect((try Worlds.make("maze2d-large") as? PointMaze)?.size == .large)
        #expect(throws: SimulationError.self) { try Worlds.make("pointmaze-huge") }
        #expect(throws: SimulationError.self) { try Worlds.make("pointmaze-umaze-sparse") }
    }

    /// maze2d's MuJoCo Euler step: v ← v + h·(100a − v)/(m + h), x ← x + h·v.
    @Test func dynamicsMatchMaze2d() throws {
        let env = PointMaze(.large)
        _ = try env.setState(qpos: [3, 3], qvel: [0.5, 0])
        let obs = try env.step([1, -0.5]).observation
        let m = 4.0 / 3.0 * Double.pi * 1e-3 * 1000, h = 0.01
        let vx = 0.5 + h * (100 - 0.5) / (m + h), vy = h * -50 / (m + h)
        #expect(abs(Double(obs[2]) - vx) < 1e-6 && abs(Double(obs[3]) - vy) < 1e-6)
        #expect(abs(Double(obs[0]) - (3 + h * vx)) < 1e-6 && abs(Double(obs[1]) - (3 + h * vy)) < 1e-6)
        // Velocity is clipped to ±5 before the step, and actions to [-1, 1].
        _ = try env.setState(qpos: [3, 3], qvel: [9, -9])
        let fast = try env.step([7, -7]).observation
        #expect(abs(Double(fast[2]) - (5 + h * 95 / (m + h))) < 1e-5 && abs(Double(fast[3]) + (5 + h * 95 / (m + h))) < 1e-5)
    }

    /// Property: under random and adversarial forces the ball never overlaps a wall.
    @Test(arguments: MazeSize.allCases)
    func neverEntersAWall(size: MazeSize) throws {
        let env = PointMaze(size)
        var rng = RandomGenerator(seed: 42)
        for episode in 0..<50 {
            env.reset(seed: UInt64(episode))
            // Hold a random direction for a while so the ball builds speed into walls.
            var a = SIMD2<Double>.zero
            for t in 0..<2000 {
                if t % 40 == 0 { a = SIMD2(rng.nextDouble() * 4 - 2, rng.nextDouble() * 4 - 2) }
                env.advance(a)
                guard env.layout.isFree(env.position, radius: env.dynamics.radius, in: env.frame) else {
                    Issue.record("\(size) episode \(episode) step \(t): ball at \(env.position) overlaps a wall")
                    return
                }
            }
        }
    }

    @Test func deterministicUnderASeed() throws {
        func run(_ seed: UInt64) throws -> [[Float]] {
            let env = PointMaze(.medium)
            let policy = RandomPolicy(observationSize: 4, actionSpace: env.actionSpace, seed: seed)
            var obs = env.reset(seed: seed), trace = [obs]
            for _ in 0..<200 {
                obs = try env.step(try policy.act(obs)).observation
                trace.append(obs)
            }
            return trace
        }
        #expect(try run(7) == run(7))
        #expect(try run(7) != run(8))
    }

    @Test func resetStartsInAFreeCellNearItsPoint() {
        let env = PointMaze(.large)
        for seed in 0..<200 as Range<UInt64> {
            let obs = env.reset(seed: seed)
            let cell = env.frame.cell(containing: env.position)
            #expect(env.layout.isFree(cell))
            let offset = env.position - env.frame.point(of: cell)
            #expect(abs(offset.x) <= 0.1 && abs(offset.y) <= 0.1)
            #expect(abs(obs[2]) < 1 && abs(obs[3]) < 1)
            #expect(env.goal == SIMD2(7, 9))
        }
    }

    @Test func rewardsAndTermination() throws {
        let sparse = PointMaze(.umaze), dense = PointMaze(.umaze, reward: .dense)
        let distance = PointMaze(.umaze, reward: .distance)
        for env in [sparse, dense, distance] {
            env.reset(seed: 0)
            #expect(env.goal == SIMD2(1, 1))  // maze2d-umaze's goal cell
        }
        // At rest 0.4 from the goal: inside the 0.5 radius.
        for (env, expected) in [(sparse, 1.0), (dense, _exp(-0.4)), (distance, -0.4)] {
            _ = try env.setState(qpos: [1.0, 1.4], qvel: [0, 0])
            let step = try env.step([0, 0])
            #expect(abs(step.reward - expected) < 1e-12)
            #expect(!step.terminated && !step.truncated)
        }
        _ = try sparse.setState(qpos: [1.0, 1.6], qvel: [0, 0])
        #expect(try sparse.step([0, 0]).reward == 0)
        // maze2d never terminates; it is truncated at the limit, exactly.
        sparse.reset(seed: 3)
        for t in 1...300 {
            let step = try sparse.step([0.3, -0.2])
            #expect(!step.terminated)
            #expect(step.truncated == (t == 300))
        }
        // Opt-in termination at the goal.
        let ending = PointMaze(.umaze, terminateAtGoal: true)
        _ = try ending.setState(qpos: [1.0, 1.3], qvel: [0, 0])
        #expect(try ending.step([0, 0]).terminated)
    }

    @Test func resampledGoalsMoveWhenReached() throws {
        let env = PointMaze(.medium, resampleGoals: true)
        env.reset(seed: 5)
        let first = env.goal
        #expect(env.layout.isFree(first, in: env.frame))
        _ = try env.setState(qpos: [first.x, first.y], qvel: [0, 0])
        _ = try env.step([0, 0])
        #expect(env.goal != first && env.layout.isFree(env.goal, in: env.frame))
    }

    @Test func rejectsBadInput() throws {
        let env = PointMaze(.umaze)
        #expect(throws: MazeError.self) { try env.step([0]) }
        #expect(throws: MazeError.self) { try env.step([.nan, 0]) }
        #expect(throws: MazeError.self) { try env.setState(qpos: [2, 1], qvel: [0, 0]) }  // wall cell (2, 1)
        #expect(throws: MazeError.self) { try env.setState(qpos: [1, 0.35], qvel: [0, 0]) }  // ball overlaps wall (1, 0)
        #expect(throws: MazeError.self) { try env.setState(qpos: [1, 1], qvel: [.infinity, 0]) }
        #expect(throws: MazeError.self) { try env.setGoal(SIMD2(2, 1)) }
        #expect(env.qpos.count == 2 && env.qvel.count == 2)
    }
}

import Foundation
private func _exp(_ x: Double) -> Double { Foundation.exp(x) }
