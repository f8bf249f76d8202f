// Environments as cdsa values. An environment value wraps one simulator and tracks its
// episode (not reset yet, running, over), so `step` can refuse what gymnasium would
// silently allow.

import Autodiff
import Language
import Simulation

final class EnvironmentValue: ForeignValue {
    let env: any PhysicsEnvironment
    /// The observation the episode is at; nil until the first `reset`.
    var observation: [Float]?
    /// Steps taken in the current episode.
    var elapsed = 0
    /// Why the episode is over ("terminated after 12 steps"); nil while it runs.
    var ended: String?
    /// A rollout or collect is driving the environment (its policy may not step it too).
    private var busy = false
    /// The built-in that last ran whole episodes here, leaving the episode state unknown.
    private(set) var drivenBy: String?

    init(_ env: any PhysicsEnvironment) { self.env = env }

    var typeName: String { "environment" }

    var summary: String {
        let space = env.actionSpace
        var bounds = ""
        if let lo = space.low.first, let hi = space.high.first, space.low.allSatisfy({ $0 == lo }), space.high.allSatisfy({ $0 == hi }) {
            bounds = " in [\(Value.float(lo).repr), \(Value.float(hi).repr)]"
        }
        return "environment \(env.name) (observation \(env.observationSpace.size), action \(space.size)\(bounds), \(env.maxEpisodeSteps)-step limit)"
    }

    var fieldNames: [String] {
        ["name", "observation_size", "action_size", "max_steps", "action_low", "action_high", "observation", "steps",
         "qpos", "qvel"] + (goal == nil ? [] : ["goal"])
    }

    /// The goal of a maze task, in world (x, y).
    var goal: SIMD2<Double>? {
        switch env {
        case let maze as AntMaze: return maze.goal
        case let maze as PointMaze: return maze.goal
        default: return nil
        }
    }

    func field(_ name: String) throws -> Value? {
        func vector(_ xs: [Double]) -> Value { .tensor(Tensor(xs.map { Float($0) })) }
        switch name {
        case "name": return .string(env.name)
        case "observation_size": return .number(Double(env.observationSpace.size))
        case "action_size": return .number(Double(env.actionSpace.size))
        case "max_steps": return .number(Double(env.maxEpisodeSteps))
        case "action_low": return .tensor(Tensor(env.actionSpace.low))
        case "action_high": return .tensor(Tensor(env.actionSpace.high))
        case "observation": return observation.map { .tensor(Tensor($0)) } ?? .nil
        case "steps": return .number(Double(elapsed))
        case "qpos": return vector(env.qpos)
        case "qvel": return vector(env.qvel)
        case "goal": return goal.map { vector([$0.x, $0.y]) }
        default: return nil
        }
    }

    /// Runs `body` (a rollout or collect) with the environment marked busy; afterwards the
    /// episode it left behind is not the user's, so `step` asks for a `reset` first.
    func driven<R>(by caller: String, _ body: () throws -> R) throws -> R {
        try checkIdle(caller)
        busy = true
        defer { (busy, drivenBy, observation, elapsed, ended) = (false, caller, nil, 0, nil) }
        return try body()
    }

    func checkIdle(_ caller: String) throws {
        if busy { throw ScriptError("\(caller): \(env.name) is in use by a rollout or collect") }
    }
}
