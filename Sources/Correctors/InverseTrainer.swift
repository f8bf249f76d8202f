import Autodiff
import NeuralNet
import OfflineRL

/// Trains `InverseDynamics` I(s, s′) ≈ a by mean squared error on the data's transitions
/// that have a recorded successor and did not end at a time limit (CDSA's I; POR's
/// execute policy is learned the same way). Defaults: a 256-256 ReLU MLP with a tanh
/// output on normalised [s, s′], Adam 3e-4, batch 256. Losses: inverse_loss.
public final class InverseTrainer: Learner {
    public struct Config: Codable, Sendable, Equatable {
        /// Minibatch size.
        public var batchSize = 256
        /// Adam's step size.
        public var learningRate: Float = 3e-4
        /// Hidden layer widths.
        public var hidden = [256, 256]
        /// Hidden activation.
        public var activation: Activation = .relu

        public init() {}
    }

    public var algorithm: String { "inverse" }
    public let config: Config
    public var step = 0
    public let identity: DatasetIdentity
    let data: Transitions
    /// Rows with a successor that is not a time-limit cut.
    let rows: [Int]
    /// The model trained in place; `model()` hands out copies.
    let inverse: InverseDynamics
    let optimizer: Adam
    var rng: RandomGenerator
    let seed: UInt64

    public init(dataset: Dataset, config: Config = Config(), seed: UInt64) throws {
        guard config.batchSize > 0 else { throw TrainingError.invalidConfig("batch_size must be positive, got \(config.batchSize)") }
        self.config = config
        self.seed = seed
        identity = try dataset.identity()
        data = try Transitions(dataset, normalize: true, pool: .successors)
        rows = data.pool.filter { !dataset.timeouts[$0] }
        guard !rows.isEmpty else {
            throw TrainingError.invalidConfig("\(dataset.source) has no transitions with a successor before a time limit to learn inverse dynamics from")
        }
        rng = RandomGenerator(seed: seed)
        let (s, a) = (dataset.observationSize, dataset.actionSize)
        let net = try MLP(.init(sizes: [2 * s] + config.hidden + [a], activation: config.activation, outputActivation: .tanh),
                          name: "net", rng: &rng)
        inverse = try InverseDynamics(network: net, normalizer: data.normalizer!)
        optimizer = Adam(net.parameters, .init(learningRate: config.learningRate))
    }

    public var configJSON: String { (try? ConfigCoding.encode(config)) ?? "{}" }

    public func update() throws -> Losses {
        let idx = (0..<config.batchSize).map { _ in rows[rng.nextInt(below: rows.count)] }
        let (s, next, a) = (try data.observations.gather(idx), try data.nextObservations.gather(idx), try data.actions.gather(idx))
        let (loss, grads) = try valueWithGradients(at: optimizer.parameters) {
            try mse(inverse(normalizedStates: s, normalizedNextStates: next), a)
        }
        try optimizer.step(grads)
        return [("inverse_loss", Double(loss))]
    }

    /// The model as it is now, sharing nothing later updates change.
    public func model() throws -> InverseDynamics {
        try InverseDynamics(network: inverse.network.copy(), normalizer: inverse.normalizer,
                            provenance: Provenance(algorithm: algorithm, config: configJSON, dataset: identity, steps: step, seed: seed))
    }

    public func save(into state: inout TrainingState) throws {
        state.save(inverse.network, as: "inverse")
        state.save(optimizer, as: "inverse.adam")
        state.save(rng, as: "rng")
    }

    public func restore(from state: TrainingState) throws {
        try state.restore(inverse.network, from: "inverse")
        try state.restore(optimizer, from: "inverse.adam")
        rng = try state.generator("rng")
    }
}
