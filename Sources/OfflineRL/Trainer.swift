import Autodiff
import Foundation
import NeuralNet
import Simulation

/// Losses of one update, in a fixed order (the columns of metrics.csv).
public typealias Losses = [(name: String, value: Double)]

/// Anything trained an update at a time under `TrainingLoop`: an algorithm, or a model
/// such as a score field or an inverse-dynamics network. Each is one file: its paper, a
/// `Config` with the paper's defaults, its networks, and `update()` in the paper's words;
/// the loop adds logging, evaluation, checkpoints and resumption.
public protocol Learner: AnyObject {
    /// Registry name ("bc", "iql", "score"…), as the language and run manifests spell it.
    var algorithm: String { get }
    /// Updates done so far.
    var step: Int { get set }
    /// The config as a JSON object (manifests, checkpoints, provenance).
    var configJSON: String { get }
    /// One update (for an online algorithm, one environment step and its update).
    func update() throws -> Losses
    /// Writes everything a bit-exact continuation needs: networks, optimiser moments,
    /// generators, any buffers.
    func save(into state: inout TrainingState) throws
    /// Restores what `save` wrote into a learner made with the same config and seed.
    func restore(from state: TrainingState) throws
}

/// A learner whose product is a policy: every offline-RL algorithm, and SAC.
public protocol Trainer: Learner {
    /// The policy as it is now, deterministic, sharing nothing later updates change.
    func policy() throws -> ActorPolicy
}

/// A checkpoint's contents: named tensors and named strings, as a safetensors file
/// holds them. Keys are `<part>/<name>`: "actor/net.0.weight", "actor.adam/m/net.0.weight"
/// (an optimiser's parameters must have distinct names: give each network its own prefix).
public struct TrainingState {
    public var tensors: [String: Tensor] = [:]
    public var values: [String: String] = [:]

    public init() {}

    public mutating func save(_ module: any Module, as part: String) {
        for p in module.parameters { tensors["\(part)/\(p.name)"] = p.value.detached }
    }

    public mutating func save(_ adam: Adam, as part: String) {
        let s = adam.state()
        for (name, m) in s.firstMoment { tensors["\(part)/m/\(name)"] = m }
        for (name, v) in s.secondMoment { tensors["\(part)/v/\(name)"] = v }
        values["\(part)/steps"] = String(s.steps)
    }

    public mutating func save(_ rng: RandomGenerator, as key: String) {
        values[key] = rng.state.map { String($0, radix: 16) }.joined(separator: ",")
    }

    public mutating func save(_ tensor: Tensor, as key: String) { tensors[key] = tensor.detached }

    /// Doubles kept exactly (their bit patterns): simulator states, running sums.
    public mutating func save(_ numbers: [Double], as key: String) {
        values[key] = numbers.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
    }

    public func tensor(_ key: String) throws -> Tensor {
        guard let t = tensors[key] else { throw TrainingError.checkpoint("missing tensor '\(key)'") }
        return t
    }

    public func value(_ key: String) throws -> String {
        guard let v = values[key] else { throw TrainingError.checkpoint("missing value '\(key)'") }
        return v
    }

    public func integer(_ key: String) throws -> Int {
        guard let n = Int(try value(key)) else { throw TrainingError.checkpoint("'\(key)' is not an integer") }
        return n
    }

    public func doubles(_ key: String) throws -> [Double] {
        let words = try value(key).split(separator: ",").map { UInt64($0, radix: 16) }
        guard words.allSatisfy({ $0 != nil }) else { throw TrainingError.checkpoint("'\(key)' is not a list of numbers") }
        return words.map { Double(bitPattern: $0!) }
    }

    public func restore(_ module: any Module, from part: String) throws {
        var dict: [String: Tensor] = [:]
        for p in module.parameters { dict[p.name] = try tensor("\(part)/\(p.name)") }
        do { try module.load(stateDict: dict) } catch { throw TrainingError.checkpoint("\(part): \(error)") }
    }

