// `correct`: CDSA's corrector around a frozen policy, from given models or — the short
// form — from g, h and I trained on the policy's own dataset on first use and kept in
// the model cache; `diagnose` and `trace_correction` show where and how much it acts.

import Autodiff
import Correctors
import Foundation
import Language
import NeuralNet
import OfflineRL
import Simulation

extension CorrectorLibrary {
    static func correct(_ s: EngineState) -> Builtin {
        let p: [BuiltinParameter] = [
            .init("policy", .foreign("policy")), .init("g", .foreign("score model"), default: .nil),
            .init("h", .foreign("score model"), default: .nil), .init("inv", .foreign("inverse dynamics"), default: .nil),
            .init("k1", .number, default: .number(0.3)), .init("k2", .number, default: .number(0.1)),
            .init("scaling", .string, default: .string("tweedie")), .init("inverse_term", .string, default: .string("absolute")),
            .init("combination", .string, default: .string("add")), .init("steps", .integer, default: .number(1)),
            .init("sigma", .number, default: .nil), .init("low", .number, default: .number(-1)), .init("high", .number, default: .number(1)),
            .init("data", .foreign("dataset"), default: .nil), .init("model_steps", .integer, default: .number(Double(ScoreTrainer.paperSteps))),
            .init("seed", .integer, default: .number(0)), .init("cache", .bool, default: .bool(true)), .init("progress", .bool, default: .bool(true)),
        ]
        let at = Dictionary(uniqueKeysWithValues: p.enumerated().map { ($1.name, $0) })
        return Builtin("correct", p, doc: "CDSA's corrector around a frozen policy: a = clip(a0 + k1·σ²·g(s, a0) + k2·I(s, s + η·σ²·h(s, a0))), σ the models' smallest level. Models not given are trained on the policy's dataset (or data=) with model_steps and seed on first use, and kept in the model cache ($CDSA_CACHE, else ~/.cache/cdsa/models) under a hash of the data, config, seed and steps. Options: scaling \"tweedie\" or \"raw\", inverse_term \"absolute\" or \"delta\" (I − a0), combination \"add\" or \"blend\", steps repeated corrections. k1 = k2 = 0 gives the base's actions exactly, unclipped: the base itself, as sweep's base cell.") { a in
            let base = try a.object(0, PolicyValue.self, "policy").policy
            func option<T: RawRepresentable>(_ name: String, _ type: T.Type) throws -> T where T.RawValue == String {
                let text = try a.string(at[name]!)
                guard let v = T(rawValue: text) else { throw a.bad(at[name]!, "unknown \(name) \"\(text)\"") }
                return v
            }
            var c = Correction(k1: Float(try a.number(at["k1"]!)), k2: Float(try a.number(at["k2"]!)))
            c.scaling = try option("scaling", Correction.Scaling.self)
            c.inverseTerm = try option("inverse_term", Correction.InverseTerm.self)
            c.combination = try option("combination", Correction.Combination.self)
            c.steps = try a.integer(at["steps"]!)
            if case .number(let x) = a[at["sigma"]!] { c.sigma = Float(x) }
            (c.low, c.high) = (Float(try a.number(at["low"]!)), Float(try a.number(at["high"]!)))
            // Refused here, before any model trains, naming the argument; the corrector checks the same.
            if let problem = c.problem { throw a.bad(at[problem.field]!, problem.detail) }
            // Both asked for in one call: blend mixes I(s, ŝ) itself and would drop the delta unsaid.
            if c.combination == .blend, c.inverseTerm == .delta {
                throw a.bad(at["inverse_term"]!, "\"delta\" has no meaning with combination=\"blend\", which mixes I(s, ŝ) itself; leave one out")
            }

            var g = (foreign(a[at["g"]!]) as? ScoreModelValue)?.model, h = (foreign(a[at["h"]!]) as? ScoreModelValue)?.model
            var inv = (foreign(a[at["inv"]!]) as? InverseValue)?.model
            for (name, m) in [("g", g), ("h", h)] {
                if let m, m.target != (name == "g" ? .action : .state) {
                    throw a.bad(at[name]!, "\(name) must be \(name == "g" ? "an action" : "a state") score model (train_score(d, wrt=\"\(name == "g" ? "action" : "state")\")), got a\(m.target == .action ? "n" : "") \(m.target) one")
                }
            }
            if g != nil, h != nil, inv != nil, foreign(a[at["data"]!]) != nil {
                throw a.bad(at["data"]!, "g, h and inv are all given, so no model would learn from data; leave it out")
            }
            if g == nil || h == nil || inv == nil {
                let given = (foreign(a[at["data"]!]) as? DatasetValue)?.dataset
                let data = try given ?? policyDataset(base, a)
                if let world = base.world, let there = data.environmentName, Worlds.differentBodies(world, there) {
                    throw a.bad(at["data"]!, "the data are \(there)'s and the policy learned for \(world): models of another body would correct it")
                }
                let (steps, seed) = (try a.integer(at["model_steps"]!), UInt64(bitPattern: Int64(try a.integer(at["seed"]!))))
                let cache = try a.bool(at["cache"]!) ? ModelCache() : nil, progress = try a.bool(at["progress"]!)
                let out = a.interpreter.output
                func model(_ name: String) throws -> any Learner {
                    try cachedModel(name, data, steps: steps, seed: seed, cache: cache, progress: progress, output: out)
                }
                if g == nil { g = try (model("score_action") as! ScoreTrainer).model() }
                if h == nil { h = try (model("score_state") as! ScoreTrainer).model() }
                if inv == nil { inv = try (model("inverse") as! InverseTrainer).model() }
            }
            let corrector = try engine("correct") { try CDSACorrector(base: base, g: g!, h: h!, inverse: inv!, correction: c) }
            return .foreign(PolicyValue(corrector))
        }
    }

