// The point maze's data recipe in the language: `maze_controller`, D4RL maze2d's
// waypoint-following PD controller as a policy, and `maze_dataset`, the recipe itself
// (the controller with action noise, visiting one random goal after another).

import Autodiff
import Language
import OfflineRL
import Simulation

extension EnvLibrary {
    static func mazeEntries(_ s: EngineState) -> [Builtin] { [mazeController, mazeDataset(s)] }

    static var mazeController: Builtin {
        Builtin("maze_controller", [.init("env", .foreign("environment")), .init("noise", .number, default: .number(0)),
                                    .init("seed", .integer, default: .number(0))],
                doc: "D4RL maze2d's waypoint PD controller for a point maze env, as a policy: it steers to env's goal, plus Gaussian action noise of std noise (the datasets use 0.5).") { a in
            let e = try a.object(0, EnvironmentValue.self, "environment")
            guard let maze = e.env as? PointMaze else { throw a.bad(0, "a point maze expected, got \(e.env.name)") }
            let noise = try a.number(1)
            guard noise >= 0, noise.isFinite else { throw a.bad(1, "a non-negative noise expected, got \(noise)") }
            return .foreign(PolicyValue(WaypointController(maze: maze, noise: noise, seed: UInt64(bitPattern: Int64(try a.integer(2))))))
        }
    }

    static func mazeDataset(_ s: EngineState) -> Builtin {
        Builtin("maze_dataset", [.init("maze", .string), .init("steps", .integer), .init("noise", .number, default: .number(0.5)),
                                 .init("reward", .string, default: .string("sparse")), .init("seed", .integer, default: .number(0)),
                                 .init("path", .string, default: .nil)],
                doc: "A point-maze dataset by D4RL's maze2d recipe: the waypoint controller with action noise visits one random goal after another (maze umaze, medium or large; reward sparse, dense or distance); with path, also written as D4RL HDF5.") { a in
            guard let size = MazeSize(rawValue: try a.string(0)) else {
                throw a.bad(0, "umaze, medium or large expected, got \(a[0].repr)")
            }
            guard let reward = PointMaze.Reward(rawValue: try a.string(3)) else {
                throw a.bad(3, "\(PointMaze.Reward.allCases.map(\.rawValue).joined(separator: ", ")) expected, got \(a[3].repr)")
            }
            let steps = try a.positive(1)
            guard steps <= maxCollectSteps else { throw a.bad(1, "at most \(maxCollectSteps) steps expected, got \(steps)") }
            let noise = try a.number(2)
            guard noise >= 0, noise.isFinite else { throw a.bad(2, "a non-negative noise expected, got \(noise)") }
            let seed = UInt64(bitPattern: Int64(try a.integer(4)))
            let maze = PointMaze(size, reward: reward, resampleGoals: true)
            var seeds = RandomGenerator(seed: seed)
            let policy = Cancellable(policy: WaypointController(maze: maze, noise: noise, seed: seeds.next()), state: s)
            let dataset = try engine("maze_dataset") {
                if case .string(let path) = a[5] { return try OfflineRL.collect(env: maze, policy: policy, steps: steps, seed: seeds.next(), to: path) }
                return try OfflineRL.collect(env: maze, policy: policy, steps: steps, seed: seeds.next())
            }
            return .foreign(DatasetValue(dataset))
        }
    }
}
