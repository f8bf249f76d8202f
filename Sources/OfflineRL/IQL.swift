import Autodiff
import NeuralNet

/// Implicit Q-Learning (Kostrikov, Nair & Levine 2022, "Offline Reinforcement Learning
/// with Implicit Q-Learning"), as CORL's iql.py: V by expectile regression onto the
/// target critics' min Q (never querying an action outside the data), twin Q regressed
/// onto r + γ V(s′), and the policy by advantage-weighted regression,
/// exp(β (Q̄ − V)) clipped at `max_weight`, on the data's actions. Defaults: expectile
/// 0.7 and β 3.0 for the locomotion tasks, 0.9 and 10.0 for AntMaze (`nil` picks by
/// the dataset), a Gaussian actor (tanh mean, state-independent log σ) whose mean acts,
/// 256-256 ReLU networks, Adam 3e-4 for all three with the actor's rate on a cosine
/// decay over `actor_decay_steps` (CORL: the run's length, 1M), τ 0.005, batch 256,
/// states normalised; rewards as the authors' code: ×1000/(max − min episode return)
/// for locomotion, r − 1 for AntMaze (`rewards`).
///
/// Order within an update, as CORL: V(s′) for the target first, then V, then Q and its
/// target, then the actor on the advantage V was updated from.
/// Losses: value_loss, q_loss, actor_loss.
public final class IQL: Trainer {
    public struct Config: Codable, Sendable, Equatable {
        /// Minibatch size.
        public var batchSize = 256
        /// Adam's step size for V, Q and (at the start of its decay) the actor.
        public var learningRate: Float = 3e-4
        /// Hidden layer widths of the actor, each critic and V.
        public var hidden = [256, 256]
        /// γ, the discount factor.
        public var discount: Float = 0.99
        /// How fast the target critics follow the learned ones.
        public var tau: Float = 0.005
        /// The expectile V estimates: 0.7 for locomotion, 0.9 for AntMaze when nil.
        public var expectile: Float?
        /// β, the inverse temperature of the advantage weights: 3.0, or 10.0 for AntMaze, when nil.
        public var beta: Float?
        /// The largest advantage weight (CORL's EXP_ADV_MAX).
        public var maxWeight: Float = 100
        /// A deterministic tanh actor regressed by weighted MSE instead of the Gaussian one.
        public var deterministicActor = false
        /// The actor's cosine decay length (CORL sets it to the run's length).
        public var actorDecaySteps = 1_000_000
        /// How rewards are rescaled; `standard` is the authors' choice for the dataset.
        public var rewards = RewardTransform.standard
        /// Normalise states by the data's mean and std (+ ε 1e-3).
        public var normalizeStates = true

        public init() {}
    }

    public var algorithm: String { "iql" }
    /// The config with the per-dataset choices made (what manifests and policies record).
    public let config: Config
    public var step = 0
    public let identity: DatasetIdentity
    let data: Transitions
    let actor: MLP
    let logStd: Parameter
    let critic1: MLP, critic2: MLP, critic1Target: MLP, critic2Target: MLP
    let value: MLP
    let actorOptimizer: Adam, criticOptimizer: Adam, valueOptimizer: Adam
    let schedule: CosineSchedule
    var rng: RandomGenerator
    let seed: UInt64

    public init(dataset: Dataset, config given: Config = Config(), seed: UInt64) throws {
        guard given.batchSize > 0 else { throw TrainingError.invalidConfig("batch_size must be positive, got \(given.batchSize)") }
        var config = given
        let maze = DatasetTask.isAntMaze(dataset)
        config.expectile = given.expectile ?? (maze ? 0.9 : 0.7)
        config.beta = given.beta ?? (maze ? 10 : 3)
        config.rewards = given.rewards.resolved(for: dataset)
        guard let e = config.expectile, e > 0, e < 1 else { throw TrainingError.invalidConfig("expectile must be in (0, 1), got \(config.expectile!)") }
        guard config.actorDecaySteps > 0 else { throw TrainingError.invalidConfig("actor_decay_steps must be positive, got \(config.actorDecaySteps)") }
        self.config = config
        self.seed = seed
        identity = try dataset.identity()
        data = try Transitions(dataset, normalize: config.normalizeStates, rewards: config.rewards)
        rng = RandomGenerator(seed: seed)
        let (s, a) = (dataset.observationSize, dataset.actionSize)
        actor = try MLP(.init(sizes: [s] + config.hidden + [a], outputActivation: .tanh), name: "net", rng: &rng)
        logStd = Parameter(name: "log_std", value: try Tensor.zeros([a]))
        critic1 = try MLP(.init(sizes: [s + a] + config.hidden + [1]), name: "q1", rng: &rng)
        critic2 = try MLP(.init(sizes: [s + a] + config.hidden + [1]), name: "q2", rng: &rng)
        value = try MLP(.init(sizes: [s] + config.hidden + [1]), name: "v", rng: &rng)
        (critic1Target, critic2Target) = (try critic1.copy(), try critic2.copy())
        let adam = Adam.Config(learningRate: config.learningRate)
        actorOptimizer = Adam(actor.parameters + (config.deterministicActor ? [] : [logStd]), adam)
        criticOptimizer = Adam(critic1.parameters + critic2.parameters, adam)
        valueOptimizer = Adam(value.parameters, adam)
        schedule = CosineSchedule(base: config.learningRate, totalSteps: config.actorDecaySteps)
    }

