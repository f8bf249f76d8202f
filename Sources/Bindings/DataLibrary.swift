// The data library: one `load` that dispatches on the file's format (safetensors for
// networks, optimisers and tensors, NumPy .npy; D4RL HDF5, Minari folders and NPZ for
// datasets), datasets as values with a one-screen summary and fields, and `sample`.
// `save` and `load_state` are in DataLibrary+Checkpoints.swift, CSV and JSON files in
// DataLibrary+Tables.swift.

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
        ["observations", "actions", "rewards", "next_observations", "has_next", "terminals", "timeouts", "count", "episodes",
         "observation_size", "action_size", "returns", "source", "format", "env"]
    }

    /// `len(d)`: its transitions, as `d.count`.
    func length() -> Int? { dataset.count }

    func field(_ name: String) throws -> Value? {
        let d = dataset
        // Flags are masks, so d.observations[d.terminals] selects the terminal steps.
        func flags(_ xs: [Bool]) -> Value { .mask(Tensor(xs.map { $0 ? 1 : 0 })) }
        switch name {
        case "observations": return .tensor(d.observations)
        case "actions": return .tensor(d.actions)
        case "rewards": return .tensor(d.rewards)
        case "next_observations": return .tensor(d.nextObservations)
        case "terminals": return flags(d.terminals)
        case "timeouts": return flags(d.timeouts)
        case "has_next": return flags(d.hasNext)
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
        Library(name: "data", entries: [save, load(s), loadState, sample(s), makeDataset(s), behaviourPolicy(s)] + tables)
    }

    /// cdsa's recreation of a D4RL locomotion dataset, from the data folder when the file
    /// there is what the recipe makes today from the committed behaviour policies (or the
    /// same made with another machine's arithmetic, with a note); else made (again) now, with
    /// a line saying so and why, and a progress bar.
    static func namedDataset(_ world: String, _ kind: LocomotionData.Kind, _ s: EngineState) throws -> Dataset {
        let name = "\(world)-\(kind.rawValue)", path = LocomotionData.path(world, kind)
        guard let behaviour = s.behaviourFolder else {
            throw ScriptError("load: \(name) is made from cdsa's behaviour policies (stdlib/behaviour), which this session cannot find")
        }
        var why = "first use; it is kept in \(path)"
        if FileManager.default.fileExists(atPath: path) {
            let made = try engine("load") { try Dataset.load(path) }
            switch try engine("load", { try LocomotionData.freshness(of: made, world, kind, behaviour: behaviour) }) {
            case .current: return made
            case .otherArithmetic(let row):
                FileHandle.standardError.write(Data("note: \(path) was made with other arithmetic than this machine's (OpenBLAS \(BLAS.coreName) kernels): the same recipe and policies, but its steps part from the ones made here at row \(row), as any rollout's do; used as it is\n".utf8))
                return made
            case .stale(let reason): why = "\(path) is out of date: it \(reason)"
            }
        }
        try engine("load") { try FileManager.default.createDirectory(atPath: LocomotionData.folder, withIntermediateDirectories: true) }
        FileHandle.standardError.write(Data("making \(name), cdsa's recreation of D4RL's dataset by its recipe (\(why))\n".utf8))
        return try engine("load") {
            try LocomotionData.make(world, kind, behaviour: behaviour, to: path, progress: ConsoleProgress(), cancellation: s.cancellation)
        }
    }

    static func behaviourPolicy(_ s: EngineState) -> Builtin {
        Builtin("behaviour_policy", [.init("world", .string), .init("level", .string)],
                doc: "The SAC policy a locomotion dataset was made from (stdlib/behaviour): world hopper, walker2d or halfcheetah; level medium or expert.") { a in
            guard let (world, kind) = LocomotionData.parse("\(try a.string(0))-\(try a.string(1))"), kind == .medium || kind == .expert else {
                throw a.bad(0, "a world (\(LocomotionData.worlds.joined(separator: ", "))) and a level (medium or expert) expected, got \(a[0].repr) and \(a[1].repr)")
            }
            guard let behaviour = s.behaviourFolder else { throw ScriptError("behaviour_policy: this session cannot find stdlib/behaviour") }
            let path = LocomotionData.policyPath(world, kind, in: behaviour)
            return .foreign(PolicyValue(try engine("behaviour_policy") {
                guard FileManager.default.fileExists(atPath: path) else { throw DatasetError.notFound(file: path) }
                return try PolicyFile.read(from: path)
            }))
        }
    }

    static func makeDataset(_ s: EngineState) -> Builtin {
        Builtin("make_dataset", [.init("name", .string), .init("steps", .integer, default: .number(Double(LocomotionData.steps))),
                                 .init("folder", .string, default: .nil), .init("progress", .bool, default: .bool(true))],
                doc: "Make (again) cdsa's recreation of a D4RL locomotion dataset by its recipe from stdlib/behaviour — hopper, walker2d or halfcheetah × random, medium, expert, medium-replay, medium-expert — into folder (default the data folder, $CDSA_DATA), deterministically; returns it.") { a in
            let name = try a.string(0)
            guard let (world, kind) = LocomotionData.parse(name) else {
                throw a.bad(0, "a locomotion dataset name expected (\(LocomotionData.worlds.joined(separator: ", ")) × \(LocomotionData.Kind.allCases.map(\.rawValue).joined(separator: ", "))), got \(a[0].repr)")
            }
            guard let behaviour = s.behaviourFolder else { throw ScriptError("make_dataset: this session cannot find stdlib/behaviour") }
            var folder = LocomotionData.folder
            if case .string(let f) = a[2] { folder = f }
            let steps = try a.positive(1)
            try engine("make_dataset") { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            let progress = try a.bool(3)
            return .foreign(DatasetValue(try engine("make_dataset") {
                try LocomotionData.make(world, kind, behaviour: behaviour, to: LocomotionData.path(world, kind, in: folder), steps: steps,
                                        progress: progress ? ConsoleProgress() : nil, cancellation: s.cancellation)
            }))
        }
    }

    /// Whether the file starts like safetensors: a little-endian header length, then `{`.
    static func looksLikeSafeTensors(_ path: String) -> Bool {
        if path.hasSuffix(".safetensors") { return true }
        let head = firstBytes(path, 9)
        return head.count == 9 && head[8] == UInt8(ascii: "{")
    }

    static func firstBytes(_ path: String, _ n: Int) -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? h.close() }
        return (try? h.read(upToCount: n)).map { [UInt8]($0) } ?? []
    }

    static var formats: [String] { ["safetensors", "npy"] + DatasetFormat.allCases.map(\.rawValue) }

    static func load(_ s: EngineState) -> Builtin {
        Builtin("load", [.init("path", .string), .init("format", .string, default: .nil)],
                doc: "Read a file, detecting its format unless given: safetensors (a network, optimizer, tensor or record), a NumPy .npy array (a tensor) or a dataset (d4rl HDF5, minari folder, npz); or a locomotion dataset by D4RL name (hopper-medium-v2), cdsa's recreation, made on first use and made again when the data folder's file is not what the recipe makes from today's behaviour policies.") { a in
            let path = try a.string(0)
            if !FileManager.default.fileExists(atPath: path), let (world, kind) = LocomotionData.parse(path) {
                return .foreign(DatasetValue(try namedDataset(world, kind, s)))
            }
            var format: String?
            if case .string(let f) = a[1] {
                guard formats.contains(f) else { throw a.bad(1, "unknown format '\(f)'; expected one of \(formats.joined(separator: ", "))") }
                format = f
            }
            guard FileManager.default.fileExists(atPath: path) else { throw ScriptError("load: \(path): no such file or folder") }
            if format == "safetensors" || (format == nil && looksLikeSafeTensors(path)) {
                return try engine("load") { try weights(SafeTensors.read(from: path), path: path) }
            }
            if format == "npy" || (format == nil && firstBytes(path, 6) == numpyMagic) {
                guard let data = FileManager.default.contents(atPath: path) else { throw ScriptError("load: \(path): cannot read the file") }
                return .tensor(try engine("load") {
                    try NumpyArray(npy: [UInt8](data), file: path, key: URL(fileURLWithPath: path).lastPathComponent).tensor()
                })
            }
            if format == nil, let other = unreadable(path) { throw ScriptError("load: \(path) is \(other)") }
            let datasetFormat = format.flatMap(DatasetFormat.init(rawValue:))
            if (datasetFormat ?? DatasetFormat.detect(path)) == .npz {
                // Archives of plain arrays (no `observations`) load as a record of tensors.
                switch try engine("load", { try NPZContents.read(path) }) {
                case .dataset(let d): return .foreign(DatasetValue(d))
                case .arrays(let arrays):
                    let names = arrays.keys.sorted()
                    return .record(Record(keys: names, values: names.map { .tensor(arrays[$0]!) }))
                }
            }
            return .foreign(DatasetValue(try engine("load") { try Dataset.load(path, format: datasetFormat) }))
        }
    }

    static let numpyMagic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    static let hdf5Magic: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// What a file `load` cannot read is, and what reads it instead; nil for a file that
    /// may be a dataset (HDF5 by name or signature, a zip, a folder).
    static func unreadable(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        if isFolder.boolValue { return nil }
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        let known = "load reads .safetensors, NumPy .npy and .npz, D4RL .hdf5/.h5 and Minari folders"
        switch ext {
        case "hdf5", "h5", "npz": return nil
        case "csv", "tsv": return "a CSV file; read it with read_csv(path)"
        case "json", "jsonl": return "a JSON file; read it with read_json(path)"
        case "pt", "pth", "ckpt":
            return "a PyTorch checkpoint (torch.save, a pickle); cdsa never unpickles: save the state dict with safetensors.torch.save_file and load that"
        case "pkl", "pickle":
            return "a Python pickle; cdsa never unpickles: save arrays with numpy.savez or safetensors"
        default: break
        }
        let head = firstBytes(path, 8)
        if head == hdf5Magic || head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return nil }
        if head.first == 0x80 { return "a Python pickle; cdsa never unpickles: save arrays with numpy.savez or safetensors" }
        return "not a format cdsa knows (\(known)); pass format= if it is one of them"
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
                "next_observations": .tensor(b.nextObservations), "terminals": .mask(b.terminals), "timeouts": .mask(b.timeouts),
            ]))
        }
    }
}
