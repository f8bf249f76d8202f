import Autodiff
import NeuralNet
import OfflineRL

/// Trains a `ScoreModel` by denoising score matching (Vincent 2011) over noise levels
/// (Song & Ermon 2019), as CDSA's g and h: draw (s, a) from the data, a level σ per row
/// from `sigmas` and ε ~ N(0, I); perturb the target — a → a + σε (`action`), or
/// s_norm → s_norm + σε (`state`) — and regress the score onto the perturbation kernel's,
/// −ε/σ, with weight σ². With the score parametrised as f_θ/σ the loss is
/// E‖f_θ(x̃, log σ) + ε‖² (per element), the same scale at every level.
///
/// Defaults: f_θ a 3×256 SiLU MLP, Adam 3e-4, batch 256, σ ∈ {0.05, 0.1, 0.2}; the paper
/// trains the CDSA models for 10K steps (`paperSteps`). Losses: score_loss.
public final class ScoreTrainer: Learner {
    public struct Config: Codable, Sendable, Equatable {
        /// Minibatch size.
        public var batchSize = 256
        /// Adam's step size (at the start of the cosine schedule when `decaySteps` > 0).
        public var learningRate: Float = 3e-4
        /// Hidden layer widths of f_θ.
        public var hidden = [256, 256, 256]
        /// f_θ's hidden activation.
        public var activation: Activation = .silu
        /// The noise levels σ, ascending, in the target's units (actions, or normalised states).
        public var sigmas: [Float] = [0.05, 0.1, 0.2]
        /// Length of a cosine decay of the step size to zero; 0 keeps it constant.
        public var decaySteps = 0

        public init() {}
    }

    /// The paper's training length for the CDSA models.
    public static let paperSteps = 10_000
    /// At most this many evenly spaced transitions measure η in `model()`.
    static let etaRows = 4096

    public var algorithm: String { "score_\(target.rawValue)" }
    public let target: ScoreModel.Target
    public let config: Config
    public var step = 0
    public let identity: DatasetIdentity
    let data: Transitions
    /// The model trained in place; `model()` hands out copies.
    let field: ScoreModel
    let optimizer: Adam
    var rng: RandomGenerator
    let seed: UInt64
    /// Transitions with a successor that is not a time-limit cut, for the one-step move
    /// and η (state models).
    let moves: [Int]
    let oneStepMove: Float?

    public init(dataset: Dataset, target: ScoreModel.Target, config: Config = Config(), seed: UInt64) throws {
        guard config.batchSize > 0 else { throw TrainingError.invalidConfig("batch_size must be positive, got \(config.batchSize)") }
        guard config.decaySteps >= 0 else { throw TrainingError.invalidConfig("decay_steps must be 0 or more, got \(config.decaySteps)") }
        do { try ScoreModel.check(sigmas: config.sigmas) } catch { throw TrainingError.invalidConfig("\(error)") }
        self.target = target
        self.config = config
        self.seed = seed
        identity = try dataset.identity()
        data = try Transitions(dataset, normalize: true, pool: .steps)
        rng = RandomGenerator(seed: seed)
        let (s, a) = (dataset.observationSize, dataset.actionSize)
        let sizes = [s + a + (config.sigmas.count > 1 ? 1 : 0)] + config.hidden + [ScoreModel.outputSize(target, stateSize: s, actionSize: a)]
        let net = try MLP(.init(sizes: sizes, activation: config.activation), name: "net", rng: &rng)
        field = try ScoreModel(network: net, target: target, sigmas: config.sigmas, normalizer: data.normalizer!, actionSize: a)
        optimizer = Adam(net.parameters, .init(learningRate: config.learningRate))
        moves = target == .state ? (0..<dataset.count).filter { dataset.hasNext[$0] && !dataset.timeouts[$0] } : []
        oneStepMove = moves.isEmpty ? nil : try median(rowNorms(data.nextObservations.gather(moves) - data.observations.gather(moves)))
    }

    public var configJSON: String { (try? ConfigCoding.encode(config)) ?? "{}" }

    public func update() throws -> Losses {
        if config.decaySteps > 0 {
            optimizer.config.learningRate = CosineSchedule(base: config.learningRate, totalSteps: config.decaySteps)(optimizer.steps)
        }
        let b = try data.sample(config.batchSize, using: &rng, nextStates: false)
        let n = b.indices.count
        let sigma = try Tensor(shape: [n, 1], scalars: (0..<n).map { _ in config.sigmas[rng.nextInt(below: config.sigmas.count)] })
        let epsilon = try rng.normal([n, field.outputSize])
        // x̃: the target perturbed by σε; f_θ(x̃, σ) regresses onto −ε.
        var (s, a) = (b.observations, b.actions)
        if target == .action { a = try a + sigma * epsilon } else { s = try s + sigma * epsilon }
        let negated = try -epsilon
        let (loss, grads) = try valueWithGradients(at: optimizer.parameters) { try mse(field.field(s, a, sigma: sigma), negated) }
        try optimizer.step(grads)
        return [("score_loss", Double(loss))]
    }

    /// The model as it is now (sharing nothing later updates change), with η measured
    /// for a state model.
    public func model() throws -> ScoreModel {
        let provenance = Provenance(algorithm: algorithm, config: configJSON, dataset: identity, steps: step, seed: seed)
        let net = try field.network.copy()
        var eta: Float?
        if let oneStepMove, !moves.isEmpty {
            // η · median‖σ²h‖ = the median one-step move, at the data's own (s, a).
            let rows = stride(from: 0, to: moves.count, by: (moves.count + Self.etaRows - 1) / Self.etaRows).map { moves[$0] }
            let sigma = config.sigmas[0]
            let h = try field.score(normalizedStates: data.observations.gather(rows), actions: data.actions.gather(rows), sigma: sigma)
            let displacement = try median(rowNorms(h * (sigma * sigma)))
            if displacement > 0, displacement.isFinite { eta = oneStepMove / displacement }
        }
        return try ScoreModel(network: net, target: target, sigmas: config.sigmas, normalizer: field.normalizer,
                              actionSize: field.actionSize, eta: eta, oneStepMove: oneStepMove, provenance: provenance)
    }

    public func save(into state: inout TrainingState) throws {
        state.save(field.network, as: "score")
        state.save(optimizer, as: "score.adam")
        state.save(rng, as: "rng")
    }

    public func restore(from state: TrainingState) throws {
        try state.restore(field.network, from: "score")
        try state.restore(optimizer, from: "score.adam")
        rng = try state.generator("rng")
    }
}

/// ‖row‖ for each row of [n, d].
func rowNorms(_ x: Tensor) throws -> [Float] {
    try (x * x).sum(axes: [1]).sqrt().scalars
}

/// The median (the mean of the middle two for an even count); 0 when empty.
func median(_ values: [Float]) -> Float {
    let v = values.sorted()
    guard !v.isEmpty else { return 0 }
    return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
}
