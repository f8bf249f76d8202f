// Checkpoints: a network's architecture and weights, the observation normaliser it was
// trained with, and optionally its optimiser's state, in one safetensors file that
// rebuilds all of them. Layout (every tensor F32, by name):
//
//   __metadata__   cdsa.kind       "network" or "optimizer" (a later "policy" adds its own)
//                  cdsa.config     the NetworkSpec as JSON
//                  cdsa.optimizer  {"name", "config", "steps"} as JSON (optimizer only)
//   tensors        the parameters by their PyTorch names (net.0.weight, …)
//                  normalizer.mean, normalizer.std          when there is a normaliser
//                  optimizer.m.<name>, optimizer.v.<name>   Adam's moments (optimizer only)
//
// The parameters keep PyTorch's names, so the file is also a state dict for
// `model.load_state_dict(safetensors.torch.load_file(path), strict=False)`.

import Autodiff
import Foundation

/// A network's architecture, enough to rebuild it.
public struct NetworkSpec: Codable, Equatable, Sendable {
    /// "mlp" or "linear".
    public var kind: String
    /// Layer widths from input to output ([inputs, outputs] for a linear layer).
    public var sizes: [Int]
    public var activation: String = "identity"
    public var layernorm: Bool = false
    /// The output activation.
    public var out: String = "identity"
    /// Whether a linear layer has a bias (an MLP's layers always do).
    public var bias: Bool = true

    public init(kind: String, sizes: [Int], activation: String = "identity", layernorm: Bool = false,
                out: String = "identity", bias: Bool = true) {
        self.kind = kind
        self.sizes = sizes
        self.activation = activation
        self.layernorm = layernorm
        self.out = out
        self.bias = bias
    }

    /// A freshly initialised network of this architecture: an `MLP` or a `Linear`.
    public func build(rng: inout RandomGenerator) throws -> any Module {
        func act(_ s: String) throws -> Activation {
            guard let a = Activation(rawValue: s) else { throw TensorError.invalidArgument(op: kind, "unknown activation '\(s)'") }
            return a
        }
        switch kind {
        case "linear":
            guard sizes.count == 2 else { throw TensorError.invalidArgument(op: "linear", "needs [in, out], got \(sizes)") }
            return try Linear(sizes[0], sizes[1], bias: bias, rng: &rng)
        case "mlp":
            let config = MLP.Config(sizes: sizes, activation: try act(activation), layerNorm: layernorm, outputActivation: try act(out))
            return try MLP(config, rng: &rng)
        default:
            throw TensorError.invalidArgument(op: "load", "unknown network kind '\(kind)'")
        }
    }
}

/// An optimiser's settings and state, as a checkpoint stores them.
public struct OptimizerCheckpoint {
    /// "adam" or "adamw".
    public var name: String
    public var config: Adam.Config
    public var state: Adam.State

    public init(name: String, config: Adam.Config, state: Adam.State) {
        self.name = name
        self.config = config
        self.state = state
    }

    /// The settings and state of `adam`.
    public init(_ adam: Adam) {
        self.init(name: adam.config.decoupledWeightDecay ? "adamw" : "adam", config: adam.config, state: adam.state())
    }
}

/// A checkpoint that cannot be read: the file and what is wrong with it.
public struct CheckpointError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

public struct Checkpoint {
    /// What the file holds; a later kind (a policy) adds its own fields.
    public enum Kind: String, Sendable {
        case network, optimizer
    }

    public var kind: Kind
    public var network: NetworkSpec
    /// The network's parameters by name.
    public var parameters: [String: Tensor]
    public var normalizer: Normalizer?
    /// Set for `kind == .optimizer`.
    public var optimizer: OptimizerCheckpoint?

    public static let kindKey = "cdsa.kind"
    public static let optimizerKey = "cdsa.optimizer"

    public init(network: NetworkSpec, parameters: [String: Tensor], normalizer: Normalizer? = nil,
                optimizer: OptimizerCheckpoint? = nil) {
        kind = optimizer == nil ? .network : .optimizer
        self.network = network
        self.parameters = parameters
        self.normalizer = normalizer
        self.optimizer = optimizer
    }

    /// A checkpoint of `module` (built from `spec`) as it is now.
    public init(_ module: any Module, spec: NetworkSpec, normalizer: Normalizer? = nil, optimizer: Adam? = nil) {
        self.init(network: spec, parameters: module.stateDict, normalizer: normalizer, optimizer: optimizer.map(OptimizerCheckpoint.init))
    }

