import Autodiff
import Foundation
import NeuralNet
import OfflineRL

/// The file of a CDSA model (a score field, an inverse-dynamics network): safetensors
/// whose tensors are exactly the network's PyTorch state dict — `0.weight`, `0.bias`,
/// `2.weight`…, so `nn.Sequential(...).load_state_dict(load_file(path))` loads it — and
/// whose metadata holds `cdsa.kind` (the model's kind) and, under `cdsa.model`, the rest
/// as JSON: architecture, normaliser, sizes, provenance. Written atomically; a corrupt
/// or mismatched file is a one-line `TensorError`, never a trap.
enum ModelFile {
    static let kindKey = Checkpoint.kindKey
    static let specKey = "cdsa.model"

    static func encode<Spec: Encodable>(kind: String, spec: Spec, network: MLP) throws -> SafeTensors {
        var file = SafeTensors(tensors: PolicyFile.stateDict(network, prefix: ""))
        file.metadata[kindKey] = kind
        try file.setJSONMetadata(spec, forKey: specKey)
        return file
    }

    /// The spec of a file of `kind`; `source` names the file in errors.
    static func spec<Spec: Decodable>(_ type: Spec.Type, kind: String, in file: SafeTensors, source: String) throws -> Spec {
        guard let found = file.metadata[kindKey] else {
            throw bad(source, "not a cdsa model file (no \(kindKey) in its metadata)")
        }
        guard found == kind else { throw bad(source, "holds a cdsa \(found), not a \(kind) model") }
        do {
            guard let spec = try file.jsonMetadata(type, forKey: specKey) else { throw bad(source, "has no \(specKey) metadata") }
            return spec
        } catch let e as TensorError { throw e } catch {
            throw bad(source, "its \(specKey) metadata is not readable (\(describe(error)))")
        }
    }

    /// The MLP of `config` holding the file's tensors; checks its input and output sizes first.
    static func network(_ config: MLP.Config, inputs: Int, outputs: Int, in file: SafeTensors, source: String) throws -> MLP {
        guard config.sizes.count >= 2, config.sizes.allSatisfy({ $0 > 0 }) else {
            throw bad(source, "network sizes \(config.sizes) are not a valid MLP")
        }
        guard config.sizes.first == inputs, config.sizes.last == outputs else {
            throw bad(source, "network \(config.sizes) does not map \(inputs) inputs to \(outputs) outputs as its metadata says")
        }
        do { return try PolicyFile.network(config, from: file.tensors, prefix: "", source: source) }
        catch TensorError.invalidArgument(_, let m), TensorError.shapeMismatch(_, let m) {
            throw m.hasPrefix(source) ? TensorError.invalidArgument(op: "load", m) : bad(source, m)
        }
    }

    static func bad(_ source: String, _ message: String) -> TensorError {
        .invalidArgument(op: "load", "\(source): \(message)")
    }

    /// A decoding error in one line: the field and what was wrong.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.dataCorrupted(let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "\(path): ") + c.debugDescription
        default: return "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
    }
}
