// Policies as cdsa values. Every policy the engine makes — trained, loaded from PyTorch
// weights, corrected, random, a maze controller — is a `PolicyValue` around a Swift
// `Policy`, and acts in Swift in rollouts and evaluations. A network or a cdsa function
// passed where a policy is expected is adapted here, once, at the boundary.

import Autodiff
import Correctors
import Language
import NeuralNet
import OfflineRL
import Reports
import Simulation

final class PolicyValue: CallableForeign {
    let policy: any Policy
    /// The environment a random policy was made for (its summary names it).
    let environmentName: String?

    init(_ policy: any Policy, environment: String? = nil) {
        self.policy = policy
        environmentName = environment
    }

    var typeName: String { "policy" }

    var summary: String { Self.describe(policy, environment: environmentName) }

    static func describe(_ policy: any Policy, environment environmentName: String?) -> String {
        switch policy {
        case let r as RuleCorrector: return "\(describe(r.base, environment: environmentName)) |> correct_with(\(r.name))"
        case let c as CDSACorrector:
            let o = c.correction
            var options = ["k1=\(Value.format(shortest(o.k1)))", "k2=\(Value.format(shortest(o.k2)))"]
            if o.scaling != .tweedie { options.append("scaling=\"\(o.scaling.rawValue)\"") }
            if o.inverseTerm != .absolute { options.append("inverse_term=\"\(o.inverseTerm.rawValue)\"") }
            if o.combination != .add { options.append("combination=\"\(o.combination.rawValue)\"") }
            if o.steps != 1 { options.append("steps=\(o.steps)") }
            if let sigma = o.sigma { options.append("sigma=\(Value.format(shortest(sigma)))") }
            return "\(describe(c.base, environment: environmentName)) |> correct(\(options.joined(separator: ", ")))"
        case let c as ClippedPolicy:
            return "\(describe(c.base, environment: environmentName)) |> clip(\(Value.format(Double(c.low))), \(Value.format(Double(c.high))))"
        case let p as ActorPolicy: return p.description
        case let p as RandomPolicy: return "random policy for \(environmentName ?? "an environment") (\(counted(p.actionSize, "action")))"
        case let c as WaypointController:
            return "waypoint controller for \(c.maze.name)" + (c.noise > 0 ? " (action noise \(Value.number(c.noise).repr))" : "")
        default: return "policy (\(policy.observationSize) → \(policy.actionSize))"
        }
    }

    /// What a table calls the policy: its algorithm, "random", "controller".
    var shortName: String { Self.shortName(policy) }

    static func shortName(_ policy: any Policy) -> String {
        switch policy {
        case let r as RuleCorrector: return "\(shortName(r.base))+\(r.name)"
        case let c as CDSACorrector: return "\(shortName(c.base))+cdsa"
        case let c as ClippedPolicy: return shortName(c.base)
        case let p as ActorPolicy: return p.provenance.algorithm
        case is RandomPolicy: return "random"
        case is WaypointController: return "controller"
        default: return "policy"
        }
    }

    var fieldNames: [String] {
        var names = ["action_size", "observation_size"]
        if policy is WaypointController { names.insert("noise", at: 0) }
        if policy is ActorPolicy { names += ["algorithm", "steps", "seed", "dataset", "sha256", "config", "normalizer", "sampling"] }
        return names
    }

    func field(_ name: String) throws -> Value? {
        switch name {
        case "action_size": return .number(Double(policy.actionSize))
        case "observation_size": return .number(Double(policy.observationSize))
        case "noise": return (policy as? WaypointController).map { .number($0.noise) }
        default: break
        }
        guard let p = policy as? ActorPolicy else { return nil }
        let origin = p.provenance
        switch name {
        case "algorithm": return .string(origin.algorithm)
        case "steps": return origin.steps.map { .number(Double($0)) } ?? .nil
        case "seed": return origin.seed.map { .number(Double(Int64(bitPattern: $0))) } ?? .nil
        case "dataset": return origin.dataset.map { .string($0.source) } ?? .nil
        case "sha256": return origin.dataset.map { .string($0.sha256) } ?? .nil
        case "config": return try origin.config.map { DataLibrary.value(try JSON.parse($0, source: "the policy's config")) } ?? .nil
        case "normalizer":
            guard let n = p.normalizer else { return .nil }
            return .record(Record(["mean": .tensor(n.mean), "std": .tensor(n.std)]))
        case "sampling": return .bool(p.sampling)
        default: return nil
        }
    }