    /// The network, rebuilt and holding the checkpoint's parameters.
    public func makeNetwork() throws -> any Module {
        // Every weight is overwritten by the checkpoint's, so this generator draws nothing that survives.
        var scratch = RandomGenerator(seed: 0)
        let module = try network.build(rng: &scratch)
        try module.load(stateDict: parameters)
        return module
    }

    /// The optimiser, rebuilt over `module`'s parameters with the checkpoint's settings and state.
    public func makeOptimizer(for module: any Module) throws -> Adam? {
        guard let optimizer else { return nil }
        let adam = Adam(module.parameters, optimizer.config)
        try adam.restore(optimizer.state)
        return adam
    }

    // MARK: The file

    private static let normalizerNames = ("normalizer.mean", "normalizer.std")
    private static let momentPrefixes = ("optimizer.m.", "optimizer.v.")

    /// Whether `file` was written as a checkpoint (rather than as plain tensors).
    public static func describes(_ file: SafeTensors) -> Bool {
        file.metadata[kindKey].flatMap(Kind.init(rawValue:)) != nil
    }

    public var safeTensors: SafeTensors {
        get throws {
            var file = SafeTensors(tensors: parameters.mapValues(\.detached))
            file.metadata[Self.kindKey] = kind.rawValue
            try file.setJSONMetadata(network)
            if let normalizer {
                file.tensors[Self.normalizerNames.0] = normalizer.mean
                file.tensors[Self.normalizerNames.1] = normalizer.std
            }
            if let optimizer {
                try file.setJSONMetadata(Settings(name: optimizer.name, config: optimizer.config, steps: optimizer.state.steps),
                                         forKey: Self.optimizerKey)
                for (name, m) in optimizer.state.firstMoment { file.tensors[Self.momentPrefixes.0 + name] = m.detached }
                for (name, v) in optimizer.state.secondMoment { file.tensors[Self.momentPrefixes.1 + name] = v.detached }
            }
            return file
        }
    }

    /// The optimiser's JSON metadata; its moments are tensors.
    private struct Settings: Codable {
        var name: String
        var config: Adam.Config
        var steps: Int
    }

    /// Reads a checkpoint from a safetensors file's contents; `source` names it in errors.
    public init(_ file: SafeTensors, source: String) throws {
        func bad(_ reason: String) -> CheckpointError { CheckpointError(path: source, reason: reason) }
        guard let raw = file.metadata[Self.kindKey] else { throw bad("not a cdsa checkpoint (no \(Self.kindKey) in the metadata)") }
        guard let kind = Kind(rawValue: raw) else { throw bad("unknown checkpoint kind '\(raw)'") }
        do {
            guard let spec = try file.jsonMetadata(NetworkSpec.self) else { throw bad("the checkpoint names no architecture") }
            self.kind = kind
            network = spec
        } catch let e as CheckpointError { throw e } catch {
            throw bad("the architecture in \(SafeTensors.configKey) is not readable: \(error)")
        }
        var tensors = file.tensors
        let (meanName, stdName) = Self.normalizerNames
        switch (tensors.removeValue(forKey: meanName), tensors.removeValue(forKey: stdName)) {
        case (nil, nil): normalizer = nil
        case (let mean?, let std?):
            do { normalizer = try Normalizer(mean: mean, std: std) } catch { throw bad("bad normalizer: \(error)") }
        default: throw bad("the normalizer needs both \(meanName) and \(stdName)")
        }
        optimizer = nil
        if kind == .optimizer {
            let settings: Settings
            do {
                guard let s = try file.jsonMetadata(Settings.self, forKey: Self.optimizerKey) else {
                    throw bad("an optimizer checkpoint without \(Self.optimizerKey)")
                }
                settings = s
            } catch let e as CheckpointError { throw e } catch {
                throw bad("the optimizer settings in \(Self.optimizerKey) are not readable: \(error)")
            }
            var m: [String: Tensor] = [:], v: [String: Tensor] = [:]
            for name in Array(tensors.keys) {
                if name.hasPrefix(Self.momentPrefixes.0) { m[String(name.dropFirst(Self.momentPrefixes.0.count))] = tensors.removeValue(forKey: name) }
                else if name.hasPrefix(Self.momentPrefixes.1) { v[String(name.dropFirst(Self.momentPrefixes.1.count))] = tensors.removeValue(forKey: name) }
            }
            optimizer = OptimizerCheckpoint(name: settings.name, config: settings.config,
                                            state: Adam.State(steps: settings.steps, firstMoment: m, secondMoment: v))
        }
        parameters = tensors
    }

    public static func read(from path: String) throws -> Checkpoint {
        try Checkpoint(SafeTensors.read(from: path), source: path)
    }

    /// Writes atomically (temporary file, fsync, rename).
    public func write(to path: String) throws {
        try safeTensors.write(to: path)
    }
}
