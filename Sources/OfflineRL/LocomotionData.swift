import Autodiff
import Foundation
import NeuralNet
import Simulation

/// cdsa's own recreation of D4RL's MuJoCo locomotion datasets, made the way D4RL made
/// them (Fu et al. 2020, "D4RL: Datasets for Deep Data-Driven Reinforcement Learning",
/// §5 and appendix C) in cdsa's gymnasium-faithful worlds: SAC trained online gives an
/// expert policy and an earlier "medium" one (about a third of the expert's return); each
/// dataset is a million steps of a policy acting with its own stochastic sampling:
///
/// - random: uniformly random actions;
/// - medium, expert: the medium / expert SAC policy, sampling;
/// - medium-replay: every transition of SAC's replay buffer up to the medium policy;
/// - medium-expert: medium and expert, concatenated.
///
/// They are not D4RL's files — those need mujoco-py and MuJoCo 2.0 — and every summary
/// says so. The behaviour policies ship with cdsa (stdlib/behaviour/<world>-<level>.safetensors);
/// a dataset is made from them on first use, deterministically: the same policy files
/// and seeds give byte-identical files under the same OpenBLAS kernel set (another sums
/// in another order: `Freshness.otherArithmetic`).
public enum LocomotionData {
    public static let worlds = ["hopper", "walker2d", "halfcheetah"]

    public enum Kind: String, CaseIterable, Sendable {
        case random, medium, expert
        case mediumReplay = "medium-replay"
        case mediumExpert = "medium-expert"
    }

    /// Transitions per random, medium and expert dataset, as D4RL's.
    public static let steps = 1_000_000

    /// The seed `collect` draws episode resets from, and the policy's sampling seed, per kind.
    static func seeds(_ kind: Kind) -> (episodes: UInt64, policy: UInt64) {
        switch kind {
        case .random: (100, 101)
        case .medium: (200, 201)
        case .expert: (300, 301)
        case .mediumReplay, .mediumExpert: (0, 0)   // made from the others
        }
    }

    /// The (world, kind) a name means: "hopper-medium", "hopper-medium-replay-v2",
    /// "Walker2d-expert", "halfcheetah_random". Nil for any other name.
    public static func parse(_ name: String) -> (world: String, kind: Kind)? {
        let key = ReferenceScores.droppingVersion(name.lowercased().replacingOccurrences(of: "_", with: "-"))
        for world in worlds + ["half-cheetah"] where key.hasPrefix(world + "-") {
            guard let kind = Kind(rawValue: String(key.dropFirst(world.count + 1))) else { return nil }
            return (world == "half-cheetah" ? "halfcheetah" : world, kind)
        }
        return nil
    }

    /// Where made datasets live: $CDSA_DATA, else ~/.cache/cdsa/data.
    public static var folder: String {
        if let custom = ProcessInfo.processInfo.environment["CDSA_DATA"], !custom.isEmpty { return custom }
        return NSHomeDirectory() + "/.cache/cdsa/data"
    }

    public static func path(_ world: String, _ kind: Kind, in folder: String = folder) -> String {
        folder + "/\(world)-\(kind.rawValue).hdf5"
    }

    /// The behaviour policy file for a world's medium or expert level.
    public static func policyPath(_ world: String, _ level: Kind, in behaviour: String) -> String {
        behaviour + "/\(world)-\(level.rawValue).safetensors"
    }

