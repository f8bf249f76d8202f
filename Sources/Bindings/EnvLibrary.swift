// The environment library: `env` (the MuJoCo worlds and the point maze, by registry name
// or D4RL dataset name), `reset`, `random_policy`, `rollout`, `collect` and D4RL's
// `normalized_score`. `step(env, action)` shares the one `step` built-in with the
// optimisers (NetworkLibrary), which dispatches here on its first argument.

import Autodiff
import Foundation
import Language
import OfflineRL
import Simulation

enum EnvLibrary {
    static func library(_ s: EngineState) -> Library {
        Library(name: "env", entries: [make, reset(s), randomPolicy(s), rollout(s), collect(s), normalizedScore] + mazeEntries(s))
    }

    static func world(_ name: String) throws -> any PhysicsEnvironment {
        guard Worlds.canonical(name) != nil else {
            var message = "env: unknown environment '\(name)'"
            let guess = Resolver.closest(to: name.lowercased(), in: Set(Worlds.names))
            if let guess { message += " (did you mean '\(guess)'?)" }
            throw ScriptError(message + "; known: \(Worlds.names.joined(separator: ", ")), or a D4RL dataset name like hopper-medium-v2")
        }
        return try engine("env") { try Worlds.make(name) }
    }

    static var make: Builtin {
        Builtin("env", [.init("name", .either([.string, .foreign("dataset")]))],
                doc: "An environment by name (hopper, walker2d, halfcheetah, ant, antmaze-umaze, pointmaze-umaze-dense…, or a D4RL dataset name such as hopper-medium-v2), or a dataset's own environment.") { a in
            guard case .foreign(let d as DatasetValue) = a[0] else { return .foreign(EnvironmentValue(try world(try a.string(0)))) }
            guard let name = d.dataset.environmentName else { throw a.bad(0, "the dataset does not name its environment") }
            return .foreign(EnvironmentValue(try world(name)))
        }
    }

    static func reset(_ s: EngineState) -> Builtin {
        Builtin("reset", [.init("env", .foreign("environment")), .init("seed", .integer, default: .nil)],
                doc: "Start an episode and return its first observation; seed fixes the reset noise (and a maze's goal), else the session's generator draws it.") { a in
            let e = try a.object(0, EnvironmentValue.self, "environment")
            try e.checkIdle("reset")
            let seed = try a.optionalInteger(1).map { UInt64(bitPattern: Int64($0)) } ?? s.drawSeed()
            let observation = try engine("reset") { try e.env.reset(seed: seed) }
            (e.observation, e.elapsed, e.ended) = (observation, 0, nil)
            return .tensor(Tensor(observation))
        }
    }

    /// `step(env, action)`: one environment step as {observation, reward, terminated, truncated}.
    static func step(_ a: Arguments, _ e: EnvironmentValue) throws -> Value {
        try e.checkIdle("step")
        guard e.observation != nil else {
            let since = e.drivenBy.map { " since \($0) used it" } ?? ""
            throw ScriptError("step: \(e.env.name) has not been reset\(since); call reset(env) first")
        }
        if let ended = e.ended { throw ScriptError("step: the episode is over (\(ended)); call reset(env) to start another") }
        let act = try action(a[1], for: e.env) { a.bad(1, $0) }
        let r: Step
        do { r = try engine("step") { try e.env.step(act) } } catch {
            e.ended = "the simulator failed"
            throw error
        }
        e.elapsed += 1
        let truncated = r.truncated || e.elapsed >= e.env.maxEpisodeSteps
        e.observation = r.observation
        if r.terminated { e.ended = "terminated after \(counted(e.elapsed, "step"))" }
        else if truncated { e.ended = "truncated at the \(e.env.maxEpisodeSteps)-step limit" }
        return .record(Record(["observation": .tensor(Tensor(r.observation)), "reward": .number(r.reward),
                               "terminated": .bool(r.terminated), "truncated": .bool(truncated)]))
    }

    /// An action checked against `env`'s action space: `size` finite numbers, as a vector,
    /// one batch row [1, size], or a number when size is 1. `fail` words the error.
    static func action(_ v: Value, for env: any Environment, _ fail: (String) -> ScriptError) throws -> [Float] {
        let size = env.actionSpace.size
        guard let t = (try? tensorLike(v)) ?? nil else { throw fail("\(env.name) takes actions of shape [\(size)], got \(v.typeName)") }
        guard t.count == size, t.rank <= 1 || (t.rank == 2 && t.shape[0] == 1) else {
            throw fail("\(env.name) takes actions of shape [\(size)], got \(t.shape)")
        }
        let xs = t.scalars
        if let i = xs.firstIndex(where: { !$0.isFinite }) { throw fail("action[\(i)] is \(Value.float(xs[i]).repr), not a finite number") }
        return xs
    }

