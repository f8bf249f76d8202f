// `save`, the safetensors side of `load`, and `load_state`. Networks and optimisers are
// engine checkpoints (NeuralNet/Checkpoint.swift: architecture, parameters, normaliser,
// optimiser state); a record keeps its tensor fields as tensors and the rest as JSON in
// the metadata, with the field order, so it loads back as the same record.

import Autodiff
import Correctors
import Foundation
import Language
import NeuralNet
import OfflineRL
import Reports

extension DataLibrary {
    static let recordKey = "cdsa.record", fieldsKey = "cdsa.fields"

    static var save: Builtin {
        Builtin("save", [.init("value"), .init("path", .string), .init("normalizer", .record, default: .nil)],
                doc: "Write a comparison or sweep (.csv, .json or .svg by the path's extension), a policy (its networks' PyTorch state dicts, the rest in metadata), a network (with its normalizer, or the one given), an optimizer (with its network and state), a tensor or a record to a safetensors file, atomically; a missing folder is made.") { a in
            let path = try a.string(1)
            if case .record = a[2], !(a[0].typeName == "network") {
                throw a.bad(2, "a normalizer is saved with a network, got a \(a[0].typeName)")
            }
            // A missing folder is made (as a dataset's or a run's is); a file in its place
            // stays an error from the write itself.
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            if case .foreign(let report as SavableValue) = a[0] {
                try engine("save") { try report.save(to: path) }
                return .nil
            }
            let file: SafeTensors
            switch a[0] {
            case .foreign(let p as PolicyValue):
                guard let actor = p.policy as? ActorPolicy else { throw a.bad(0, "\(p.summary) has no weights to save") }
                // The file holds weights, not a sampling stream: it would load back deterministic.
                if actor.sampling {
                    throw a.bad(0, "\(p.summary) samples; save the policy it samples from, and stochastic(load(path), seed=…) restores it")
                }
                file = try engine("save") { try PolicyFile.encode(actor) }
            case .foreign(let net as NetworkValue):
                var checkpoint = net.checkpoint
                if case .record = a[2] { checkpoint.normalizer = try NetworkValue.normalizer(a[2], what: "save") }
                file = try engine("save") { try checkpoint.safeTensors }
            case .foreign(let opt as OptimizerValue):
                file = try engine("save") { try opt.checkpoint.safeTensors }
            case .foreign(let t as TensorValue):
                file = SafeTensors(tensors: ["tensor": t.tensor.detached], metadata: [Checkpoint.kindKey: "tensor"])
            case .record(let r):
                file = try recordFile(r, a)
            default:
                throw a.bad(0, "policy, network, optimizer, tensor or record expected, got \(a[0].typeName)")
            }
            try engine("save") { try file.write(to: path) }
            return .nil
        }
    }

    /// A record as safetensors: tensor fields as tensors, the others as one JSON object.
    static func recordFile(_ r: Record, _ a: Arguments) throws -> SafeTensors {
        var file = SafeTensors()
        var rest: [(key: String, value: JSON)] = []
        for (key, v) in zip(r.keys, r.values) {
            if case .foreign(let t as TensorValue) = v {
                file.tensors[key] = t.tensor.detached
            } else {
                do { rest.append((key, try json(v, at: key, tensors: .refuse))) } catch let e as ScriptError { throw a.bad(0, e.message) }
            }
        }
        file.metadata[Checkpoint.kindKey] = "record"
        file.metadata[fieldsKey] = JSON.array(r.keys.map { .string($0) }).serialized(indent: 0)
        file.metadata[recordKey] = JSON.object(rest).serialized(indent: 0)
        return file
    }