    /// Makes the dataset and writes it (atomically) to `path`. `behaviour` is the folder of
    /// behaviour policies; medium-replay retrains the medium policy's SAC run to its step
    /// (deterministic, so the buffer is the one that run had).
    @discardableResult
    public static func make(_ world: String, _ kind: Kind, behaviour: String, to path: String, steps: Int = steps,
                            progress: (any ProgressReporter)? = nil, cancellation: CancellationToken? = nil) throws -> Dataset {
        let env = try Worlds.make(world)
        let title = "\(world)-\(kind.rawValue)"
        var dataset: Dataset
        switch kind {
        case .random, .medium, .expert:
            let (collected, behaviourPolicy) = try collected(world, kind, env: env, behaviour: behaviour, steps: steps, progress: progress,
                                                             cancellation: cancellation)
            dataset = collected
            let how = behaviourPolicy.map { "\($0), sampling" } ?? "uniform random actions"
            dataset.recipe = "cdsa's recreation of D4RL's \(title) by its recipe (\(how)), not D4RL's file"
        case .mediumReplay:
            let medium = try policy(world, .medium, in: behaviour)
            let origin = medium.provenance
            guard let trained = origin.steps, let seed = origin.seed, let config = origin.config else {
                throw DatasetError.invalidArgument("\(policyPath(world, .medium, in: behaviour)) does not record the run that made it")
            }
            // Hours of retraining could not give the same weights under another kernel set.
            if let kernels = origin.kernels, kernels.lowercased() != BLAS.coreName.lowercased() {
                throw DatasetError.invalidArgument("\(title) retrains the medium policy's \(origin.algorithm) run, which computed with OpenBLAS's \(kernels) kernels; this cdsa uses \(BLAS.coreName) (`cdsa kernels`), so it cannot reproduce it")
            }
            let trainer = try Algorithms.make(origin.algorithm, source: .environment(env), config: config, seed: seed)
            guard let replay = trainer as? ExperienceSource else {
                throw DatasetError.invalidArgument("a \(origin.algorithm) run keeps no replay buffer to make \(title) from")
            }
            var options = TrainingOptions(steps: trained)
            options.logEvery = 10_000
            options.checkpointEvery = max(1, min(10_000, trained / 10))
            // Hours for walker2d: the retrain checkpoints beside the dataset, so an
            // interrupted make continues where it stopped; the folder goes with success.
            let retrain = retrainFolder(for: path)
            let manifest = RunManifest(algorithm: origin.algorithm, config: trainer.configJSON, seed: seed, options: options,
                                       dataset: nil, environment: world, versions: [:], commandLine: [])
            let folder: RunFolder
            do { folder = try RunFolder.createOrContinue(retrain, manifest: manifest) } catch {
                try? FileManager.default.removeItem(atPath: retrain)   // another recipe's: of no use
                folder = try RunFolder.create(retrain, manifest: manifest)
            }
            let loop = TrainingLoop(trainer: trainer, options: options, seed: seed, folder: folder, progress: progress,
                                    cancellation: cancellation)
            try loop.restoreCheckpoint()
            if trainer.step > 0 {
                FileHandle.standardError.write(Data("\(title): its \(origin.algorithm) retrain continues from step \(trainer.step) of \(trained) (\(retrain))\n".utf8))
            }
            let again: ActorPolicy
            do { again = try loop.run() } catch TrainingError.interrupted(let step, let total, _) {
                throw DatasetError.invalidArgument("making \(title) interrupted at step \(step) of \(total) of its \(origin.algorithm) retrain; making it again continues from there")
            }
            guard again.actor.parameters.map(\.value.scalars) == medium.actor.parameters.map(\.value.scalars) else {
                try? FileManager.default.removeItem(atPath: retrain)   // so that a retry starts afresh
                throw DatasetError.invalidArgument("retraining \(origin.algorithm) to step \(trained) did not reproduce the medium policy (another cdsa build, CPU or OpenBLAS kernel set — `cdsa kernels`?); \(title) would not match it")
            }
            dataset = try replay.experience()
            let sha = try SHA256.hash(file: policyPath(world, .medium, in: behaviour))
            dataset.recipe = "cdsa's recreation of D4RL's \(title) by its recipe (the replay buffer of the SAC run up to \(medium); "
                + "\(world)-medium.safetensors sha256 \(sha)), not D4RL's file"
        case .mediumExpert:
            let parts = try [Kind.medium, .expert].map { part -> Dataset in
                let file = Self.path(world, part, in: (path as NSString).deletingLastPathComponent)
                if FileManager.default.fileExists(atPath: file) {
                    let made = try Dataset.load(file)
                    if try freshness(of: made, world, part, behaviour: behaviour, steps: steps).usable { return made }
                }
                return try make(world, part, behaviour: behaviour, to: file, steps: steps, progress: progress, cancellation: cancellation)
            }
            dataset = try parts[0].concatenating(parts[1])
            dataset.recipe = "cdsa's recreation of D4RL's \(title) by its recipe (medium then expert, concatenated), not D4RL's file"
        }
        dataset.environmentName = world
        try dataset.writeD4RL(to: path)
        if kind == .mediumReplay { try? FileManager.default.removeItem(atPath: retrainFolder(for: path)) }
        dataset.stamp(asFile: path)
        dataset.format = "D4RL"
        return dataset
    }