    public var configJSON: String { (try? ConfigCoding.encode(config)) ?? "{}" }

    func q(_ critic: MLP, _ s: Tensor, _ a: Tensor) throws -> Tensor {
        try critic(Tensor.concat([s, a], axis: 1)).reshaped([-1])
    }

    public func update() throws -> Losses { try update(on: data.sample(config.batchSize, using: &rng)) }

    /// One update on a given minibatch (ReferenceUpdateTests feeds PyTorch's batches here).
    func update(on b: Transitions.Batch) throws -> Losses {
        let (expectile, beta) = (config.expectile!, config.beta!)
        let nextV = try value(b.nextObservations).reshaped([-1])
        let targetQ = try Tensor.minimum(q(critic1Target, b.observations, b.actions), q(critic2Target, b.observations, b.actions))

        // L_V = E[|τ − 1(u < 0)| u²], u = Q̄(s, a) − V(s).
        var advantage = Tensor(0)
        let (valueLoss, valueGrads) = try valueWithGradients(at: value.parameters) {
            let u = try targetQ - value(b.observations).reshaped([-1])
            advantage = u.detached
            return try expectileLoss(u, expectile)
        }
        try valueOptimizer.step(valueGrads)

        // L_Q = ½ Σ_i E[(Q_i(s, a) − r − γ (1 − d) V(s′))²].
        let y = try b.rewards + config.discount * b.notDone * nextV
        let (qLoss, qGrads) = try valueWithGradients(at: criticOptimizer.parameters) {
            try 0.5 * (mse(q(critic1, b.observations, b.actions), y) + mse(q(critic2, b.observations, b.actions), y))
        }
        try criticOptimizer.step(qGrads)
        try softUpdate(target: critic1Target, source: critic1, tau: config.tau)
        try softUpdate(target: critic2Target, source: critic2, tau: config.tau)

        // L_π = E[min(exp(β A), max_weight) · (−log π(a|s))] (or the squared error).
        let weights = try (beta * advantage).exp().clamped(-.infinity, config.maxWeight)
        actorOptimizer.config.learningRate = schedule(step)
        let (actorLoss, actorGrads) = try valueWithGradients(at: actorOptimizer.parameters) {
            let mean = try actor(b.observations)
            let fit = config.deterministicActor
                ? try ((mean - b.actions) * (mean - b.actions)).sum(axes: [1])
                : try -gaussianLogProb(b.actions, mean: mean, logStd: logStd.value.clamped(-20, 2))
            return try (weights * fit).mean()
        }
        try actorOptimizer.step(actorGrads)
        return [("value_loss", Double(valueLoss)), ("q_loss", Double(qLoss)), ("actor_loss", Double(actorLoss))]
    }

    /// The mean action tanh(μ(s)).
    public func policy() throws -> ActorPolicy {
        try ActorPolicy(actor: actor.copy(), head: .action, normalizer: data.normalizer, actionSize: actor.outputSize,
                        provenance: Provenance(algorithm: algorithm, config: configJSON, dataset: identity, steps: step, seed: seed))
    }

    var modules: [(String, MLP)] {
        [("actor", actor), ("critic1", critic1), ("critic2", critic2), ("critic1.target", critic1Target),
         ("critic2.target", critic2Target), ("value", value)]
    }

    public func save(into state: inout TrainingState) throws {
        for (part, net) in modules { state.save(net, as: part) }
        state.save(logStd.value, as: "actor/log_std")
        state.save(actorOptimizer, as: "actor.adam")
        state.save(criticOptimizer, as: "critic.adam")
        state.save(valueOptimizer, as: "value.adam")
        state.save(rng, as: "rng")
    }

    public func restore(from state: TrainingState) throws {
        for (part, net) in modules { try state.restore(net, from: part) }
        logStd.value = try state.restoring(logStd, from: "actor/log_std")
        try state.restore(actorOptimizer, from: "actor.adam")
        try state.restore(criticOptimizer, from: "critic.adam")
        try state.restore(valueOptimizer, from: "value.adam")
        rng = try state.generator("rng")
    }
}

/// IQL's asymmetric squared loss: E[|τ − 1(u < 0)| u²].
func expectileLoss(_ u: Tensor, _ tau: Float) throws -> Tensor {
    let weight = try Tensor.where(Tensor.compare(u, Tensor(0), op: "<") { $0 < $1 }, Tensor(1 - tau), Tensor(tau))
    return try (weight * u * u).mean()
}
