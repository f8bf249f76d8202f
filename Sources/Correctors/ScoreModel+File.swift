import Autodiff
import NeuralNet
import OfflineRL

/// A score model's file (see `ModelFile`): kind "score"; the tensors are f_θ's state dict,
/// the metadata everything else.
extension ScoreModel {
    public static let kind = "score"

    struct Spec: Codable {
        var target: Target
        var sigmas: [Float]
        var stateSize: Int
        var actionSize: Int
        var network: MLP.Config
        var normalizer: Normalizer
        var eta: Float?
        var oneStepMove: Float?
        var provenance: Provenance?

        enum CodingKeys: String, CodingKey {
            case target, sigmas, network, normalizer, eta, provenance
            case stateSize = "state_size", actionSize = "action_size", oneStepMove = "one_step_move"
        }
    }

    /// The file's contents.
    public func encode() throws -> SafeTensors {
        try ModelFile.encode(kind: Self.kind, spec: Spec(target: target, sigmas: sigmas, stateSize: stateSize, actionSize: actionSize,
                                                         network: network.config, normalizer: normalizer, eta: eta,
                                                         oneStepMove: oneStepMove, provenance: provenance),
                             network: network)
    }

    /// Writes the model atomically.
    public func save(to path: String) throws { try encode().write(to: path) }

    /// Whether a safetensors file holds a score model.
    public static func describes(_ file: SafeTensors) -> Bool { file.metadata[ModelFile.kindKey] == kind }

    /// The model in a file's contents; `source` names the file in errors.
    public static func decode(_ file: SafeTensors, source: String) throws -> ScoreModel {
        let spec = try ModelFile.spec(Spec.self, kind: kind, in: file, source: source)
        guard spec.stateSize == spec.normalizer.size, spec.actionSize > 0 else {
            throw ModelFile.bad(source, "sizes (\(spec.stateSize) states, \(spec.actionSize) actions) disagree with its \(spec.normalizer.size)-dimensional normaliser")
        }
        do { try check(sigmas: spec.sigmas) } catch { throw ModelFile.bad(source, "\(error)") }
        let inputs = spec.stateSize + spec.actionSize + (spec.sigmas.count > 1 ? 1 : 0)
        let net = try ModelFile.network(spec.network, inputs: inputs,
                                        outputs: outputSize(spec.target, stateSize: spec.stateSize, actionSize: spec.actionSize),
                                        in: file, source: source)
        return try ScoreModel(network: net, target: spec.target, sigmas: spec.sigmas, normalizer: spec.normalizer,
                              actionSize: spec.actionSize, eta: spec.eta, oneStepMove: spec.oneStepMove, provenance: spec.provenance)
    }

    /// Reads a model written by `save`.
    public static func load(from path: String) throws -> ScoreModel {
        try decode(SafeTensors.read(from: path), source: path)
    }
}

extension ScoreModel: CustomStringConvertible {
    /// "score model (action, σ 0.05, 0.1, 0.2) mlp 15-256-256-256-3 (silu; …)".
    public var description: String {
        "score model (\(target), σ \(sigmas.map { "\($0)" }.joined(separator: ", "))) \(network)"
    }
}
