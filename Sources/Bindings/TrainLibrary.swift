// The training library: one built-in per algorithm (bc, td3bc, iql, por, sac) whose
// keyword parameters are the algorithm's config fields with the defaults its Config type
// holds — read from there, never restated — plus `resume` for run folders, `evaluate`
// (a report value), `load_policy` for weights from elsewhere and `stochastic` for a
// Gaussian policy that samples.

import Autodiff
import Foundation
import Language
import NeuralNet
import OfflineRL
import Simulation

enum TrainLibrary {
    static func library(_ s: EngineState) -> Library {
        Library(name: "train", entries: [
            algorithm("bc", doc: "Behaviour cloning (top_fraction=0.1 is 10%BC) on a dataset; returns the trained policy.",
                      defaults: BC.Config(), s),
            algorithm("td3bc", doc: "TD3+BC (Fujimoto & Gu 2021) on a dataset, as CORL's td3_bc.py; returns the trained policy.",
                      defaults: TD3BC.Config(), s),
            algorithm("iql", doc: "Implicit Q-Learning (Kostrikov et al. 2022) on a dataset, as CORL's iql.py: expectile V, twin Q, advantage-weighted Gaussian actor with a cosine rate; expectile and beta nil pick 0.7/3 (0.9/10 for AntMaze). Returns the mean-action policy.",
                      defaults: IQL.Config(), s),
            algorithm("por", doc: "Policy-guided Offline RL (Xu et al. 2022) on a dataset, as the authors' code: expectile V, a guide s → s′ (variant residual or q) and an execute policy (s, s′) → a acting on the guide's mean; variant, expectile and alpha nil pick the code's per-dataset choices.",
                      defaults: POR.Config(), s),
            algorithm("sac", doc: "Soft Actor-Critic with automatic entropy tuning (Haarnoja et al. 2018), online in env; returns the deterministic policy tanh(mean).",
                      defaults: SAC.Config(), source: "env", s),
            resume(s), evaluateBuiltin(s), finalScore, loadPolicy, stochastic(s),
        ])
    }

    /// The run options every algorithm takes, before its config fields.
    static var runParameters: [BuiltinParameter] { [
        .init("steps", .integer, default: .number(100_000)), .init("seed", .integer, default: .nil),
        .init("run", .string, default: .nil), .init("env", .foreign("environment"), default: .nil),
        .init("evaluate_every", .integer, default: .number(0)), .init("episodes", .integer, default: .number(10)),
        .init("log_every", .integer, default: .number(1000)), .init("checkpoint_every", .integer, default: .number(10_000)),
        .init("keep_every", .integer, default: .number(0)), .init("resume", .bool, default: .bool(false)),
        .init("progress", .bool, default: .bool(true)),
    ] }

    /// A config's fields as keyword parameters, in declaration order: names as its JSON
    /// spells them (snake_case), kinds from the Swift types (a Double field whose default
    /// is whole still takes any number), defaults from `Config()` itself.
    static func configParameters<C: Codable>(_ config: C) -> [BuiltinParameter] {
        let json = (try? ConfigCoding.fields(config)) ?? [:]
        return Mirror(reflecting: config).children.compactMap { child in
            guard let label = child.label,
                  let key = json.keys.first(where: { $0.replacingOccurrences(of: "_", with: "") == label.lowercased() }) else { return nil }
            switch child.value {
            case let x as Int: return .init(key, .integer, default: .number(Double(x)))
            case let x as Double: return .init(key, .number, default: .number(x))
            case let x as Float: return .init(key, .number, default: .number(shortest(x)))
            case let x as Bool: return .init(key, .bool, default: .bool(x))
            case let x as String: return .init(key, .string, default: .string(x))
            case let xs as [Int]: return .init(key, .list, default: .list(List(xs.map { .number(Double($0)) })))
            case let xs as [Double]: return .init(key, .list, default: .list(List(xs.map { .number($0) })))
            case let xs as [Float]: return .init(key, .list, default: .list(List(xs.map { .number(shortest($0)) })))
            default:
                // An enum of names (Codable by raw value) or an optional: the JSON default.
                if let name = json[key] as? String { return .init(key, .string, default: .string(name)) }
                return .init(key, .any, default: .nil)
            }
        }
    }

