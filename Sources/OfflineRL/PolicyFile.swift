import Autodiff
import Foundation
import NeuralNet

/// A policy's file: safetensors whose tensors are exactly the networks' PyTorch state
/// dicts — `0.weight`, `0.bias`, `2.weight`… for one network, so
/// `nn.Sequential(...).load_state_dict(load_file(path))` loads it; `guide.*` and
/// `inverse.*` for a guided policy (an `nn.ModuleDict`) — and whose metadata holds the
/// rest as JSON under `cdsa.policy`: head, architectures, normaliser, provenance.
public enum PolicyFile {
    public static let kindKey = "cdsa.kind"
    public static let specKey = "cdsa.policy"

    struct Spec: Codable {
        var head: ActorPolicy.Head
        var actionSize: Int
        var actor: MLP.Config
        var inverse: MLP.Config?
        var normalizer: Normalizer?
        var provenance: Provenance
    }

    /// The file's contents for `policy`.
    public static func encode(_ policy: ActorPolicy) throws -> SafeTensors {
        var file = SafeTensors()
        let guided = policy.inverse != nil
        file.tensors = stateDict(policy.actor, prefix: guided ? "guide." : "")
        if let inverse = policy.inverse { file.tensors.merge(stateDict(inverse, prefix: "inverse."), uniquingKeysWith: { a, _ in a }) }
        file.metadata[kindKey] = "policy"
        try file.setJSONMetadata(Spec(head: policy.head, actionSize: policy.actionSize, actor: policy.actor.config,
                                      inverse: policy.inverse?.config, normalizer: policy.normalizer,
                                      provenance: policy.provenance), forKey: specKey)
        return file
    }

    public static func write(_ policy: ActorPolicy, to path: String) throws {
        try encode(policy).write(to: path)
    }

    /// Whether a safetensors file is a cdsa policy.
    public static func describes(_ file: SafeTensors) -> Bool { file.metadata[kindKey] == "policy" }

    public static func decode(_ file: SafeTensors, source: String) throws -> ActorPolicy {
        guard describes(file), let spec = try file.jsonMetadata(Spec.self, forKey: specKey) else {
            throw TensorError.invalidArgument(op: "load", "\(source) is not a cdsa policy file (no \(specKey) metadata)")
        }
        let guided = spec.inverse != nil
        let actor = try network(spec.actor, from: file.tensors, prefix: guided ? "guide." : "", source: source)
        let inverse = try spec.inverse.map { try network($0, from: file.tensors, prefix: "inverse.", source: source) }
        return try ActorPolicy(actor: actor, inverse: inverse, head: spec.head, normalizer: spec.normalizer,
                               actionSize: spec.actionSize, provenance: spec.provenance)
    }

    public static func read(from path: String) throws -> ActorPolicy {
        try decode(SafeTensors.read(from: path), source: path)
    }

    /// A network's parameters under PyTorch Sequential names ("net.0.weight" → "0.weight").
    public static func stateDict(_ net: MLP, prefix: String) -> [String: Tensor] {
        Dictionary(net.parameters.map { (prefix + sequentialName($0.name, of: net), $0.value.detached) }, uniquingKeysWith: { a, _ in a })
    }

    /// The parameter's name without the network's own ("guide.0.weight" → "0.weight").
    static func sequentialName(_ name: String, of net: MLP) -> String {
        name.hasPrefix(net.name + ".") ? String(name.dropFirst(net.name.count + 1)) : name
    }

    /// An MLP of `config` holding the file's tensors named `prefix` + Sequential name.
    public static func network(_ config: MLP.Config, from tensors: [String: Tensor], prefix: String, source: String) throws -> MLP {
        var scratch = RandomGenerator(seed: 0)   // every weight is replaced below
        let net = try MLP(config, rng: &scratch)
        var named: [String: Tensor] = [:]
        for p in net.parameters {
            let key = prefix + sequentialName(p.name, of: net)
            guard let t = tensors[key] else {
                throw TensorError.invalidArgument(op: "load", "\(source) lacks tensor '\(key)' of its \(config.sizes.map(String.init).joined(separator: "-")) network")
            }
            named[p.name] = t
        }
        try net.load(stateDict: named)
        return net
    }
}
