import Autodiff
import NeuralNet

/// Policy-guided Offline RL (Xu et al. 2022, "A Policy-Guided Imitation Approach for
/// Offline Reinforcement Learning"), as the authors' code (github.com/ryanxhr/POR, por.py
/// and main.py): a state value V (twin, with an EMA target) by expectile regression on
/// r + γ V̄(s′); a **guide** policy s → ŝ′ proposing where to go; an **execute** policy
/// (s, s′) → a, an inverse-dynamics model by plain likelihood on the data. It acts with
/// the execute policy on the guide's mean. Two ways to learn the guide, both in the code:
///
/// - `residual` (POR-r, `por_update_residual`): likelihood of the data's s′ weighted by
///   min(exp(α (r + γ V̄(s′) − V(s))), 100);
/// - `q` (POR-q, `por_update`): maximise λ V(ĝ) + log π_b(ĝ|s) for a reparametrised
///   sample ĝ, λ = α / mean|V(ĝ)|, π_b a behaviour guide fit to the data's s′.
///
/// Per-dataset choices, as run_mujoco.sh and run_antmaze.sh (`nil` fields pick them):
/// hopper medium / medium-replay / medium-expert use `q` with τ 0.5 and α 50 / 25 / 5;
/// the other locomotion medium* sets `residual`, τ 0.5, α 3; AntMaze `residual`, τ 0.9,
/// α 10; anything else main.py's defaults, `residual`, τ 0.7, α 10.
/// Networks as main.py: 256-256 ReLU for V and the guides, 1024-1024 for the execute
/// policy, Gaussians with state-independent log σ clamped to [-5, 2] and untransformed
/// means; Adam 1e-4 for all, the guide's and the execute policy's on a cosine decay over
/// `decay_steps` (the run's length in the code, 1M); EMA rate 0.005; states not
/// normalised (main.py's default); rewards as IQL's.
///
/// Deviation: the code pretrains POR-q's behaviour guide for 1M steps in a separate run
/// (pretrain.sh) before POR starts; here it learns alongside, one step per update on
/// the same batch (Adam 1e-4), before the guide uses it. Transitions with a recorded s′
/// only (the code's d4rl.qlearning_dataset drops the others too).
///
/// Losses: value_loss, guide_loss, execute_loss (and behaviour_guide_loss for `q`).
public final class POR: Trainer {
    public enum Variant: String, Codable, Sendable { case residual, q }

    public struct Config: Codable, Sendable, Equatable {
        /// How the guide learns: residual (POR-r) or q (POR-q); nil picks by dataset.
        public var variant: Variant?
        /// τ, the expectile V estimates; nil picks by dataset.
        public var expectile: Float?
        /// α: the advantage temperature (residual) or the value weight (q); nil picks by dataset.
        public var alpha: Float?
        /// Minibatch size.
        public var batchSize = 256
        /// Adam's step size for every network.
        public var learningRate: Float = 1e-4
        /// Hidden layer widths of V and the guides.
        public var hidden = [256, 256]
        /// Hidden layer widths of the execute policy.
        public var executeHidden = [1024, 1024]
        /// γ, the discount factor.
        public var discount: Float = 0.99
        /// How fast the target V follows the learned one (the code's β).
        public var targetRate: Float = 0.005
        /// The largest advantage weight (the code's EXP_ADV_MAX).
        public var maxWeight: Float = 100
        /// The cosine decay length of the guide's and the execute policy's rates.
        public var decaySteps = 1_000_000
        /// How rewards are rescaled; `standard` is the authors' choice for the dataset.
        public var rewards = RewardTransform.standard
        /// Normalise states by the data's mean and std (+ ε 1e-3); off in the code's runs.
        public var normalizeStates = false

        public init() {}
    }

    /// The code's choices for a task ("hopper-medium-replay", "antmaze-umaze"…).
    public static func choices(for task: String) -> (variant: Variant, expectile: Float, alpha: Float) {
        if task.hasPrefix("antmaze") { return (.residual, 0.9, 10) }
        switch task {
        case "hopper-medium": return (.q, 0.5, 50)
        case "hopper-medium-replay": return (.q, 0.5, 25)
        case "hopper-medium-expert": return (.q, 0.5, 5)
        case _ where ["halfcheetah", "walker2d"].contains(where: { task.hasPrefix($0 + "-medium") }): return (.residual, 0.5, 3)
        default: return (.residual, 0.7, 10)
        }
    }