    /// `name(data, steps=…, seed=…, run=…, …, <config fields>)`; an online algorithm
    /// (`source: "env"`) takes the environment first and evaluates in a copy of it.
    static func algorithm<C: Codable>(_ name: String, doc: String, defaults: C, source: String = "data", _ s: EngineState) -> Builtin {
        let fields = configParameters(defaults)
        let names = fields.map(\.name)
        let online = source == "env"
        let first: BuiltinParameter = online ? .init("env", .foreign("environment")) : .init("data", .foreign("dataset"))
        let parameters = [first] + runParameters.filter { !online || $0.name != "env" } + fields
        let at = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { ($1.name, $0) })
        return Builtin(name, parameters, doc: doc) { a in
            var config: [String: Any] = [:]
            for field in names { config[field] = try json(a[at[field]!]) }
            let configJSON = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
            let resume = try a.bool(at["resume"]!)
            let givenSeed = try a.optionalInteger(at["seed"]!)
            if resume {
                guard case .string = a[at["run"]!], givenSeed != nil else {
                    throw a.bad(at["resume"]!, "resume=true continues the run in a folder: it needs run=… and an explicit seed=…")
                }
            }
            let seed = givenSeed.map { UInt64(bitPattern: Int64($0)) } ?? s.drawSeed()
            var options = TrainingOptions(steps: try a.integer(at["steps"]!))
            options.evaluateEvery = try a.integer(at["evaluate_every"]!)
            options.evaluationEpisodes = try a.positive(at["episodes"]!)
            options.logEvery = try a.positive(at["log_every"]!)
            options.checkpointEvery = try a.positive(at["checkpoint_every"]!)
            options.keepPoliciesEvery = try a.integer(at["keep_every"]!)
            try engine(name) { try options.validate() }

            let trainingSource: TrainingSource
            var environment: (any PhysicsEnvironment)?
            if online {
                let e = try a.object(0, EnvironmentValue.self, "environment")
                trainingSource = .environment(e.env)
                environment = e.env
            } else {
                if case .foreign(let e as EnvironmentValue) = a[at["env"]!] { environment = e.env }
                let d = try a.object(0, DatasetValue.self, "dataset")
                trainingSource = .dataset(d.dataset)
                if environment == nil, options.evaluateEvery > 0 {
                    guard let envName = d.dataset.environmentName else {
                        throw a.bad(at["evaluate_every"]!, "periodic evaluation needs env=…: the dataset names no environment")
                    }
                    environment = try EnvLibrary.world(envName)
                }
            }
            let trainer = try engine(name) { try Algorithms.make(name, source: trainingSource, config: configJSON, seed: seed) }
            var folder: RunFolder?
            if case .string(let path) = a[at["run"]!] {
                var dataset: DatasetIdentity?
                if case .dataset(let d) = trainingSource { dataset = try engine(name) { try d.identity() } }
                let manifest = RunManifest(algorithm: trainer.algorithm, config: trainer.configJSON, seed: seed, options: options,
                                           dataset: dataset, environment: environment?.name, versions: s.versions,
                                           commandLine: s.commandLine)
                folder = try engine(name) {
                    resume ? try RunFolder.createOrContinue(path, manifest: manifest) : try RunFolder.create(path, manifest: manifest)
                }
            }
            return try train(name, trainer, options: options, seed: seed, folder: folder, environment: environment,
                             progress: try a.bool(at["progress"]!), s)
        }
    }

    static func train(_ name: String, _ trainer: any Trainer, options: TrainingOptions, seed: UInt64, folder: RunFolder?,
                      environment: (any PhysicsEnvironment)?, progress: Bool, _ s: EngineState) throws -> Value {
        let loop = TrainingLoop(trainer: trainer, options: options, seed: seed, folder: folder,
                                evaluationEnvironment: try environment.map { env in try engine(name) { try env.duplicate() } },
                                progress: progress ? ConsoleProgress() : nil, cancellation: s.cancellation)
        loop.versions = s.versions
        try engine(name) { try loop.restoreCheckpoint() }
        return .foreign(PolicyValue(try engine(name) { try loop.run() }))
    }

    /// A cdsa value as JSON for a config field.
    static func json(_ v: Value) throws -> Any {
        switch v {
        case .number(let x): return x == x.rounded() && abs(x) < 1e15 ? NSNumber(value: Int(x)) : NSNumber(value: x)
        case .bool(let b): return b
        case .string(let s): return s
        case .list(let l): return try l.items.map(json)
        case .nil: return NSNull()
        default: throw ScriptError("a config value must be a number, bool, string or list, got \(v.typeName)")
        }
    }

    static func resume(_ s: EngineState) -> Builtin {
        Builtin("resume", [.init("run", .string), .init("steps", .integer, default: .nil), .init("progress", .bool, default: .bool(true))],
                doc: "Continue the training run in folder run from its last checkpoint (to steps updates in all, if given): the numbers are those of one run that never stopped (under the versions and OpenBLAS kernels it ran under: under others it goes on, says so and records it in manifest.json). Returns the policy.") { a in
            let folder = try engine("resume") { try RunFolder.open(try a.string(0)) }
            let m = folder.manifest
            if let steps = try a.optionalInteger(1) {
                guard steps >= 0 else { throw a.bad(1, "non-negative step count expected, got \(steps)") }
                try engine("resume") { try folder.extend(to: steps) }
            }
            let source: TrainingSource
            if let d = m.dataset {
                guard FileManager.default.fileExists(atPath: d.source) else {
                    throw ScriptError("resume: the run's dataset \(d.source) is not a file here (it was made in memory, or moved); the run cannot continue without it")
                }
                let dataset = try engine("resume") { try Dataset.load(d.source) }
                let now = try engine("resume") { try dataset.identity() }
                guard now.sha256 == d.sha256 else {
                    throw ScriptError("resume: \(d.source) changed since the run started (sha256 \(d.sha256.prefix(12))… then, \(now.sha256.prefix(12))… now)")
                }
                source = .dataset(dataset)
            } else {
                guard let name = m.environment else { throw ScriptError("resume: the manifest names neither a dataset nor an environment") }
                source = .environment(try EnvLibrary.world(name))
            }
            let environment = try m.environment.map { try EnvLibrary.world($0) }
            let trainer = try engine("resume") { try Algorithms.make(m.algorithm, source: source, config: m.config, seed: m.seed) }
            return try train("resume", trainer, options: folder.manifest.options, seed: m.seed, folder: folder,
                             environment: environment, progress: try a.bool(2), s)
        }
    }

    static func evaluateBuiltin(_ s: EngineState) -> Builtin {
        Builtin("evaluate", [.init("policy", .function), .init("env", .foreign("environment")),
                             .init("episodes", .integer, default: .number(10)), .init("seed", .integer, default: .number(0)),
                             .init("parallel", .integer, default: .number(16))],
                doc: "Run episodes of policy in env, up to parallel of them side by side with one batched forward pass per step; returns a report. Fields in returns: returns, mean, std; in normalised scores (nil without references): scores, score, score_std; var and cvar (VaR10, CVaR10) normalised where the environment has references, else returns; lengths. Stds divide by n.") { a in
            let e = try a.object(1, EnvironmentValue.self, "environment")
            let episodes = try a.positive(2), parallel = try a.positive(4)
            let seed = UInt64(bitPattern: Int64(try a.integer(3)))
            let policy = try a.policy(0, for: e.env)
            let report = try e.driven(by: "evaluate") {
                try engine("evaluate") { try evaluate(policy, in: e.env, episodes: episodes, seed: seed, parallel: parallel, cancellation: s.cancellation) }
            }
            return .foreign(ReportValue(report))
        }
    }

    static var finalScore: Builtin {
        Builtin("final_score", [.init("run", .string), .init("last", .integer, default: .number(10)), .init("partial", .bool, default: .bool(false))],
                doc: "The seed's protocol for a run folder: mean and std (dividing by n) of its last periodic evaluations' normalised scores (returns without references), as {mean, std, scores, steps}. A run short of its steps is refused unless partial=true.") { a in
            let folder = try engine("final_score") { try RunFolder.open(try a.string(0)) }
            let (steps, values, _) = try engine("final_score") { try folder.finalEvaluations(try a.positive(1), partial: try a.bool(2)) }
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            return .record(Record(["mean": .number(mean), "std": .number(std), "scores": .list(List(values.map { .number($0) })),
                                   "steps": .list(List(steps.map { .number(Double($0)) }))]))
        }
    }

    static func stochastic(_ s: EngineState) -> Builtin {
        Builtin("stochastic", [.init("policy", .foreign("policy")), .init("seed", .integer, default: .nil)],
                doc: "The same Gaussian policy (sac's) drawing its actions tanh(mean + std * noise) instead of acting with its mean, as D4RL's data was collected; seeded from the session's generator unless seed is given, and restarted by rollout, evaluate and collect from its seed mixed with theirs.") { a in
            let v = try a.object(0, PolicyValue.self, "policy")
            guard let p = v.policy as? ActorPolicy, p.head == .tanhGaussian else {
                throw a.bad(0, "\(v.summary) has no distribution to sample (only sac's tanh-Gaussian actor keeps one in its policy; iql's acts with its mean)")
            }
            let seed = try a.optionalInteger(1).map { UInt64(bitPattern: Int64($0)) } ?? s.drawSeed()
            return .foreign(PolicyValue(try engine("stochastic") { try p.with(sampling: true, seed: seed) }))
        }
    }

    static var loadPolicy: Builtin {
        Builtin("load_policy", [.init("path", .string), .init("activation", .string, default: .string("relu")),
                                .init("out", .string, default: .string("identity")), .init("head", .integer, default: .nil),
                                .init("normalizer", .record, default: .nil), .init("prefix", .string, default: .nil)],
                doc: "A policy from PyTorch-named safetensors (an nn.Sequential MLP, weights [out, in]): activation between layers, out on the output, head = the action count when the last layer emits [mean, log_std], normalizer = {mean, std} applied to observations. A cdsa policy file loads as saved; a cdsa network file is refused (load(path) gives it back as saved).") { a in
            let path = try a.string(0)
            let file = try engine("load_policy") { try SafeTensors.read(from: path) }
            if PolicyFile.describes(file) { return .foreign(PolicyValue(try engine("load_policy") { try PolicyFile.decode(file, source: path) })) }
            // A cdsa network records its activation, output and normaliser; read as bare
            // PyTorch weights with this call's defaults it would act otherwise.
            if Checkpoint.describes(file) {
                throw ScriptError("load_policy: \(path) is a cdsa network: load(\"\(path)\") gives it back as saved (activation, output, normaliser), and a network acts as a policy")
            }
            var normalizer: Normalizer?
            if case .record(let r) = a[4] {
                guard let m = r["mean"].flatMap({ (try? tensorLike($0)) ?? nil }), let sd = r["std"].flatMap({ (try? tensorLike($0)) ?? nil }),
                      m.count == sd.count, m.rank <= 1, sd.rank <= 1 else {
                    throw a.bad(4, "a record {mean, std} of two equal-length vectors expected")
                }
                normalizer = try engine("load_policy") { try Normalizer(mean: m.reshaped([-1]), std: sd.reshaped([-1])) }
            }
            var prefix: String?
            if case .string(let p) = a[5] { prefix = p }
            let policy = try engine("load_policy") {
                try ForeignWeights.policy(file, source: path, activation: try a.activation(1), out: try a.activation(2),
                                          head: try a.optionalInteger(3), normalizer: normalizer, prefix: prefix)
            }
            return .foreign(PolicyValue(policy))
        }
    }
}