    static func randomPolicy(_ s: EngineState) -> Builtin {
        Builtin("random_policy", [.init("env", .foreign("environment")), .init("seed", .integer, default: .nil)],
                doc: "A policy of uniform random actions within env's action bounds, seeded from the session's generator unless seed is given. Called directly it draws from its own stream; rollout, evaluate and collect restart it from its seed mixed with theirs.") { a in
            let e = try a.object(0, EnvironmentValue.self, "environment")
            let seed = try a.optionalInteger(1).map { UInt64(bitPattern: Int64($0)) } ?? s.drawSeed()
            return .foreign(PolicyValue(RandomPolicy(observationSize: e.env.observationSpace.size, actionSpace: e.env.actionSpace, seed: seed),
                                        environment: e.env.name))
        }
    }

    static func rollout(_ s: EngineState) -> Builtin {
        Builtin("rollout", [.init("env", .foreign("environment")), .init("policy", .function),
                            .init("episodes", .integer, default: .number(10)), .init("seed", .integer, default: .number(0))],
                doc: "Run episodes of policy in env one after another, each reset with a seed drawn from seed; returns {returns, lengths, mean, std, score}, score being D4RL's normalised mean (nil without reference returns). evaluate runs them side by side and reports more.") { a in
            let e = try a.object(0, EnvironmentValue.self, "environment")
            let episodes = try a.positive(2)
            let seed = UInt64(bitPattern: Int64(try a.integer(3)))
            let policy = try a.policy(1, for: e.env)
            let r = try e.driven(by: "rollout") {
                try engine("rollout") { try evaluate(policy, in: e.env, episodes: episodes, seed: seed, parallel: 1, cancellation: s.cancellation) }
            }
            return .record(Record(["returns": .tensor(Tensor(r.returns.map { Float($0) })), "lengths": .tensor(Tensor(r.lengths.map { Float($0) })),
                                   "mean": .number(r.mean), "std": .number(r.std), "score": r.score.map { .number($0) } ?? .nil]))
        }
    }

    /// More than D4RL's largest datasets (2M steps), with room to spare.
    static let maxCollectSteps = 10_000_000

    static func collect(_ s: EngineState) -> Builtin {
        Builtin("collect", [.init("env", .foreign("environment")), .init("policy", .function), .init("steps", .integer),
                            .init("seed", .integer, default: .number(0)), .init("path", .string, default: .nil)],
                doc: "Record steps transitions of policy in env as a dataset (D4RL's terminals, timeouts and infos/qpos, infos/qvel); with path, also write it there as D4RL HDF5, atomically.") { a in
            let e = try a.object(0, EnvironmentValue.self, "environment")
            let steps = try a.positive(2)
            guard steps <= maxCollectSteps else { throw a.bad(2, "at most \(maxCollectSteps) steps expected, got \(steps)") }
            let seed = UInt64(bitPattern: Int64(try a.integer(3)))
            var path: String?
            if case .string(let p) = a[4] { path = p }
            let policy = Cancellable(policy: try a.policy(1, for: e.env).restarted(seed: seed), state: s)
            let dataset = try e.driven(by: "collect") {
                try engine("collect") {
                    guard let path else { return try OfflineRL.collect(env: e.env, policy: policy, steps: steps, seed: seed) }
                    return try OfflineRL.collect(env: e.env, policy: policy, steps: steps, seed: seed, to: path)
                }
            }
            return .foreign(DatasetValue(dataset))
        }
    }

    static var normalizedScore: Builtin {
        Builtin("normalized_score", [.init("task", .either([.string, .foreign("environment")])), .init("return")],
                doc: "D4RL's normalised score 100·(R − R_random)/(R_expert − R_random) of a return, or of a tensor or list of them (a list of numbers gives a list), for an environment or task name.") { a in
            var task = ""
            if case .foreign(let e as EnvironmentValue) = a[0] { task = e.env.name } else { task = try a.string(0) }
            let ref = try engine("normalized_score") { try Worlds.reference(for: task) }
            let scale = ref.normalized
            if case .number(let r) = a[1] { return .number(scale(r)) }
            // A list of numbers stays a list, in double precision (as the numbers it holds).
            if case .list(let l) = a[1], case let xs = l.items.compactMap({ v -> Double? in if case .number(let x) = v { x } else { nil } }),
               xs.count == l.items.count {
                return .list(List(xs.map { .number(scale($0)) }))
            }
            guard let t = (try? tensorLike(a[1])) ?? nil else {
                throw a.bad(1, "number or tensor of returns expected, got \(a[1].typeName)")
            }
            return .tensor(try engine("normalized_score") { try Tensor(shape: t.shape, scalars: t.scalars.map { Float(scale(Double($0))) }) })
        }
    }
}