    public var algorithm: String { "por" }
    public let config: Config
    public var step = 0
    public let identity: DatasetIdentity
    let data: Transitions
    let value1: MLP, value2: MLP, value1Target: MLP, value2Target: MLP
    let guide: MLP, execute: MLP, behaviourGuide: MLP
    let guideLogStd: Parameter, executeLogStd: Parameter, behaviourLogStd: Parameter
    let valueOptimizer: Adam, guideOptimizer: Adam, executeOptimizer: Adam, behaviourOptimizer: Adam
    let schedule: CosineSchedule
    var rng: RandomGenerator
    let seed: UInt64

    public init(dataset: Dataset, config given: Config = Config(), seed: UInt64) throws {
        guard given.batchSize > 0 else { throw TrainingError.invalidConfig("batch_size must be positive, got \(given.batchSize)") }
        guard given.decaySteps > 0 else { throw TrainingError.invalidConfig("decay_steps must be positive, got \(given.decaySteps)") }
        var config = given
        let chosen = Self.choices(for: DatasetTask.name(dataset))
        config.variant = given.variant ?? chosen.variant
        config.expectile = given.expectile ?? chosen.expectile
        config.alpha = given.alpha ?? chosen.alpha
        config.rewards = given.rewards.resolved(for: dataset)
        guard let e = config.expectile, e > 0, e < 1 else { throw TrainingError.invalidConfig("expectile must be in (0, 1), got \(config.expectile!)") }
        self.config = config
        self.seed = seed
        identity = try dataset.identity()
        data = try Transitions(dataset, normalize: config.normalizeStates, rewards: config.rewards, pool: .successors)
        rng = RandomGenerator(seed: seed)
        let (s, a) = (dataset.observationSize, dataset.actionSize)
        value1 = try MLP(.init(sizes: [s] + config.hidden + [1]), name: "v1", rng: &rng)
        value2 = try MLP(.init(sizes: [s] + config.hidden + [1]), name: "v2", rng: &rng)
        (value1Target, value2Target) = (try value1.copy(), try value2.copy())
        guide = try MLP(.init(sizes: [s] + config.hidden + [s]), name: "guide", rng: &rng)
        execute = try MLP(.init(sizes: [2 * s] + config.executeHidden + [a]), name: "execute", rng: &rng)
        behaviourGuide = try MLP(.init(sizes: [s] + config.hidden + [s]), name: "behaviour_guide", rng: &rng)
        guideLogStd = Parameter(name: "guide.log_std", value: try Tensor.zeros([s]))
        executeLogStd = Parameter(name: "execute.log_std", value: try Tensor.zeros([a]))
        behaviourLogStd = Parameter(name: "behaviour_guide.log_std", value: try Tensor.zeros([s]))
        let adam = Adam.Config(learningRate: config.learningRate)
        valueOptimizer = Adam(value1.parameters + value2.parameters, adam)
        guideOptimizer = Adam(guide.parameters + [guideLogStd], adam)
        executeOptimizer = Adam(execute.parameters + [executeLogStd], adam)
        behaviourOptimizer = Adam(behaviourGuide.parameters + [behaviourLogStd], adam)
        schedule = CosineSchedule(base: config.learningRate, totalSteps: config.decaySteps)
    }

    public var configJSON: String { (try? ConfigCoding.encode(config)) ?? "{}" }

    /// min_i V_i(s) as a vector [n].
    func v(_ a: MLP, _ b: MLP, _ s: Tensor) throws -> Tensor {
        try Tensor.minimum(a(s), b(s)).reshaped([-1])
    }

    /// −log N(x; net(input), σ), σ = exp(clamp(log σ, −5, 2)), per row.
    func negativeLogLikelihood(_ x: Tensor, _ net: MLP, _ input: Tensor, _ logStd: Parameter) throws -> Tensor {
        try -gaussianLogProb(x, mean: net(input), logStd: logStd.value.clamped(-5, 2))
    }

    public func update() throws -> Losses { try update(on: data.sample(config.batchSize, using: &rng)) }