    /// Where medium-replay's retrain checkpoints while the dataset at `path` is made.
    public static func retrainFolder(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.deletingPathExtension().lastPathComponent + ".retrain"
    }
}

extension LocomotionData {
    /// The committed behaviour policy of a world's medium or expert level.
    static func policy(_ world: String, _ level: Kind, in behaviour: String) throws -> ActorPolicy {
        let file = policyPath(world, level, in: behaviour)
        guard FileManager.default.fileExists(atPath: file) else { throw DatasetError.notFound(file: file) }
        return try PolicyFile.read(from: file)
    }

    /// The first `steps` transitions of a random, medium or expert dataset as the recipe
    /// collects them, and the behaviour policy (nil for random).
    static func collected(_ world: String, _ kind: Kind, env: some Environment, behaviour: String, steps: Int,
                          progress: (any ProgressReporter)? = nil, cancellation: CancellationToken? = nil) throws -> (Dataset, ActorPolicy?) {
        let s = seeds(kind), title = "\(world)-\(kind.rawValue)"
        guard kind != .random else {
            let random = RandomPolicy(observationSize: env.observationSpace.size, actionSpace: env.actionSpace, seed: s.policy)
            return (try collect(env: env, policy: random, steps: steps, seed: s.episodes, progress: progress, title: title,
                                cancellation: cancellation), nil)
        }
        let behaviourPolicy = try policy(world, kind, in: behaviour)
        return (try collect(env: env, policy: behaviourPolicy.with(sampling: true, seed: s.policy), steps: steps,
                            seed: s.episodes, progress: progress, title: title, cancellation: cancellation), behaviourPolicy)
    }

    /// What a made file is against the recipe today.
    public enum Freshness: Equatable, Sendable {
        /// What `make` writes here, bit for bit.
        case current
        /// The recipe's data from the same policies, computed with other floating-point
        /// arithmetic (another OpenBLAS kernel set or CPU: sums in another order): its first
        /// steps agree with what is made here to rounding, then the two part at `row`, as any
        /// chaotic system's trajectories do. The same dataset for every purpose but its bits.
        case otherArithmetic(row: Int)
        /// Not the recipe's dataset today, and why ("it …"): made from a policy since
        /// replaced, by an older cdsa, or with another number of steps.
        case stale(String)

        public var usable: Bool { if case .stale = self { false } else { true } }
    }

    /// Steps over which two makings of the same recipe agree to rounding whatever the
    /// arithmetic (measured: walker2d-medium under OpenBLAS's Zen and Cooperlake kernels
    /// differs by 3e-7 at step 10, 2e-4 at step 100 and 0.6 at step 200), and that rounding.
    static let agreeingSteps = 10, rounding: Float = 1e-4

