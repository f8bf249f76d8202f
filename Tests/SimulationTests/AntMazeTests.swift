import Testing
@testable import Simulation

@Suite struct AntMazeTests {
    @Test(arguments: MazeSize.allCases) func runsAnEpisode(_ size: MazeSize) throws {
        let env = try AntMaze(size)
        #expect(env.maxEpisodeSteps == (size == .umaze ? 700 : 1000))
        let obs = try env.reset(seed: 3)
        #expect(obs.count == 29 && env.observationSpace.size == 29 && env.actionSpace.size == 8)
        // The Ant starts at the origin, the centre of the start cell.
        #expect(abs(obs[0]) <= 0.1 && abs(obs[1]) <= 0.1)
        let policy = RandomPolicy(observationSize: 29, actionSpace: env.actionSpace, seed: 1)
        var steps = 0, last: Step?
        repeat {
            last = try env.step(try policy.act(last?.observation ?? obs))
            steps += 1
        } while !(last!.terminated || last!.truncated)
        #expect(steps == env.maxEpisodeSteps)  // a random Ant never reaches the goal
        #expect(last!.reward == 0)
        // The walls hold it in the maze.
        #expect(env.layout.isFree(env.position, in: env.frame))
    }

    @Test func goalIsSampledNearTheGoalCellAndDeterministic() throws {
        let env = try AntMaze(.umaze)
        _ = try env.reset(seed: 5)
        let g = env.goal
        let centre = env.frame.centre(of: env.layout.goal!)
        #expect(g.x >= centre.x && g.x < centre.x + 1 && g.y >= centre.y && g.y < centre.y + 1)
        #expect(centre == SIMD2(0, 8))  // umaze: goal cell (3, 1), start (1, 1), 4 m cells
        _ = try env.reset(seed: 5)
        #expect(env.goal == g)
        _ = try env.reset(seed: 6)
        #expect(env.goal != g)
    }

    @Test func reachingTheGoalPaysOneAndEnds() throws {
        let env = try AntMaze(.medium)
        _ = try env.reset(seed: 0)
        var q = env.qpos
        (q[0], q[1]) = (env.goal.x + 0.1, env.goal.y)
        _ = try env.setState(qpos: q, qvel: env.qvel)
        let step = try env.step([Float](repeating: 0, count: 8))
        #expect(step.reward == 1 && step.terminated)
    }

    @Test func wallsAreInTheModel() throws {
        for size in MazeSize.allCases {
            let env = try AntMaze(size)
            let walls = env.layout.rows * env.layout.cols - env.layout.freeCells.count
            #expect(Int(env.simulator.model.pointee.ngeom) == 14 + walls)  // floor + 13 Ant geoms
        }
        #expect(try MuJoCoWorlds.make("antmaze-large-diverse-v2".replacingOccurrences(of: "-diverse", with: "")).name == "antmaze-large")
    }
}
