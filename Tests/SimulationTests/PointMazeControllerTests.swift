import Autodiff
import Testing
@testable import Simulation

@Suite struct PointMazeControllerTests {
    /// Episodes of `env` driven by the controller: how many reached the goal (reward > 0).
    private func successes(_ env: PointMaze, noise: Double, episodes: Int) throws -> Int {
        var reached = 0
        for episode in 0..<episodes {
            let controller = WaypointController(maze: env, noise: noise, seed: UInt64(episode))
            var obs = env.reset(seed: UInt64(1000 + episode)), success = false
            while true {
                let step = try env.step(try controller.act(obs))
                success = success || step.reward > 0
                if step.truncated || step.terminated { break }
                obs = step.observation
            }
            if success { reached += 1 }
        }
        return reached
    }

    @Test func reachesTheUmazeGoalWithinTheLimit() throws {
        let env = PointMaze(.umaze)
        #expect(try successes(env, noise: 0, episodes: 50) == 50)
        // D4RL's data-collection noise (σ = 0.5) slows it down but most episodes still arrive.
        #expect(try successes(env, noise: 0.5, episodes: 50) >= 40)
    }

    @Test(arguments: [MazeSize.medium, .large])
    func reachesLargerGoals(size: MazeSize) throws {
        #expect(try successes(PointMaze(size), noise: 0, episodes: 20) >= 19)
    }

    @Test func actionsAreBoundedAndSeeded() throws {
        func trace(_ seed: UInt64) throws -> [[Float]] {
            let env = PointMaze(.large, resampleGoals: true)
            let controller = WaypointController(maze: env, noise: 0.5, seed: seed)
            var obs = env.reset(seed: 1), actions: [[Float]] = []
            for _ in 0..<500 {
                let a = try controller.act(obs)
                actions.append(a)
                obs = try env.step(a).observation
            }
            return actions
        }
        let a = try trace(3)
        #expect(a.allSatisfy { $0.count == 2 && $0.allSatisfy { abs($0) <= 1 } })
        #expect(try a == trace(3) && a != trace(4))
        #expect(throws: MazeError.self) { try WaypointController(maze: PointMaze(), seed: 0).act([0, 0]) }
    }

    /// D4RL's recipe: one long stream of random goals, each reached and replaced.
    @Test func collectionVisitsManyGoals() throws {
        let env = PointMaze(.medium, resampleGoals: true)
        let controller = WaypointController(maze: env, noise: 0.5, seed: 0)
        var obs = env.reset(seed: 0), goals: Set<[Double]> = [[env.goal.x, env.goal.y]]
        var cells: Set<MazeCell> = []
        for _ in 0..<env.maxEpisodeSteps {
            obs = try env.step(try controller.act(obs)).observation
            goals.insert([env.goal.x, env.goal.y])
            cells.insert(env.frame.cell(containing: env.position))
        }
        #expect(goals.count >= 3)
        #expect(cells.count >= 8)
    }

    @Test func batchedActionsMatchSingleOnes() throws {
        let env = PointMaze(.umaze)
        env.reset(seed: 2)
        let controller = WaypointController(maze: env, seed: 0)
        let batch = try Tensor(shape: [1, 4], scalars: env.observation)
        #expect(try controller.act(batch: batch).scalars == controller.act(env.observation))
    }
}