    static func foreign(_ v: Value) -> (any ForeignValue)? {
        if case .foreign(let f) = v { return f }
        return nil
    }

    /// The dataset a policy (or the policy inside a corrector) learned from, read again
    /// and checked against the hash it recorded.
    static func policyDataset(_ policy: any Policy, _ a: Arguments) throws -> Dataset {
        var p: any Policy = policy
        while true {
            switch p {
            case let r as RuleCorrector: p = r.base; continue
            case let c as ClippedPolicy: p = c.base; continue
            case let c as CDSACorrector: p = c.base; continue
            default: break
            }
            break
        }
        guard let actor = p as? ActorPolicy, let identity = actor.provenance.dataset else {
            throw ScriptError("correct: the policy does not record a dataset (it was loaded or made elsewhere); pass data=…, or g, h and inv")
        }
        guard FileManager.default.fileExists(atPath: identity.source) else {
            throw ScriptError("correct: the policy's dataset (\(identity.source)) is not a file here; pass data=…")
        }
        let d = try engine("correct") { try Dataset.load(identity.source) }
        guard try engine("correct", { try d.identity() }).sha256 == identity.sha256 else {
            throw ScriptError("correct: \(identity.source) changed since the policy learned from it (sha256 \(identity.sha256.prefix(8))…); pass data=… to use it as it is")
        }
        return d
    }