    public func restore(_ adam: Adam, from part: String) throws {
        var m: [String: Tensor] = [:], v: [String: Tensor] = [:]
        for p in adam.parameters {
            m[p.name] = try tensor("\(part)/m/\(p.name)")
            v[p.name] = try tensor("\(part)/v/\(p.name)")
        }
        do { try adam.restore(Adam.State(steps: try integer("\(part)/steps"), firstMoment: m, secondMoment: v)) }
        catch let e as TrainingError { throw e }
        catch { throw TrainingError.checkpoint("\(part): \(error)") }
    }

    /// The tensor saved for `parameter` under `key`, checked against its shape.
    public func restoring(_ parameter: Parameter, from key: String) throws -> Tensor {
        let t = try tensor(key)
        guard t.shape == parameter.value.shape else {
            throw TrainingError.checkpoint("'\(key)' has shape \(t.shape), expected \(parameter.value.shape)")
        }
        return t
    }

    public func generator(_ key: String) throws -> RandomGenerator {
        let words = try value(key).split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard let rng = RandomGenerator(state: words) else { throw TrainingError.checkpoint("'\(key)' is not a generator state") }
        return rng
    }
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A checkpoint is missing something or does not fit the trainer.
    case checkpoint(String)
    /// A loss became NaN or infinite; the run stopped before saving anything of it.
    case nonFinite(step: Int, loss: String, value: Double, checkpoint: String?)
    /// Ctrl-C between updates; the state at `step` was saved when there is a folder.
    case interrupted(step: Int, of: Int, checkpoint: String?)
    /// A run folder cannot be used as asked.
    case run(String)
    case invalidConfig(String)

    public var description: String {
        switch self {
        case .checkpoint(let m): return "checkpoint: \(m)"
        case .nonFinite(let step, let loss, let value, let checkpoint):
            let kept = checkpoint.map { "; the last good checkpoint stays in \($0)" } ?? ""
            return "\(loss) became \(value) at step \(step)\(kept)"
        case .interrupted(let step, let total, let checkpoint):
            let saved = checkpoint.map { "; checkpoint written, resume(\"\($0)\") continues" } ?? ""
            return "interrupted at step \(step) of \(total)\(saved)"
        case .run(let m), .invalidConfig(let m): return m
        }
    }
}

/// What an algorithm learns from: a dataset (offline) or an environment (online, SAC).
public enum TrainingSource {
    case dataset(Dataset)
    case environment(any PhysicsEnvironment)
}

