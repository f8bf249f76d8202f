import Autodiff
import Foundation
import NeuralNet
import Simulation

/// Which dataset a model learned from: its source and the SHA-256 of its content, so
/// later code can ask a policy for "its data" and a changed file is noticed.
public struct DatasetIdentity: Codable, Sendable, Equatable {
    /// The file's path as given, or a description of data made in memory.
    public var source: String
    /// SHA-256 of the file's bytes (of the arrays, for data made in memory).
    public var sha256: String
    /// The environment the data names, if any.
    public var environment: String?

    public init(source: String, sha256: String, environment: String?) {
        self.source = source
        self.sha256 = sha256
        self.environment = environment
    }
}

/// Where a policy came from.
public struct Provenance: Codable, Sendable, Equatable {
    /// "bc", "iql", "sac"…, or "pytorch" for weights loaded from elsewhere.
    public var algorithm: String
    /// The algorithm's config as a JSON object.
    public var config: String?
    public var dataset: DatasetIdentity?
    /// Updates trained.
    public var steps: Int?
    public var seed: UInt64?
    /// The environment an online algorithm (SAC) learned in.
    public var environment: String?
    /// OpenBLAS's kernel set the run computed with ("Zen"): another set sums in another
    /// order, so retraining reproduces these weights only under the same one.
    public var kernels: String?

    public init(algorithm: String, config: String? = nil, dataset: DatasetIdentity? = nil, steps: Int? = nil, seed: UInt64? = nil,
                environment: String? = nil, kernels: String? = nil) {
        self.algorithm = algorithm
        self.config = config
        self.dataset = dataset
        self.steps = steps
        self.seed = seed
        self.environment = environment
        self.kernels = kernels
    }
}

/// A policy made of networks: what every algorithm returns and `load_policy` builds. It
/// acts in Swift (never through the interpreter), deterministically unless `sampling`.
///
/// s is normalised first when there is a normaliser; then by `head`:
/// - `action`: the network's first `actionSize` outputs are the action (a network that
///   emits [mean, log σ] acts with its mean);
/// - `tanhGaussian`: the network emits [μ, log σ]; the action is tanh(μ), or
///   tanh(μ + σ·ε) when sampling (SAC's actor);
/// - `guided`: the network predicts the next state ŝ′ in normalised units and the
///   inverse-dynamics network's I(s, ŝ′) is the action (POR's guide and execute policies).
public final class ActorPolicy: Policy {
    public enum Head: String, Codable, Sendable {
        case action
        case tanhGaussian = "tanh_gaussian"
        case guided
    }

    public let actor: MLP
    public let inverse: MLP?
    public let head: Head
    public let normalizer: Normalizer?
    public let observationSize: Int
    public let actionSize: Int
    public var provenance: Provenance
    public var world: String? { provenance.environment ?? provenance.dataset?.environment }
    /// Draw actions from the policy's distribution (only `tanhGaussian` has one).
    public let sampling: Bool
    /// Seed of the sampling noise; `restarted(seed:)` mixes a run's seed into it.
    public let noiseSeed: UInt64
    private var rng: RandomGenerator

    /// log σ is clamped to [-20, 2], as SAC implementations do.
    static let logStdRange: (Float, Float) = (-20, 2)

    public init(actor: MLP, inverse: MLP? = nil, head: Head, normalizer: Normalizer?, actionSize: Int,
                provenance: Provenance, sampling: Bool = false, noiseSeed: UInt64 = 0) throws {
        observationSize = actor.inputSize
        let out = actor.outputSize
        switch head {
        case .action:
            guard out == actionSize || out == 2 * actionSize else {
                throw TensorError.invalidArgument(op: "policy", "a network with \(out) outputs cannot give \(actionSize) actions (expected \(actionSize), or \(2 * actionSize) for [mean, log_std])")
            }
        case .tanhGaussian:
            guard out == 2 * actionSize else {
                throw TensorError.invalidArgument(op: "policy", "a Gaussian actor for \(actionSize) actions emits \(2 * actionSize) values, this one \(out)")
            }
        case .guided:
            guard let inverse, out == actor.inputSize, inverse.inputSize == 2 * out, inverse.outputSize == actionSize else {
                throw TensorError.invalidArgument(op: "policy", "a guided policy needs a guide s → ŝ′ and an inverse model (s, ŝ′) → a")
            }
        }
        if let normalizer, normalizer.size != observationSize {
            throw TensorError.invalidArgument(op: "policy", "the normaliser has \(normalizer.size) dimensions, the network takes \(observationSize)")
        }
        guard !sampling || head == .tanhGaussian else {
            throw TensorError.invalidArgument(op: "policy", "only a Gaussian actor can sample actions")
        }
        self.actor = actor
        self.inverse = inverse
        self.head = head
        self.normalizer = normalizer
        self.actionSize = actionSize
        self.provenance = provenance
        self.sampling = sampling
        self.noiseSeed = noiseSeed
        rng = RandomGenerator(seed: noiseSeed)
    }

    /// The same networks acting deterministically or sampling, with noise from `seed`.
    public func with(sampling: Bool, seed: UInt64? = nil) throws -> ActorPolicy {
        try ActorPolicy(actor: actor, inverse: inverse, head: head, normalizer: normalizer, actionSize: actionSize,
                        provenance: provenance, sampling: sampling, noiseSeed: seed ?? noiseSeed)
    }

    public func restarted(seed run: UInt64) -> any Policy {
        guard sampling else { return self }
        return (try? with(sampling: true, seed: mixSeeds(noiseSeed, run))) ?? self
    }

    public func act(_ observation: [Float]) throws -> [Float] {
        try act(batch: Tensor(shape: [1, observation.count], scalars: observation)).scalars
    }

    public func act(batch observations: Tensor) throws -> Tensor {
        guard observations.rank == 2, observations.shape[1] == observationSize else {
            throw TensorError.shapeMismatch(op: "policy", "expects observations [n, \(observationSize)], got \(observations.shape)")
        }
        let s = try normalizer.map { try $0(observations) } ?? observations
        let out = try actor(s)
        switch head {
        case .action:
            return out.shape[1] == actionSize ? out : try out.slice(axis: 1, 0, actionSize)
        case .tanhGaussian:
            let mean = try out.slice(axis: 1, 0, actionSize)
            guard sampling else { return try mean.tanh() }
            let logStd = try out.slice(axis: 1, actionSize, 2 * actionSize).clamped(Self.logStdRange.0, Self.logStdRange.1)
            return try (mean + logStd.exp() * rng.normal(mean.shape)).tanh()
        case .guided:
            return try inverse!(Tensor.concat([s, out], axis: 1))
        }
    }
}

extension ActorPolicy: CustomStringConvertible {
    /// "policy iql on hopper-medium.hdf5 (sha256 3f2a9c1e…), 200000 steps"; "policy sac in hopper, 50000 steps".
    public var description: String {
        var text = "policy \(provenance.algorithm)"
        if let d = provenance.dataset {
            let name = d.source.split(separator: "/").last.map(String.init) ?? d.source
            text += " on \(name) (sha256 \(d.sha256.prefix(8))…)"
        }
        if let env = provenance.environment { text += " in \(env)" }
        if let steps = provenance.steps { text += ", \(steps) steps" }
        if sampling { text += ", sampling" }
        return text
    }
}
