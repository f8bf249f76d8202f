import Autodiff

extension PointMaze {
    /// The point maze's reference returns, which define its normalised score: the mean
    /// return over `episodes` evaluation episodes (fixed goal, episode limit) of a uniformly
    /// random policy (`random`) and of the noiseless waypoint controller (`expert`) — the
    /// same two policies D4RL used for maze2d. Both policies start from the same states.
    /// The values recorded in `ReferenceScores` come from the defaults, `episodes: 1000, seed: 0`.
    public static func referenceReturns(_ size: MazeSize, reward: Reward = .sparse, episodes: Int = 1000,
                                        seed: UInt64 = 0) throws -> ReferenceScore {
        let env = PointMaze(size, reward: reward)
        let random = try meanReturn(env: env, episodes: episodes, seed: seed) { s in
            RandomPolicy(observationSize: 4, actionSpace: env.actionSpace, seed: s)
        }
        let expert = try meanReturn(env: env, episodes: episodes, seed: seed) { s in
            WaypointController(maze: env, noise: 0, seed: s)
        }
        return ReferenceScore(random: random, expert: expert)
    }

    /// Mean undiscounted return over `episodes` episodes run to termination or the time
    /// limit; episode i resets with the i-th seed drawn from `seed`, and its policy is made
    /// by `policy` from that seed.
    public static func meanReturn(env: PointMaze, episodes: Int, seed: UInt64,
                                  policy makePolicy: (UInt64) -> any Policy) throws -> Double {
        precondition(episodes > 0, "meanReturn needs at least one episode")
        var seeds = RandomGenerator(seed: seed), total = 0.0
        for _ in 0..<episodes {
            let s = seeds.next()
            let policy = makePolicy(s)
            var observation = env.reset(seed: s)
            while true {
                let step = try env.step(try policy.act(observation))
                total += step.reward
                if step.terminated || step.truncated { break }
                observation = step.observation
            }
        }
        return total / Double(episodes)
    }
}