    /// `p(observation)` → an action; `p(batch)` [n, d] → actions [n, a].
    func call(_ arguments: CallArguments, interpreter: Interpreter) throws -> Value? {
        guard arguments.positional.count == 1, arguments.keywords.isEmpty,
              let t = (try? tensorLike(arguments.positional[0])) ?? nil else {
            throw ScriptError("bad argument #1 to 'policy' (one observation tensor expected)")
        }
        return .tensor(try engine("policy") {
            if t.rank == 2 { return try policy.act(batch: t) }
            guard t.rank == 1, t.count == policy.observationSize else {
                throw TensorError.shapeMismatch(op: "policy", "expects an observation of \(policy.observationSize) values or a batch [n, \(policy.observationSize)], got shape \(t.shape)")
            }
            return Tensor(try policy.act(t.scalars))
        })
    }
}

/// A network used as a policy: its outputs are the action, computed in Swift, from
/// observations normalised first when the network carries a normaliser.
struct NetworkPolicy: Policy {
    let network: NetworkValue
    let observationSize: Int
    let actionSize: Int
    func act(_ observation: [Float]) throws -> [Float] { try act(batch: Tensor(shape: [1, observation.count], scalars: observation)).scalars }
    func act(batch observations: Tensor) throws -> Tensor {
        try network(network.normalizer.map { try $0(observations) } ?? observations)
    }
}

/// A cdsa function used as a policy: called through the interpreter on one observation
/// at a time (a batch is one call per row), its result checked like `step`'s action.
struct FunctionPolicy: Policy {
    let function: Value
    let interpreter: Interpreter
    let environment: any Environment
    let caller: String
    var observationSize: Int { environment.observationSpace.size }
    var actionSize: Int { environment.actionSpace.size }

    func act(_ observation: [Float]) throws -> [Float] {
        let out = try interpreter.call(function, CallArguments([.tensor(Tensor(observation))]))
        return try EnvLibrary.action(out, for: environment) { ScriptError("\(caller): the policy returned a bad action (\($0))") }
    }
}

/// A policy that polls Ctrl-C before every action (for loops without a token of their own).
struct Cancellable: Policy {
    let policy: any Policy
    let state: EngineState
    var observationSize: Int { policy.observationSize }
    var actionSize: Int { policy.actionSize }
    var canActInBatches: Bool { policy.canActInBatches }
    var world: String? { policy.world }
    func act(_ observation: [Float]) throws -> [Float] {
        try state.checkCancelled()
        return try policy.act(observation)
    }
    func act(batch observations: Tensor) throws -> Tensor {
        try state.checkCancelled()
        return try policy.act(batch: observations)
    }
    func restarted(seed: UInt64) -> any Policy { Cancellable(policy: policy.restarted(seed: seed), state: state) }
}

extension Arguments {
    /// Argument i as a policy acting in `env`: a policy value, a network or a function.
    /// Sizes are checked here, so a mismatch names the argument.
    func policy(_ i: Int, for env: any PhysicsEnvironment) throws -> any Policy {
        try enginePolicy(self[i], for: env, interpreter: interpreter, caller: name) { bad(i, $0) }
    }
}

/// `v` as a policy acting in `env` (see `Arguments.policy`); `fail` words an error about it.
func enginePolicy(_ v: Value, for env: any PhysicsEnvironment, interpreter: Interpreter, caller: String,
                  fail: (String) -> ScriptError) throws -> any Policy {
    let obs = env.observationSpace.size, act = env.actionSpace.size
    func fits(_ p: any Policy, _ what: String) throws -> any Policy {
        guard p.observationSize == obs, p.actionSize == act else {
            throw fail("\(what) maps \(p.observationSize) observations to \(p.actionSize) actions; \(env.name) has \(obs) and \(act)")
        }
        if let why = Worlds.mismatch(p, env) { throw fail(why) }
        return p
    }
    switch v {
    case .foreign(let p as PolicyValue):
        if let c = p.policy as? WaypointController, c.maze !== env as? PointMaze {
            throw fail("\(p.summary) steers its own maze's ball, not \(env.name)'s; make it with maze_controller(env)")
        }
        if p.policy is RandomPolicy, p.policy.actionSize != act {
            throw fail("\(p.summary) cannot act in \(env.name) (\(counted(act, "action")))")
        }
        return try fits(p.policy, p.summary)
    case .foreign(let n as NetworkValue):
        guard let mlp = n.module as? MLP else { return FunctionPolicy(function: v, interpreter: interpreter, environment: env, caller: caller) }
        return try fits(NetworkPolicy(network: n, observationSize: mlp.inputSize, actionSize: mlp.outputSize), n.summary)
    default:
        return FunctionPolicy(function: v, interpreter: interpreter, environment: env, caller: caller)
    }
}