/// JSON helpers for configs: every algorithm's `Config` is Codable with snake_case keys.
public enum ConfigCoding {
    public static func encode<C: Encodable>(_ config: C) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(config), as: UTF8.self)
    }

    public static func decode<C: Decodable>(_ type: C.Type, from json: String) throws -> C {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { return try decoder.decode(type, from: Data(json.utf8)) } catch {
            throw TrainingError.invalidConfig("config: \(describe(error))")
        }
    }

    /// `defaults` with the fields of the JSON object `json` put over it; a field the
    /// config does not have is an error naming those it has.
    public static func merged<C: Codable>(_ defaults: C, with json: String) throws -> C {
        var fields = try fields(defaults)
        guard let given = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            throw TrainingError.invalidConfig("config: not a JSON object")
        }
        for (key, value) in given.sorted(by: { $0.key < $1.key }) {
            guard fields[key] != nil else {
                throw TrainingError.invalidConfig("unknown config field '\(key)' (fields: \(fields.keys.sorted().joined(separator: ", ")))")
            }
            if let why = outOfRange(key, value) { throw TrainingError.invalidConfig(why) }
            fields[key] = value
        }
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return try decode(C.self, from: String(decoding: data, as: UTF8.self))
    }

    /// Ranges of the fields several configs share, by name: a negative learning rate
    /// would climb the loss and a discount of 2 blow up the values, yet both start.
    static let ranges: [String: (ok: @Sendable (Double) -> Bool, says: String)] = [
        "learning_rate": ({ $0 > 0 }, "positive"), "max_weight": ({ $0 > 0 }, "positive"),
        "discount": ({ (0...1).contains($0) }, "in [0, 1]"),
        "tau": ({ $0 > 0 && $0 <= 1 }, "in (0, 1]"), "target_rate": ({ $0 > 0 && $0 <= 1 }, "in (0, 1]"),
        "alpha": ({ $0 >= 0 }, "non-negative"), "beta": ({ $0 >= 0 }, "non-negative"),
        "policy_noise": ({ $0 >= 0 }, "non-negative"), "noise_clip": ({ $0 >= 0 }, "non-negative"),
        "hidden": ({ $0 >= 1 }, "a list of positive sizes"), "execute_hidden": ({ $0 >= 1 }, "a list of positive sizes"),
        "sigmas": ({ $0 > 0 }, "a list of positive levels"),
    ]

    /// Why a given config value is out of its field's range, or nil.
    static func outOfRange(_ key: String, _ value: Any) -> String? {
        guard let range = ranges[key] else { return nil }
        let numbers = (value as? [Any] ?? [value]).compactMap { ($0 as? NSNumber)?.doubleValue }
        guard numbers.contains(where: { !range.ok($0) }) else { return nil }
        let shown = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])).map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
        return "\(key) must be \(range.says), got \(shown)"
    }

    /// The config's fields and their values, as a JSON object (for bindings: defaults).
    /// An optional field that is nil (a per-dataset choice) is there as null.
    public static func fields<C: Encodable>(_ config: C) throws -> [String: Any] {
        var fields = (try JSONSerialization.jsonObject(with: Data(try encode(config).utf8))) as? [String: Any] ?? [:]
        for child in Mirror(reflecting: config).children {
            guard let label = child.label, let optional = child.value as? any OptionalField, optional.isNil else { continue }
            fields[snakeCase(label)] = NSNull()
        }
        return fields
    }

    /// "maxWeight" → "max_weight", as JSONEncoder's convertToSnakeCase spells it.
    static func snakeCase(_ name: String) -> String {
        name.reduce(into: "") { out, c in out += c.isUppercase ? "_" + c.lowercased() : String(c) }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.dataCorrupted(let c):
            return "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        default: return "\(error)"
        }
    }
}

/// Lets `ConfigCoding.fields` see a nil optional through `Any`.
protocol OptionalField { var isNil: Bool { get } }
extension Optional: OptionalField {
    var isNil: Bool { if case .none = self { true } else { false } }
}

/// A file's size, modification time and inode: enough to tell that it was replaced or
/// written to since it was read.
public struct FileStamp: Sendable, Equatable {
    let size: UInt64, modified: Date, inode: UInt64

    /// The stamp of the regular file at `path`, or nil if there is none.
    public init?(_ path: String) {
        guard let a = try? FileManager.default.attributesOfItem(atPath: path), a[.type] as? FileAttributeType == .typeRegular,
              let size = a[.size] as? UInt64, let modified = a[.modificationDate] as? Date else { return nil }
        (self.size, self.modified, self.inode) = (size, modified, (a[.systemFileNumber] as? UInt64) ?? 0)
    }
}

extension Dataset {
    /// Marks the data as the file `path` now holds (after reading or writing it).
    public mutating func stamp(asFile path: String) {
        source = path
        file = FileStamp(path)
    }

    /// The dataset's identity: SHA-256 of its file when it was read from one (or written
    /// to one), else of its arrays (observations, actions, rewards, next states, flags), in
    /// that order. A file changed since is an error, not another dataset's hash: models
    /// and runs filed under it would silently belong to other data.
    public func identity() throws -> DatasetIdentity {
        if let file {
            guard FileStamp(source) == file else {
                throw DatasetError.invalidArgument("\(source) has changed on disk since it was read; load it again (the data in memory is no longer that file)")
            }
            return DatasetIdentity(source: source, sha256: try SHA256.hash(file: source), environment: environmentName)
        }
        var h = SHA256()
        for t in [observations, actions, rewards, nextObservations] { t.withUnsafeBufferPointer { h.update(UnsafeRawBufferPointer($0)) } }
        h.update(terminals.map { $0 ? 1 : 0 } + timeouts.map { $0 ? 1 : 0 } + hasNext.map { $0 ? 1 : 0 })
        return DatasetIdentity(source: source, sha256: h.finish(), environment: environmentName)
    }
}
