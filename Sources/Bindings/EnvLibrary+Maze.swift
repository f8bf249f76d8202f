// The point maze's data recipe in the language: `maze_controller`, D4RL maze2d's
// waypoint-following PD controller as a policy, and `maze_dataset`, the recipe itself
// (the controller with action noise, visiting one random goal after another).

import Autodiff
import Language
import OfflineRL
import Simulation

/// `maze_controller(env)`: a policy that steers the ball of env's maze to its goal.
/// Like `random_policy`, rollout and collect restart its noise from its seed mixed with
/// theirs, so a rollout is a function of its seed.
final class ControllerPolicyValue: CallableForeign {
    let controller: WaypointController
    let seed: UInt64

    init(_ maze: PointMaze, noise: Double, seed: UInt64) {
        controller = WaypointController(maze: maze, noise: noise, seed: seed)
        self.seed = seed
    }

    /// A fresh controller for one rollout or collect run with seed `run`.
    func restarted(_ run: UInt64) -> WaypointController {
        WaypointController(maze: controller.maze, noise: controller.noise, seed: runSeed(seed, run))
    }

    var typeName: String { "policy" }
    var summary: String {
        "waypoint controller for \(controller.maze.name)" + (controller.noise > 0 ? " (action noise \(controller.noise))" : "")
    }
    var fieldNames: [String] { ["noise", "action_size", "observation_size"] }

    func field(_ name: String) throws -> Value? {
        switch name {
        case "noise": return .number(controller.noise)
        case "action_size": return .number(2)
        case "observation_size": return .number(4)
        default: return nil
        }
    }

    func call(_ arguments: CallArguments, interpreter: Interpreter) throws -> Value? {
        guard arguments.positional.count == 1, arguments.keywords.isEmpty,
              let t = (try? tensorLike(arguments.positional[0])) ?? nil else {
            throw ScriptError("bad argument #1 to 'policy' (one observation tensor expected)")
        }
        return .tensor(Tensor(try engine("policy") { try controller.act(t.scalars) }))
    }
}

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
            return .foreign(ControllerPolicyValue(maze, noise: noise, seed: UInt64(bitPattern: Int64(try a.integer(2)))))
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
            let policy = Cancellable(WaypointController(maze: maze, noise: noise, seed: seeds.next()), state: s)
            let dataset = try engine("maze_dataset") {
                if case .string(let path) = a[5] { return try OfflineRL.collect(env: maze, policy: policy, steps: steps, seed: seeds.next(), to: path) }
                return try OfflineRL.collect(env: maze, policy: policy, steps: steps, seed: seeds.next())
            }
            return .foreign(DatasetValue(dataset))
        }
    }
}

/// A Swift policy that polls Ctrl-C before every action.
struct Cancellable<P: Policy>: Policy {
    let policy: P
    let state: EngineState
    init(_ policy: P, state: EngineState) { self.policy = policy; self.state = state }
    var observationSize: Int { policy.observationSize }
    var actionSize: Int { policy.actionSize }
    func act(_ observation: [Float]) throws -> [Float] {
        try state.checkCancelled()
        return try policy.act(observation)
    }
}