    /// One update on a given minibatch; POR-q's guide sample uses `guideNoise` when given,
    /// else draws it (ReferenceUpdateTests feeds PyTorch's batches and noise here).
    func update(on b: Transitions.Batch, guideNoise: Tensor? = nil) throws -> Losses {
        let (s, next) = (b.observations, b.nextObservations)
        let (expectile, alpha) = (config.expectile!, config.alpha!)

        // V: ½ Σ_i E[|τ − 1(u_i < 0)| u_i²], u_i = r + γ (1 − d) V̄(s′) − V_i(s).
        let targetV = try b.rewards + config.discount * b.notDone * v(value1Target, value2Target, next)
        let (valueLoss, valueGrads) = try valueWithGradients(at: valueOptimizer.parameters) {
            let u1 = try targetV - value1(s).reshaped([-1]), u2 = try targetV - value2(s).reshaped([-1])
            return try 0.5 * (expectileLoss(u1, expectile) + expectileLoss(u2, expectile))
        }
        try valueOptimizer.step(valueGrads)
        try softUpdate(target: value1Target, source: value1, tau: config.targetRate)
        try softUpdate(target: value2Target, source: value2, tau: config.targetRate)

        var losses: Losses = [("value_loss", Double(valueLoss))]
        let guideLoss: Float
        guideOptimizer.config.learningRate = schedule(step)
        switch config.variant! {
        case .residual:
            let advantage = try targetV - v(value1, value2, s)
            let weights = try (alpha * advantage).exp().clamped(-.infinity, config.maxWeight)
            guideLoss = try step(guideOptimizer) { try (weights * negativeLogLikelihood(next, guide, s, guideLogStd)).mean() }
        case .q:
            let behaviourLoss = try step(behaviourOptimizer) { try negativeLogLikelihood(next, behaviourGuide, s, behaviourLogStd).mean() }
            let noise = try guideNoise ?? rng.normal([s.shape[0], s.shape[1]])
            guideLoss = try step(guideOptimizer) {
                let g = try guide(s) + guideLogStd.value.clamped(-5, 2).exp() * noise
                let value = try -v(value1, value2, g)
                let lambda = try alpha / value.detached.abs().mean()
                return try (lambda * value + negativeLogLikelihood(g, behaviourGuide, s, behaviourLogStd)).mean()
            }
            losses.append(("behaviour_guide_loss", Double(behaviourLoss)))
        }
        losses.append(("guide_loss", Double(guideLoss)))

        // The execute policy: −log π_e(a | s, s′).
        executeOptimizer.config.learningRate = schedule(step)
        let executeLoss = try step(executeOptimizer) {
            try negativeLogLikelihood(b.actions, execute, Tensor.concat([s, next], axis: 1), executeLogStd).mean()
        }
        losses.append(("execute_loss", Double(executeLoss)))
        return losses
    }

    /// One Adam step on the gradient of `loss` with respect to the optimiser's parameters.
    func step(_ optimizer: Adam, _ loss: () throws -> Tensor) throws -> Float {
        let (value, grads) = try valueWithGradients(at: optimizer.parameters, loss)
        try optimizer.step(grads)
        return value
    }

    /// The execute policy acting on the guide's mean: a = μ_e(s, μ_g(s)).
    public func policy() throws -> ActorPolicy {
        try ActorPolicy(actor: guide.copy(), inverse: execute.copy(), head: .guided, normalizer: data.normalizer,
                        actionSize: execute.outputSize,
                        provenance: Provenance(algorithm: algorithm, config: configJSON, dataset: identity, steps: step, seed: seed))
    }

    var modules: [(String, MLP)] {
        [("value1", value1), ("value2", value2), ("value1.target", value1Target), ("value2.target", value2Target),
         ("guide", guide), ("execute", execute), ("behaviour_guide", behaviourGuide)]
    }

    var optimizers: [(String, Adam)] {
        [("value.adam", valueOptimizer), ("guide.adam", guideOptimizer), ("execute.adam", executeOptimizer),
         ("behaviour_guide.adam", behaviourOptimizer)]
    }

    public func save(into state: inout TrainingState) throws {
        for (part, net) in modules { state.save(net, as: part) }
        for p in [guideLogStd, executeLogStd, behaviourLogStd] { state.save(p.value, as: "log_std/\(p.name)") }
        for (part, adam) in optimizers { state.save(adam, as: part) }
        state.save(rng, as: "rng")
    }

    public func restore(from state: TrainingState) throws {
        for (part, net) in modules { try state.restore(net, from: part) }
        for p in [guideLogStd, executeLogStd, behaviourLogStd] { p.value = try state.restoring(p, from: "log_std/\(p.name)") }
        for (part, adam) in optimizers { try state.restore(adam, from: part) }
        rng = try state.generator("rng")
    }
}
