// Environments and policies as cdsa values. An environment value wraps one simulator and
// tracks its episode (not reset yet, running, over), so `step` can refuse what gymnasium
// would silently allow. Policies reach the engine's rollout and collect through
// `ScriptPolicy`, which checks every action at the boundary.

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

/// `random_policy(env)`: uniform random actions in the environment's action bounds.
/// Called directly it draws from its own stream; rollout and collect restart it from its
/// seed mixed with theirs, so a rollout is a function of its seed.
final class RandomPolicyValue: CallableForeign {
    let envName: String
    let observationSize: Int
    let space: Space
    let seed: UInt64
    private let stream: RandomPolicy

    init(for env: any Environment, seed: UInt64) {
        envName = env.name
        observationSize = env.observationSpace.size
        space = env.actionSpace
        self.seed = seed
        stream = RandomPolicy(observationSize: observationSize, actionSpace: space, seed: seed)
    }

    var typeName: String { "policy" }
    var summary: String { "random policy for \(envName) (\(counted(space.size, "action")))" }
    var fieldNames: [String] { ["action_size", "observation_size"] }

    func field(_ name: String) throws -> Value? {
        switch name {
        case "action_size": return .number(Double(space.size))
        case "observation_size": return .number(Double(observationSize))
        default: return nil
        }
    }

    /// A fresh generator for one rollout or collect run with seed `run`.
    func restarted(_ run: UInt64) -> RandomPolicy {
        RandomPolicy(observationSize: observationSize, actionSpace: space, seed: runSeed(seed, run))
    }

    func call(_ arguments: CallArguments, interpreter: Interpreter) throws -> Value? {
        guard arguments.positional.count == 1, arguments.keywords.isEmpty else {
            throw ScriptError("bad argument #1 to 'policy' (one observation expected, got \(counted(arguments.positional.count, "argument")))")
        }
        return .tensor(Tensor(try stream.act([])))
    }
}

/// The seed of a policy's own noise for one rollout or collect run: its seed mixed with
/// the run's, so a rollout is a function of its seed.
func runSeed(_ seed: UInt64, _ run: UInt64) -> UInt64 {
    var mix = RandomGenerator(seed: seed ^ (run &* 0x9E37_79B9_7F4A_7C15))
    return mix.next()
}

/// A cdsa policy as the engine sees it: a function, a network, a random policy or a maze
/// controller, called on one observation (a vector tensor), polled for Ctrl-C before
/// every action.
struct ScriptPolicy: Policy {
    let observationSize: Int
    let actionSize: Int
    private let body: ([Float]) throws -> [Float]

    init(_ a: Arguments, _ i: Int, for e: EnvironmentValue, seed: UInt64, state: EngineState) throws {
        let env = e.env, caller = a.name
        observationSize = env.observationSpace.size
        actionSize = env.actionSpace.size
        let size = actionSize
        if case .foreign(let random as RandomPolicyValue) = a[i] {
            guard random.space.size == size else {
                throw a.bad(i, "\(random.summary) cannot act in \(env.name) (\(counted(size, "action")))")
            }
            let policy = Cancellable(random.restarted(seed), state: state)
            body = { try policy.act($0) }
            return
        }
        if case .foreign(let c as ControllerPolicyValue) = a[i] {
            guard c.controller.maze === env as? PointMaze else {
                throw a.bad(i, "\(c.summary) steers its own maze's ball, not \(env.name)'s; make it with maze_controller(env)")
            }
            let policy = Cancellable(c.restarted(seed), state: state)
            body = { try policy.act($0) }
            return
        }
        let function = a[i], interpreter = a.interpreter
        body = { observation in
            try state.checkCancelled()
            let out = try interpreter.call(function, CallArguments([.tensor(Tensor(observation))]))
            return try EnvLibrary.action(out, for: env) { ScriptError("\(caller): the policy returned a bad action (\($0))") }
        }
    }

    func act(_ observation: [Float]) throws -> [Float] { try body(observation) }
}
