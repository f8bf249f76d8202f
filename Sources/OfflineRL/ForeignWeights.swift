import Autodiff
import Foundation
import NeuralNet

/// Policies from other frameworks' weights: a PyTorch `nn.Sequential` MLP saved as
/// safetensors (`net.0.weight`, `net.0.bias`, `net.2.weight`… or without a prefix),
/// weights [out, in] as PyTorch stores them.
public enum ForeignWeights {
    /// The linear layers of the MLP under `prefix` (or the prefix with the most layers),
    /// in Sequential order, with whether LayerNorm weights sit between them.
    static func layers(_ tensors: [String: Tensor], prefix: String?, source: String) throws -> (weights: [Tensor], biases: [Tensor], layerNorm: [(Tensor, Tensor)]) {
        // "<prefix><index>.weight" → (prefix, index)
        var groups: [String: [Int: Tensor]] = [:]
        for (name, t) in tensors where name.hasSuffix(".weight") {
            let stem = name.dropLast(".weight".count)
            let digits = stem.reversed().prefix { $0.isNumber }
            guard !digits.isEmpty, let index = Int(String(digits.reversed())) else { continue }
            groups[String(stem.dropLast(digits.count)), default: [:]][index] = t
        }
        let chosen: String
        if let prefix {
            let p = prefix.isEmpty || prefix.hasSuffix(".") ? prefix : prefix + "."
            guard groups[p] != nil else {
                throw TensorError.invalidArgument(op: "load_policy", "\(source) has no layers named \(p)<n>.weight (prefixes: \(groups.keys.sorted().map { $0.isEmpty ? "(none)" : $0 }.joined(separator: ", ")))")
            }
            chosen = p
        } else {
            guard let best = groups.max(by: { ($0.value.count, $1.key) < ($1.value.count, $0.key) })?.key else {
                throw TensorError.invalidArgument(op: "load_policy", "\(source) holds no Sequential layers (names like 0.weight or net.0.weight)")
            }
            chosen = best
        }
        let ordered = groups[chosen]!.sorted { $0.key < $1.key }
        var weights: [Tensor] = [], biases: [Tensor] = [], norms: [(Tensor, Tensor)] = []
        for (index, w) in ordered {
            guard let b = tensors["\(chosen)\(index).bias"] else {
                throw TensorError.invalidArgument(op: "load_policy", "\(source): layer \(chosen)\(index) has no bias")
            }
            if w.rank == 2 { weights.append(w); biases.append(b) }
            else if w.rank == 1 { norms.append((w, b)) }
            else { throw TensorError.invalidArgument(op: "load_policy", "\(source): \(chosen)\(index).weight has shape \(w.shape)") }
        }
        guard !weights.isEmpty else { throw TensorError.invalidArgument(op: "load_policy", "\(source) has no linear layers under '\(chosen)'") }
        for k in 1..<weights.count where weights[k].shape[1] != weights[k - 1].shape[0] {
            throw TensorError.shapeMismatch(op: "load_policy", "\(source): layer \(k) takes \(weights[k].shape[1]) inputs but layer \(k - 1) gives \(weights[k - 1].shape[0])")
        }
        for (w, b) in zip(weights, biases) where b.shape != [w.shape[0]] {
            throw TensorError.shapeMismatch(op: "load_policy", "\(source): a bias of shape \(b.shape) for a weight of shape \(w.shape)")
        }
        guard norms.isEmpty || norms.count == weights.count - 1 else {
            throw TensorError.invalidArgument(op: "load_policy", "\(source): \(norms.count) LayerNorms for \(weights.count) linear layers; expected one after each hidden layer")
        }
        return (weights, biases, norms)
    }

    /// A deterministic policy from `file`'s MLP: `activation` between layers, `out` on the
    /// output; with `head`, the last layer emits [mean, log σ] for `head` actions and the
    /// policy acts with the mean; `normalizer` is applied to observations first.
    public static func policy(_ file: SafeTensors, source: String, activation: Activation, out: Activation, head: Int?,
                              normalizer: Normalizer?, prefix: String? = nil) throws -> ActorPolicy {
        let (weights, biases, norms) = try layers(file.tensors, prefix: prefix, source: source)
        let sizes = [weights[0].shape[1]] + weights.map { $0.shape[0] }
        let outputs = sizes.last!
        let actions = head ?? outputs
        guard outputs == actions || outputs == 2 * actions else {
            throw TensorError.invalidArgument(op: "load_policy", "the network emits \(outputs) values; head=\(actions) needs \(actions) or \(2 * actions)")
        }
        var scratch = RandomGenerator(seed: 0)   // every weight is replaced below
        let mlp = try MLP(.init(sizes: sizes, activation: activation, layerNorm: !norms.isEmpty, outputActivation: out), rng: &scratch)
        for (k, layer) in mlp.layers.enumerated() {
            layer.weight.value = weights[k].detached
            layer.bias?.value = biases[k].detached
        }
        for (k, norm) in mlp.norms.enumerated() {
            norm.weight.value = norms[k].0.detached
            norm.bias.value = norms[k].1.detached
        }
        let config = "{\"file\":\(String(reflecting: source)),\"head\":\(head.map(String.init) ?? "null")}"
        return try ActorPolicy(actor: mlp, head: .action, normalizer: normalizer, actionSize: actions,
                               provenance: Provenance(algorithm: "foreign", config: config))
    }
}