    /// Model `name` of `data` from the cache, or trained (and cached).
    static func cachedModel(_ name: String, _ data: Dataset, steps: Int, seed: UInt64, cache: ModelCache?, progress: Bool,
                            output: @escaping (String) -> Void) throws -> any Learner {
        let fresh = try engine(name) { try Models.make(name, dataset: data, config: "{}", seed: seed) }
        let file = (data.source as NSString).lastPathComponent
        func train() throws -> any Learner {
            output("training \(name) on \(file) (\(steps) steps, seed \(seed))\n")
            let loop = TrainingLoop(trainer: fresh, options: TrainingOptions(steps: steps), seed: seed,
                                    progress: progress ? ConsoleProgress() : nil, cancellation: .interrupt)
            try engine(name) { try loop.train() }
            return fresh
        }
        guard let cache else { return try train() }
        let identity = try engine(name) { try data.identity() }
        let key = ModelCache.key(dataset: identity, model: name, config: fresh.configJSON, seed: seed, steps: steps)
        return try engine(name) {
            try cache.model(key: key, decode: { file, _ in
                var state = TrainingState()
                state.tensors = file.tensors
                state.values = file.metadata
                try fresh.restore(from: state)
                fresh.step = steps
                return fresh
            }, encode: { learner in
                var state = TrainingState()
                try learner.save(into: &state)
                return SafeTensors(tensors: state.tensors, metadata: state.values)
            }, train: train) { event in
                // Entries are named by key (the folder is $CDSA_CACHE or ~/.cache/cdsa/models).
                let entry = "entry \(key.prefix(12))…"
                switch event {
                case .hit: output("cache hit: \(name) on \(file) (\(entry))\n")
                case .miss: output("cached \(name) (\(entry))\n")
                case .rejected(_, let reason): output("cache \(entry) was bad (\(reason)); \(name) retrained and replaced\n")
                }
            }
        }
    }
}

extension CorrectorLibrary {
    static func corrector(_ a: Arguments, _ caller: String) throws -> CDSACorrector {
        let p = try a.object(0, PolicyValue.self, "policy")
        guard let c = p.policy as? CDSACorrector else { throw a.bad(0, "a corrector made by correct(…) expected, got \(p.summary)") }
        return c
    }

    static var diagnose: Builtin {
        Builtin("diagnose", [.init("policy", .foreign("policy")), .init("states")],
                doc: "How much a corrector from correct(…) acts on a batch of states [n, S] (e.g. d.observations[0:2000]): {median_change (median |a − a0| over components), pushed_to_bound (share of components the correction puts on a bound where a0 was not), action_step and state_step (median ‖σ²g‖, ‖η·σ²h‖), a0, a}.") { a in
            let c = try corrector(a, "diagnose")
            let states = try a.tensor(1)
            let s = try engine("diagnose") { try c.summary(states: states.rank == 1 ? states.reshaped([1, -1]) : states) }
            return .record(Record([
                "median_change": .number(shortest(s.medianChange)), "pushed_to_bound": .number(shortest(s.pushedToBound)),
                "action_step": .number(shortest(s.actionStep)), "state_step": .number(shortest(s.stateStep)),
                "a0": .tensor(s.diagnostics.baseActions), "a": .tensor(s.diagnostics.actions),
            ]))
        }
    }

    static var traceCorrection: Builtin {
        Builtin("trace_correction", [.init("policy", .foreign("policy")), .init("env", .foreign("environment")), .init("seed", .integer, default: .number(0))],
                doc: "One episode of a corrector from correct(…) in env, step by step: {states, a0, a (tensors [T, …]), change (‖a − a0‖ per step), action_step, state_step (‖σ²g‖, ‖η·σ²h‖ per step), rewards, return, length} — where along a trajectory the correction acts.") { a in
            let c = try corrector(a, "trace_correction")
            let e = try a.object(1, EnvironmentValue.self, "environment")
            let seed = UInt64(bitPattern: Int64(try a.integer(2)))
            let t = try engine("trace_correction") { try c.trace(in: e.env.duplicate(), seed: seed) }
            func matrix(_ rows: [[Float]], width: Int) throws -> Value {
                .tensor(try Tensor(shape: [rows.count, width], scalars: rows.flatMap { $0 }))
            }
            return .record(Record([
                "states": try matrix(t.states, width: c.observationSize), "a0": try matrix(t.baseActions, width: c.actionSize),
                "a": try matrix(t.actions, width: c.actionSize), "change": .tensor(Tensor(t.changes)),
                "action_step": .tensor(Tensor(t.actionSteps)), "state_step": .tensor(Tensor(t.stateSteps)),
                "rewards": .tensor(Tensor(t.rewards.map(Float.init))), "return": .number(t.episodeReturn),
                "length": .number(Double(t.rewards.count)),
            ]))
        }
    }
}