    /// What a safetensors file holds: a network or an optimizer (a checkpoint), a tensor,
    /// a record, or (written elsewhere, e.g. by PyTorch) a record of tensors by name.
    static func weights(_ file: SafeTensors, path: String) throws -> Value {
        if PolicyFile.describes(file) { return .foreign(PolicyValue(try PolicyFile.decode(file, source: path))) }
        if ScoreModel.describes(file) { return .foreign(ScoreModelValue(try ScoreModel.decode(file, source: path))) }
        if InverseDynamics.describes(file) { return .foreign(InverseValue(try InverseDynamics.decode(file, source: path))) }
        if Checkpoint.describes(file) {
            let checkpoint = try Checkpoint(file, source: path)
            let net = NetworkValue(checkpoint.network, try checkpoint.makeNetwork(), normalizer: checkpoint.normalizer)
            guard let adam = try checkpoint.makeOptimizer(for: net.module) else { return .foreign(net) }
            return .foreign(OptimizerValue(network: net, adam: adam))
        }
        switch file.metadata[Checkpoint.kindKey] {
        case "tensor" where file.tensors.count == 1:
            return .tensor(file.tensors.first!.value)
        case "record":
            let fields = try JSON.parse(file.metadata[fieldsKey] ?? "[]", source: "\(path) (\(fieldsKey))")
            let rest = try JSON.parse(file.metadata[recordKey] ?? "{}", source: "\(path) (\(recordKey))")
            guard case .array(let names) = fields, case .object(let members) = rest else {
                throw FileFormatError(path: path, reason: "\(fieldsKey) must be a list and \(recordKey) an object")
            }
            let values = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            let record = Record(keys: [], values: [])
            for case .string(let name) in names {
                if let t = file.tensors[name] { record[name] = .tensor(t) } else if let v = values[name] { record[name] = value(v) }
            }
            return .record(record)
        default:
            let names = file.tensors.keys.sorted()
            return .record(Record(keys: names, values: names.map { .tensor(file.tensors[$0]!) }))
        }
    }

    /// "mlp 1-16-1 (tanh, out identity, layernorm)": every field an architecture match checks.
    static func describe(_ spec: NetworkSpec) -> String {
        let details = (spec.kind == "linear" ? [spec.bias ? "bias" : "no bias"] : [spec.activation, "out \(spec.out)"])
            + (spec.layernorm ? ["layernorm"] : [])
        return "\(spec.kind) \(spec.sizes.map(String.init).joined(separator: "-")) (\(details.joined(separator: ", ")))"
    }

    static var loadState: Builtin {
        Builtin("load_state", [.init("target", .either([.foreign("network"), .foreign("optimizer")])),
                               .init("source", .either([.string, .record, .foreign("network")]))],
                doc: "Restore a network's parameters (and normalizer) from a file, a record of tensors or another network, or an optimizer's whole state from a file saved with save(opt, path); returns the target.") { a in
            if case .foreign(let opt as OptimizerValue) = a[0] {
                guard case .string(let path) = a[1] else {
                    throw a.bad(1, "an optimizer restores from a file saved with save(opt, path), got a \(a[1].typeName)")
                }
                let checkpoint = try engine("load_state") { try Checkpoint.read(from: path) }
                try opt.restore(checkpoint, what: "load_state")
                return a[0]
            }
            let net = try a.object(0, NetworkValue.self, "network")
            switch a[1] {
            case .string(let path):
                let file = try engine("load_state") { try SafeTensors.read(from: path) }
                guard Checkpoint.describes(file) else {
                    try net.setParameters(file.tensors, what: "load_state")
                    return a[0]
                }
                let checkpoint = try engine("load_state") { try Checkpoint(file, source: path) }
                try restore(net, checkpoint.network, checkpoint.parameters, checkpoint.normalizer, from: "the file")
            case .record(let r):
                try net.setParameters(Dictionary(uniqueKeysWithValues: zip(r.keys, r.values)), what: "load_state")
            case .foreign(let source as NetworkValue):
                try restore(net, source.spec, source.module.stateDict, source.normalizer, from: "the source")
            default:
                throw a.bad(1, "path, record or network expected, got \(a[1].typeName)")
            }
            return a[0]
        }
    }
}

/// A value that writes itself in the format its path's extension names (reports, charts).
protocol SavableValue: ForeignValue {
    func save(to path: String) throws
}

/// `net` takes the parameters and normaliser of a network of architecture `spec` — only the
/// same architecture, activation and output included: the same weights under another
/// activation compute something else.
private func restore(_ net: NetworkValue, _ spec: NetworkSpec, _ parameters: [String: Tensor], _ normalizer: Normalizer?,
                     from what: String) throws {
    guard spec == net.spec else {
        throw ScriptError("load_state: \(what) holds \(DataLibrary.describe(spec)), but the network is \(DataLibrary.describe(net.spec))")
    }
    try net.setParameters(parameters, what: "load_state")
    net.normalizer = normalizer
}
