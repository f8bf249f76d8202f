import Autodiff
import Foundation
import NeuralNet
import OfflineRL

/// A σ-conditioned score field of the data's joint density p(s, a), CDSA's g or h:
/// - target `action`: g(s, a) ≈ ∇_a log p_σ(s, a), in action units, [n, actionSize];
/// - target `state`: h(s, a) ≈ ∇_s log p_σ(s, a), in normalised-state units, [n, stateSize].
///
/// p_σ is the data's density smoothed by N(0, σ²I) on the target (denoising score
/// matching, Vincent 2011; a list of noise levels with σ as an input, Song & Ermon 2019).
/// The network f_θ takes [s_norm, a, log σ] (log σ only with more than one level) and the
/// score is f_θ / σ (Song & Ermon 2020, technique 3), so every level trains at one scale.
/// Scores are about 1/σ in size; σ²·score is Tweedie's denoising displacement.
public final class ScoreModel {
    public enum Target: String, Codable, Sendable, CaseIterable {
        /// g ≈ ∇_a log p(s, a).
        case action
        /// h ≈ ∇_s log p(s, a), in normalised units.
        case state
    }

    public let target: Target
    /// The noise levels σ trained, ascending; `score` defaults to the smallest.
    public let sigmas: [Float]
    /// The dataset's state normaliser: `score` takes raw states.
    public let normalizer: Normalizer
    public let actionSize: Int
    /// f_θ: [s_norm, a, (log σ)] → f, the score times σ.
    public let network: MLP
    /// State models: η, the factor that makes the denoising displacement a typical step.
    /// The state target s_norm + η·σ²·h(s, a), σ the smallest level, lies at the data's
    /// own (s, a) a median one-step move (`oneStepMove`) from s_norm. Nil for an action
    /// model, or when the data has no successors.
    public let eta: Float?
    /// State models: the median of ‖s′_norm − s_norm‖ over the dataset's transitions
    /// (those with a successor that is not a time-limit cut).
    public let oneStepMove: Float?
    /// How the model was trained (algorithm "score_action"/"score_state", config, data).
    public var provenance: Provenance?

    public var stateSize: Int { normalizer.size }
    /// The size of the score: actionSize for `action`, stateSize for `state`.
    public var outputSize: Int { Self.outputSize(target, stateSize: stateSize, actionSize: actionSize) }
    /// Whether the network takes log σ (more than one level).
    public var conditioned: Bool { sigmas.count > 1 }

    public init(network: MLP, target: Target, sigmas: [Float], normalizer: Normalizer, actionSize: Int,
                eta: Float? = nil, oneStepMove: Float? = nil, provenance: Provenance? = nil) throws {
        try Self.check(sigmas: sigmas)
        let inputs = normalizer.size + actionSize + (sigmas.count > 1 ? 1 : 0)
        let outputs = Self.outputSize(target, stateSize: normalizer.size, actionSize: actionSize)
        guard network.inputSize == inputs, network.outputSize == outputs else {
            throw TensorError.invalidArgument(op: "score_model", "a \(target) score for \(normalizer.size) states and \(actionSize) actions needs a network \(inputs) → \(outputs), got \(network.inputSize) → \(network.outputSize)")
        }
        self.network = network
        self.target = target
        self.sigmas = sigmas
        self.normalizer = normalizer
        self.actionSize = actionSize
        self.eta = eta
        self.oneStepMove = oneStepMove
        self.provenance = provenance
    }

    static func outputSize(_ target: Target, stateSize: Int, actionSize: Int) -> Int {
        target == .action ? actionSize : stateSize
    }

    /// Levels must be positive, finite and strictly ascending.
    static func check(sigmas: [Float]) throws {
        guard !sigmas.isEmpty, sigmas.allSatisfy({ $0 > 0 && $0.isFinite }), zip(sigmas, sigmas.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw TensorError.invalidArgument(op: "score_model", "sigmas must be positive and strictly ascending, got \(sigmas)")
        }
    }

    /// The score at raw states [n, S] and actions [n, A], at noise level `sigma` (the
    /// smallest trained level by default; with several levels, any σ between the
    /// smallest and the largest, the trained ones being the reliable ones).
    public func score(states: Tensor, actions: Tensor, sigma: Float? = nil) throws -> Tensor {
        guard states.rank == 2, states.shape[1] == stateSize else {
            throw TensorError.shapeMismatch(op: "score", "expects states [n, \(stateSize)], got \(states.shape)")
        }
        return try score(normalizedStates: normalizer(states), actions: actions, sigma: sigma)
    }

    /// The score at states already normalised with `normalizer`.
    public func score(normalizedStates s: Tensor, actions a: Tensor, sigma: Float? = nil) throws -> Tensor {
        guard s.rank == 2, s.shape[1] == stateSize, a.rank == 2, a.shape[1] == actionSize, a.shape[0] == s.shape[0] else {
            throw TensorError.shapeMismatch(op: "score", "expects states [n, \(stateSize)] and actions [n, \(actionSize)], got \(s.shape) and \(a.shape)")
        }
        let level = sigma ?? sigmas[0]
        guard level >= sigmas[0], level <= sigmas[sigmas.count - 1] else {
            let range = sigmas.count == 1 ? "\(sigmas[0]), its one level" : "within its levels \(sigmas[0])…\(sigmas[sigmas.count - 1])"
            throw TensorError.invalidArgument(op: "score", "σ \(level) is out of range: this model was trained at σ \(range)")
        }
        let column = try Tensor(shape: [s.shape[0], 1], repeating: level)
        return try field(s, a, sigma: column) / level
    }

    /// f_θ(s_norm, a, log σ) for a column of levels σ [n, 1] (the training loss's network).
    /// The score at one raw state and action, times `scale`, without the batch path's
    /// intermediate tensors (the corrector's single-observation path): the same operations
    /// as `score(states:actions:sigma:)` element by element.
    func score(state: [Float], action: [Float], sigma: Float?, scale: Float) throws -> [Float] {
        let level = sigma ?? sigmas[0]
        let (mean, std) = (normalizer.mean.scalars, normalizer.std.scalars)
        var input = [Float](repeating: 0, count: network.inputSize)
        for i in 0..<stateSize { input[i] = (state[i] - mean[i]) / std[i] }
        for j in 0..<actionSize { input[stateSize + j] = action[j] }
        if conditioned { input[stateSize + actionSize] = Foundation.log(level) }
        var out = try network(Tensor(shape: [1, input.count], scalars: input)).scalars
        for k in out.indices { out[k] = out[k] / level * scale }
        return out
    }

    func field(_ s: Tensor, _ a: Tensor, sigma: Tensor) throws -> Tensor {
        try network(Tensor.concat(conditioned ? [s, a, sigma.log()] : [s, a], axis: 1))
    }
}
