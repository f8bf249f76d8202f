// The data library: one `save` and one `load` that dispatches on the file's format
// (safetensors for networks and tensors; D4RL HDF5, Minari folders and NPZ for
// datasets), datasets as values with a one-screen summary and fields, and `sample`.

import Autodiff
import Foundation
import Language
import NeuralNet
import OfflineRL

final class DatasetValue: ForeignValue {
    let dataset: Dataset
    init(_ dataset: Dataset) { self.dataset = dataset }

    var typeName: String { "dataset" }
    /// The one-screen summary the REPL prints.
    var summary: String { dataset.description }
    var fieldNames: [String] {
        ["observations", "actions", "rewards", "next_observations", "terminals", "timeouts", "count", "episodes",
         "observation_size", "action_size", "returns", "source", "format", "env"]
    }

    func field(_ name: String) throws -> Value? {
        let d = dataset
        func flags(_ xs: [Bool]) -> Value { .tensor(Tensor(xs.map { $0 ? 1 : 0 })) }
        switch name {
        case "observations": return .tensor(d.observations)
        case "actions": return .tensor(d.actions)
        case "rewards": return .tensor(d.rewards)
        case "next_observations": return .tensor(d.nextObservations)
        case "terminals": return flags(d.terminals)
        case "timeouts": return flags(d.timeouts)
        case "count": return .number(Double(d.count))
        case "episodes": return .number(Double(d.episodeCount))
        case "observation_size": return .number(Double(d.observationSize))
        case "action_size": return .number(Double(d.actionSize))
        case "returns": return .tensor(Tensor(d.episodeReturns.map { Float($0) }))
        case "source": return .string(d.source)
        case "format": return .string(d.format)
        case "env": return d.environmentName.map { .string($0) } ?? .nil
        default: return nil
        }
    }
}

enum DataLibrary {
    static func library(_ s: EngineState) -> Library {
        Library(name: "data", entries: [save, load, sample(s)])
    }

    static var kindKey: String { "cdsa.kind" }

    static var save: Builtin {
        Builtin("save", [.init("value"), .init("path", .string)],
                doc: "Write a network, tensor or record of tensors to a safetensors file (atomically; the architecture goes in its metadata).") { a in
            let path = try a.string(1)
            var file = SafeTensors()
            switch a[0] {
            case .foreign(let net as NetworkValue):
                file.tensors = net.module.stateDict
                file.metadata[kindKey] = "network"
                try engine("save") { try file.setJSONMetadata(net.spec) }
            case .foreign(let t as TensorValue):
                file.tensors = ["tensor": t.tensor.detached]
                file.metadata[kindKey] = "tensor"
            case .record(let r):
                for (key, v) in zip(r.keys, r.values) {
                    guard case .foreign(let t as TensorValue) = v else { throw a.bad(0, "record of tensors expected, field '\(key)' is \(withArticle(v.typeName))") }
                    file.tensors[key] = t.tensor.detached
                }
                file.metadata[kindKey] = "tensors"
            default:
                throw a.bad(0, "network, tensor or record of tensors expected, got \(a[0].typeName)")
            }
            try engine("save") { try file.write(to: path) }
            return .nil
        }
    }

    /// Whether the file starts like safetensors: a little-endian header length, then `{`.
    static func looksLikeSafeTensors(_ path: String) -> Bool {
        if path.hasSuffix(".safetensors") { return true }
        guard let h = FileHandle(forReadingAtPath: path), let head = try? h.read(upToCount: 9) else { return false }
        try? h.close()
        return head.count == 9 && head[head.startIndex + 8] == UInt8(ascii: "{")
    }

    static var formats: [String] { ["safetensors"] + DatasetFormat.allCases.map(\.rawValue) }

    static var load: Builtin {
        Builtin("load", [.init("path", .string), .init("format", .string, default: .nil)],
                doc: "Read a file, detecting its format unless given: safetensors (a network, tensor or record of tensors) or a dataset (d4rl HDF5, minari folder, npz).") { a in
            let path = try a.string(0)
            var format: String?
            if case .string(let f) = a[1] {
                guard formats.contains(f) else { throw a.bad(1, "unknown format '\(f)'; expected one of \(formats.joined(separator: ", "))") }
                format = f
            }
            guard FileManager.default.fileExists(atPath: path) else { throw ScriptError("load: \(path): no such file or folder") }
            if format == "safetensors" || (format == nil && looksLikeSafeTensors(path)) {
                return try engine("load") { try weights(SafeTensors.read(from: path)) }
            }
            let datasetFormat = format.flatMap(DatasetFormat.init(rawValue:))
            return .foreign(DatasetValue(try engine("load") { try Dataset.load(path, format: datasetFormat) }))
        }
    }

    /// A network when the file describes one, else a tensor or a record of tensors.
    static func weights(_ file: SafeTensors) throws -> Value {
        switch file.metadata[kindKey] {
        case "network":
            guard let spec = try file.jsonMetadata(NetworkSpec.self) else {
                throw TensorError.invalidArgument(op: "load", "the file names no architecture")
            }
            // Every weight is overwritten by the file's, so this generator draws nothing that survives.
            var scratch = RandomGenerator(seed: 0)
            let net = try spec.build(&scratch)
            try net.module.load(stateDict: file.tensors)
            return .foreign(net)
        case "tensor" where file.tensors.count == 1:
            return .tensor(file.tensors.first!.value)
        default:
            let names = file.tensors.keys.sorted()
            return .record(Record(keys: names, values: names.map { .tensor(file.tensors[$0]!) }))
        }
    }

    static func sample(_ s: EngineState) -> Builtin {
        Builtin("sample", [.init("dataset", .foreign("dataset")), .init("count", .integer),
                           .init("pool", .string, default: .string("transitions")), .init("seed", .integer, default: .nil)],
                doc: "count transitions drawn uniformly from a dataset (pool: steps, transitions or successors), as a record of tensors.") { a in
            let d = try a.object(0, DatasetValue.self, "dataset").dataset
            let n = try a.positive(1)
            let pool: SamplingPool
            switch try a.string(2) {
            case "steps": pool = .steps
            case "transitions": pool = .transitions
            case "successors": pool = .successors
            case let other: throw a.bad(2, "unknown pool '\(other)'; expected steps, transitions or successors")
            }
            try s.checkCancelled()
            let b = try engine("sample") { try s.withGenerator(a[3]) { try d.sample(n, using: &$0, from: pool) } }
            return .record(Record([
                "observations": .tensor(b.observations), "actions": .tensor(b.actions), "rewards": .tensor(b.rewards),
                "next_observations": .tensor(b.nextObservations), "terminals": .tensor(b.terminals), "timeouts": .tensor(b.timeouts),
            ]))
        }
    }
}
