import Autodiff
import NeuralNet

/// Behaviour cloning: regress the dataset's actions from its states, π(s) ≈ a, by mean
/// squared error — and %BC, the same on the top fraction of episodes by return
/// (10%BC: Chen et al. 2021, "Decision Transformer", §5; the TD3+BC paper's tables list
/// it beside BC). Defaults as CORL's any_percent_bc.py: a 256-256 ReLU actor with a tanh
/// output, Adam 3e-4, batch 256, states normalised with ε 1e-3.
public final class BC: Trainer {
    public struct Config: Codable, Sendable, Equatable {
        /// Minibatch size.
        public var batchSize = 256
        /// Adam's step size.
        public var learningRate: Float = 3e-4
        /// Hidden layer widths of the actor.
        public var hidden = [256, 256]
        /// Share of episodes (best returns first) kept for training: 1 is BC, 0.1 is 10%BC.
        public var topFraction = 1.0
        /// Normalise states by the data's mean and std (+ ε).
        public var normalizeStates = true

        public init() {}
    }

    public var algorithm: String { config.topFraction < 1 ? "\(Int((config.topFraction * 100).rounded()))%bc" : "bc" }
    public let config: Config
    public var step = 0
    public let identity: DatasetIdentity
    let data: Transitions
    let actor: MLP
    let optimizer: Adam
    var rng: RandomGenerator
    let seed: UInt64

    public init(dataset: Dataset, config: Config = Config(), seed: UInt64) throws {
        guard config.topFraction > 0, config.topFraction <= 1 else {
            throw TrainingError.invalidConfig("top_fraction must be in (0, 1], got \(config.topFraction)")
        }
        guard config.batchSize > 0 else { throw TrainingError.invalidConfig("batch_size must be positive, got \(config.batchSize)") }
        self.config = config
        self.seed = seed
        identity = try dataset.identity()
        let kept = config.topFraction < 1 ? try dataset.topEpisodes(fraction: config.topFraction) : dataset
        data = try Transitions(kept, normalize: config.normalizeStates, pool: .steps)
        rng = RandomGenerator(seed: seed)
        actor = try MLP(.init(sizes: [dataset.observationSize] + config.hidden + [dataset.actionSize], outputActivation: .tanh),
                        name: "net", rng: &rng)
        optimizer = Adam(actor.parameters, .init(learningRate: config.learningRate))
    }

    public var configJSON: String { (try? ConfigCoding.encode(config)) ?? "{}" }

    public func update() throws -> Losses {
        let batch = try data.sample(config.batchSize, using: &rng, nextStates: false)
        let (loss, grads) = try valueWithGradients(at: actor.parameters) { try mse(actor(batch.observations), batch.actions) }
        try optimizer.step(grads)
        return [("actor_loss", Double(loss))]
    }

    public func policy() throws -> ActorPolicy {
        try ActorPolicy(actor: actor.copy(), head: .action, normalizer: data.normalizer, actionSize: actor.outputSize,
                        provenance: Provenance(algorithm: algorithm, config: configJSON, dataset: identity, steps: step, seed: seed))
    }

    public func save(into state: inout TrainingState) throws {
        state.save(actor, as: "actor")
        state.save(optimizer, as: "actor.adam")
        state.save(rng, as: "rng")
    }

    public func restore(from state: TrainingState) throws {
        try state.restore(actor, from: "actor")
        try state.restore(optimizer, from: "actor.adam")
        rng = try state.generator("rng")
    }
}
