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
        let centre = env.frame.centre(of: env.layout.goal!)
        #expect(centre == SIMD2(0, 8))  // umaze: goal cell (3, 1), start (1, 1), 4 m cells
        // D4RL's goal_sampler: U(0, 1) from _rowcol_to_xy plus U(0, 0.5), per coordinate.
        var largest = SIMD2<Double>(0, 0)
        for seed in 0..<200 {
            _ = try env.reset(seed: UInt64(seed))
            let offset = env.goal - centre
            #expect(offset.x >= 0 && offset.x < 1.5 && offset.y >= 0 && offset.y < 1.5)
            largest = SIMD2(max(largest.x, offset.x), max(largest.y, offset.y))
        }
        #expect(largest.x > 1.1 && largest.y > 1.1)  // the second term is there
        _ = try env.reset(seed: 5)
        let g = env.goal
        _ = try env.reset(seed: 5)
        #expect(env.goal == g)
        _ = try env.reset(seed: 6)
        #expect(env.goal != g)
    }

    @Test func theAntIsD4RLsNotGymnasiums() throws {
        let env = try AntMaze(.umaze)
        let m = env.simulator.model.pointee
        #expect(env.simulator.timestep == 0.02 && env.frameSkip == 5)
        #expect((0..<8).allSatisfy { m.actuator_gear[6 * $0] == 30 })
        #expect(env.actionSpace == .box(8, low: -1, high: 1))
        #expect(m.geom_solimp[0] == 0.8 && m.geom_solimp[1] == 0.8 && m.geom_solimp[2] == 0.01)
        // The plain Ant keeps gymnasium's model.
        let ant = try Ant()
        #expect(ant.simulator.timestep == 0.01 && ant.simulator.model.pointee.actuator_gear[0] == 150)
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
        #expect(try Worlds.make("antmaze-large-diverse-v2".replacingOccurrences(of: "-diverse", with: "")).name == "antmaze-large")
    }
}
