import Autodiff
import NeuralNet
import OfflineRL

/// Inverse dynamics I(s, s′) → a: the action that takes s to s′, CDSA's I (and POR's
/// execute policy). An MLP on the normalised pair [s_norm, s′_norm] with a tanh output,
/// so actions lie in [-1, 1]. Its file (see `ModelFile`) has kind "inverse".
public final class InverseDynamics {
    public static let kind = "inverse"

    /// [s_norm, s′_norm] → a.
    public let network: MLP
    /// The dataset's state normaliser, for both s and s′.
    public let normalizer: Normalizer
    /// How the model was trained (algorithm "inverse", config, data).
    public var provenance: Provenance?

    public var stateSize: Int { normalizer.size }
    public var actionSize: Int { network.outputSize }

    public init(network: MLP, normalizer: Normalizer, provenance: Provenance? = nil) throws {
        guard network.inputSize == 2 * normalizer.size else {
            throw TensorError.invalidArgument(op: "inverse_dynamics", "a network on [s, s′] of \(normalizer.size)-dimensional states takes \(2 * normalizer.size) inputs, this one \(network.inputSize)")
        }
        self.network = network
        self.normalizer = normalizer
        self.provenance = provenance
    }

    /// The actions [n, A] taking raw states [n, S] to raw successors [n, S].
    public func callAsFunction(states: Tensor, nextStates: Tensor) throws -> Tensor {
        try self(normalizedStates: checked(states), normalizedNextStates: checked(nextStates))
    }

    /// The same on states normalised with `normalizer` (a state target s_norm + η σ² h).
    public func callAsFunction(normalizedStates s: Tensor, normalizedNextStates next: Tensor) throws -> Tensor {
        guard s.rank == 2, s.shape[1] == stateSize, next.shape == s.shape else {
            throw TensorError.shapeMismatch(op: "inverse_dynamics", "expects states and next states [n, \(stateSize)], got \(s.shape) and \(next.shape)")
        }
        return try network(Tensor.concat([s, next], axis: 1))
    }

    /// I(s, s′) at one raw pair, without the batch path's intermediate tensors.
    func callAsFunction(state: [Float], nextState: [Float]) throws -> [Float] {
        let (mean, std) = (normalizer.mean.scalars, normalizer.std.scalars), n = stateSize
        var input = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n {
            input[i] = (state[i] - mean[i]) / std[i]
            input[n + i] = (nextState[i] - mean[i]) / std[i]
        }
        return try network(Tensor(shape: [1, 2 * n], scalars: input)).scalars
    }

    private func checked(_ states: Tensor) throws -> Tensor {
        guard states.rank == 2, states.shape[1] == stateSize else {
            throw TensorError.shapeMismatch(op: "inverse_dynamics", "expects states [n, \(stateSize)], got \(states.shape)")
        }
        return try normalizer(states)
    }

    // MARK: The file

    struct Spec: Codable {
        var stateSize: Int
        var actionSize: Int
        var network: MLP.Config
        var normalizer: Normalizer
        var provenance: Provenance?

        enum CodingKeys: String, CodingKey {
            case network, normalizer, provenance, stateSize = "state_size", actionSize = "action_size"
        }
    }

    public func encode() throws -> SafeTensors {
        try ModelFile.encode(kind: Self.kind, spec: Spec(stateSize: stateSize, actionSize: actionSize, network: network.config,
                                                         normalizer: normalizer, provenance: provenance), network: network)
    }

    /// Writes the model atomically.
    public func save(to path: String) throws { try encode().write(to: path) }

    public static func describes(_ file: SafeTensors) -> Bool { file.metadata[ModelFile.kindKey] == kind }

    public static func decode(_ file: SafeTensors, source: String) throws -> InverseDynamics {
        let spec = try ModelFile.spec(Spec.self, kind: kind, in: file, source: source)
        guard spec.stateSize == spec.normalizer.size, spec.actionSize > 0 else {
            throw ModelFile.bad(source, "sizes (\(spec.stateSize) states, \(spec.actionSize) actions) disagree with its \(spec.normalizer.size)-dimensional normaliser")
        }
        let net = try ModelFile.network(spec.network, inputs: 2 * spec.stateSize, outputs: spec.actionSize, in: file, source: source)
        return try InverseDynamics(network: net, normalizer: spec.normalizer, provenance: spec.provenance)
    }

    /// Reads a model written by `save`.
    public static func load(from path: String) throws -> InverseDynamics {
        try decode(SafeTensors.read(from: path), source: path)
    }
}

extension InverseDynamics: CustomStringConvertible {
    public var description: String { "inverse dynamics \(network)" }
}
