import Autodiff
import NeuralNet

/// TD3+BC (Fujimoto & Gu 2021, "A Minimalist Approach to Offline Reinforcement
/// Learning"): TD3 (Fujimoto et al. 2018) whose actor also regresses the data's actions,
/// π = argmax E[λ Q(s, π(s)) − (π(s) − a)²] with λ = α / mean|Q(s, π(s))|, on normalised
/// states. As CORL's td3_bc.py: twin critics and targets, target policy smoothing, the
/// actor and every target updated every second step, Adam 3e-4, batch 256, rewards as
/// recorded, actions in [-1, 1].
///
/// Losses, every step: critic_loss, and actor_loss — the actor's loss at its latest
/// update (0 before the first), so the steps between actor updates log it too.
public final class TD3BC: Trainer {
    public struct Config: Codable, Sendable, Equatable {
        /// Minibatch size.
        public var batchSize = 256
        /// Adam's step size, for the actor and the critics.
        public var learningRate: Float = 3e-4
        /// Hidden layer widths of the actor and of each critic.
        public var hidden = [256, 256]
        /// γ, the discount factor.
        public var discount: Float = 0.99
        /// τ, how fast the target networks follow the learned ones.
        public var tau: Float = 0.005
        /// α, the weight of the Q term against the BC term (λ = α / mean|Q|).
        public var alpha: Float = 2.5
        /// σ of the Gaussian noise on the target action (target policy smoothing).
        public var policyNoise: Float = 0.2
        /// c: the target action's noise is clipped to [−c, c].
        public var noiseClip: Float = 0.5
        /// d: the actor and the targets are updated every d-th critic update.
        public var policyFreq = 2
        /// Normalise states by the data's mean and std (+ ε 1e-3).
        public var normalizeStates = true

        public init() {}
    }

    public var algorithm: String { "td3bc" }
    public let config: Config
    public var step = 0
    public let identity: DatasetIdentity
    let data: Transitions
    let actor: MLP, actorTarget: MLP
    let critic1: MLP, critic2: MLP, critic1Target: MLP, critic2Target: MLP
    let actorOptimizer: Adam
    /// One Adam over both critics: the same as CORL's one per critic, Adam being per element.
    let criticOptimizer: Adam
    /// The actor's loss at its last update, reported on the steps between actor updates.
    var lastActorLoss = 0.0
    var rng: RandomGenerator
    let seed: UInt64

    public init(dataset: Dataset, config: Config = Config(), seed: UInt64) throws {
        guard config.batchSize > 0 else { throw TrainingError.invalidConfig("batch_size must be positive, got \(config.batchSize)") }
        guard config.policyFreq > 0 else { throw TrainingError.invalidConfig("policy_freq must be positive, got \(config.policyFreq)") }
        self.config = config
        self.seed = seed
        identity = try dataset.identity()
        data = try Transitions(dataset, normalize: config.normalizeStates)
        rng = RandomGenerator(seed: seed)
        let (s, a) = (dataset.observationSize, dataset.actionSize)
        actor = try MLP(.init(sizes: [s] + config.hidden + [a], outputActivation: .tanh), name: "net", rng: &rng)
        critic1 = try MLP(.init(sizes: [s + a] + config.hidden + [1]), name: "q1", rng: &rng)
        critic2 = try MLP(.init(sizes: [s + a] + config.hidden + [1]), name: "q2", rng: &rng)
        (actorTarget, critic1Target, critic2Target) = (try actor.copy(), try critic1.copy(), try critic2.copy())
        actorOptimizer = Adam(actor.parameters, .init(learningRate: config.learningRate))
        criticOptimizer = Adam(critic1.parameters + critic2.parameters, .init(learningRate: config.learningRate))
    }

    public var configJSON: String { (try? ConfigCoding.encode(config)) ?? "{}" }

    /// Q(s, a) as a vector [n].
    func q(_ critic: MLP, _ s: Tensor, _ a: Tensor) throws -> Tensor {
        try critic(Tensor.concat([s, a], axis: 1)).reshaped([-1])
    }

    public func update() throws -> Losses { try update(on: data.sample(config.batchSize, using: &rng)) }

    /// One update on a given minibatch, with given standard-normal smoothing noise when
    /// `noise` is set (ReferenceUpdateTests feeds PyTorch's here).
    func update(on b: Transitions.Batch, noise standard: Tensor? = nil) throws -> Losses {
        // y = r + γ (1 − d) min_i Q′_i(s′, clip(π′(s′) + clip(ε, −c, c), −1, 1)), ε ~ N(0, σ²).
        let noise = try ((standard ?? rng.normal(b.actions.shape)) * config.policyNoise).clamped(-config.noiseClip, config.noiseClip)
        let next = try (actorTarget(b.nextObservations) + noise).clamped(-1, 1)
        let nextQ = try Tensor.minimum(q(critic1Target, b.nextObservations, next), q(critic2Target, b.nextObservations, next))
        let y = try b.rewards + config.discount * b.notDone * nextQ
        let (criticLoss, criticGrads) = try valueWithGradients(at: criticOptimizer.parameters) {
            try mse(q(critic1, b.observations, b.actions), y) + mse(q(critic2, b.observations, b.actions), y)
        }
        try criticOptimizer.step(criticGrads)

        if (step + 1) % config.policyFreq == 0 {
            let (actorLoss, actorGrads) = try valueWithGradients(at: actor.parameters) {
                let pi = try actor(b.observations)
                let value = try q(critic1, b.observations, pi)
                let lambda = try config.alpha / value.detached.abs().mean()
                return try -lambda * value.mean() + mse(pi, b.actions)
            }
            try actorOptimizer.step(actorGrads)
            lastActorLoss = Double(actorLoss)
            for (target, source) in [(critic1Target, critic1), (critic2Target, critic2), (actorTarget, actor)] {
                try softUpdate(target: target, source: source, tau: config.tau)
            }
        }
        return [("critic_loss", Double(criticLoss)), ("actor_loss", lastActorLoss)]
    }

    public func policy() throws -> ActorPolicy {
        try ActorPolicy(actor: actor.copy(), head: .action, normalizer: data.normalizer, actionSize: actor.outputSize,
                        provenance: Provenance(algorithm: algorithm, config: configJSON, dataset: identity, steps: step, seed: seed))
    }

    var modules: [(String, MLP)] {
        [("actor", actor), ("actor.target", actorTarget), ("critic1", critic1), ("critic2", critic2),
         ("critic1.target", critic1Target), ("critic2.target", critic2Target)]
    }

    public func save(into state: inout TrainingState) throws {
        for (part, net) in modules { state.save(net, as: part) }
        state.save(actorOptimizer, as: "actor.adam")
        state.save(criticOptimizer, as: "critic.adam")
        state.save(rng, as: "rng")
        state.save([lastActorLoss], as: "last_actor_loss")
    }

    public func restore(from state: TrainingState) throws {
        for (part, net) in modules { try state.restore(net, from: part) }
        try state.restore(actorOptimizer, from: "actor.adam")
        try state.restore(criticOptimizer, from: "critic.adam")
        rng = try state.generator("rng")
        guard let loss = try state.doubles("last_actor_loss").first else { throw TrainingError.checkpoint("'last_actor_loss' is empty") }
        lastActorLoss = loss
    }
}