/// An evaluation report as a value: prints its one line, fields for everything in it.
final class ReportValue: ForeignValue {
    let report: EvaluationReport
    init(_ report: EvaluationReport) { self.report = report }

    var typeName: String { "report" }
    var summary: String { report.description }
    var fieldNames: [String] {
        ["env", "episodes", "returns", "lengths", "mean", "std", "score", "score_std", "scores", "var", "cvar", "seed"]
    }

    func field(_ name: String) throws -> Value? {
        let r = report
        func normalized(_ x: Double) -> Value { .number(r.reference?.normalized(x) ?? x) }
        switch name {
        case "env": return .string(r.environment)
        case "episodes": return .number(Double(r.episodes))
        case "returns": return .tensor(Tensor(r.returns.map { Float($0) }))
        case "lengths": return .tensor(Tensor(r.lengths.map { Float($0) }))
        case "mean": return .number(r.mean)
        case "std": return .number(r.std)
        case "score": return r.score.map { .number($0) } ?? .nil
        case "score_std": return r.scoreStd.map { .number($0) } ?? .nil
        case "scores": return r.scores.map { .tensor(Tensor($0.map { Float($0) })) } ?? .nil
        case "var": return normalized(r.valueAtRisk)
        case "cvar": return normalized(r.conditionalValueAtRisk)
        case "seed": return .number(Double(Int64(bitPattern: r.seed)))
        default: return nil
        }
    }
}