    /// Whether `d` is the dataset `make(world, kind, …, steps:)` writes today from the
    /// behaviour policies in `behaviour`. Cheap: the first steps are made again and compared
    /// (medium-replay, which would need its SAC run again, records its medium policy's
    /// sha256 in the recipe instead).
    public static func freshness(of d: Dataset, _ world: String, _ kind: Kind, behaviour: String, steps: Int = steps) throws -> Freshness {
        let env = try Worlds.make(world)
        func firstSteps(_ made: Kind, from row: Int) throws -> Freshness {
            let count = Swift.min(1000, steps)
            let again = try collected(world, made, env: env, behaviour: behaviour, steps: count).0
            // The first row (from `row` on) where `d` and `again` differ by more than `tolerance`
            // (relative above 1), or nil. Only the rows compared are read: `scalars` would
            // copy the whole million.
            func parting(_ a: Tensor, _ b: Tensor, tolerance: Float) -> Int? {
                let width = b.shape[1]
                guard a.shape.count == 2, a.shape[1] == width else { return 0 }
                return a.withUnsafeBufferPointer { mine in
                    b.withUnsafeBufferPointer { made in
                        (0..<count * width).first { abs(mine[row * width + $0] - made[$0]) > tolerance * max(1, abs(made[$0])) }.map { $0 / width }
                    }
                }
            }
            let exact = [parting(d.observations, again.observations, tolerance: 0), parting(d.actions, again.actions, tolerance: 0)].compactMap { $0 }.min()
            guard let first = exact else { return .current }
            let beyond = [parting(d.observations, again.observations, tolerance: rounding),
                          parting(d.actions, again.actions, tolerance: rounding)].compactMap { $0 }.min() ?? count
            if beyond >= Swift.min(agreeingSteps, count) { return .otherArithmetic(row: row + first) }
            return .stale("does not start\(row == 0 ? "" : " at row \(row)") with what \(made == .random ? "the random policy" : "\(world)-\(made.rawValue).safetensors") does now")
        }
        switch kind {
        case .random, .medium, .expert:
            if d.count != steps { return .stale("has \(d.count) transitions, the recipe makes \(steps)") }
            return try firstSteps(kind, from: 0)
        case .mediumExpert:
            if d.count != 2 * steps { return .stale("has \(d.count) transitions, the recipe makes \(2 * steps)") }
            let medium = try firstSteps(.medium, from: 0)
            guard medium.usable else { return medium }
            let expert = try firstSteps(.expert, from: steps)
            return !expert.usable || medium == .current ? expert : medium
        case .mediumReplay:
            let file = policyPath(world, .medium, in: behaviour)
            guard FileManager.default.fileExists(atPath: file) else { throw DatasetError.notFound(file: file) }
            let sha = try SHA256.hash(file: file)
            return d.recipe?.contains("sha256 \(sha)") == true ? .current : .stale("was not made from the medium policy in \(file) (sha256 \(sha.prefix(12))…)")
        }
    }
}

/// A trainer that gathered experience of its own (an online algorithm's replay buffer).
public protocol ExperienceSource {
    /// Every transition gathered so far, in order, as a dataset.
    func experience() throws -> Dataset
}

extension Dataset {
    /// This dataset's episodes, then `other`'s (same observation and action sizes). A last
    /// episode cut by this part's end ends at the join as a timeout, as the D4RL layout
    /// records it (`writeD4RL`), so the joined data read the same in memory and from file.
    public func concatenating(_ other: Dataset) throws -> Dataset {
        guard observationSize == other.observationSize, actionSize == other.actionSize else {
            throw DatasetError.invalidArgument("concatenate: observation/action sizes \(observationSize)/\(actionSize) and \(other.observationSize)/\(other.actionSize) differ")
        }
        var infos: [String: DoubleRows] = [:]
        for (key, rows) in self.infos {
            guard let more = other.infos[key], more.width == rows.width else { continue }
            infos[key] = try DoubleRows(rows: rows.rows + more.rows, width: rows.width, values: rows.values + more.values)
        }
        var joinedTimeouts = timeouts
        if count > 0, !terminals[count - 1] { joinedTimeouts[count - 1] = true }
        var out = try Dataset(observations: Tensor.concat([observations, other.observations]),
                              actions: Tensor.concat([actions, other.actions]), rewards: Tensor.concat([rewards, other.rewards]),
                              terminals: terminals + other.terminals, timeouts: joinedTimeouts + other.timeouts,
                              nextObservations: Tensor.concat([nextObservations, other.nextObservations]),
                              episodeStarts: episodeStarts + other.episodeStarts.map { $0 + count }, infos: infos,
                              source: source, format: format, environmentName: environmentName)
        out.hasNext = hasNext + other.hasNext
        return out
    }
}
