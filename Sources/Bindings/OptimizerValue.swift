// An optimiser as a cdsa value: Adam or AdamW bound to one network. Its settings are
// fields a script may set between steps (`opt.lr = 1e-4` for a schedule keeps the moment
// estimates), and `save(opt, path)` / `load_state(opt, path)` carry its whole state.

import Autodiff
import Foundation
import Language
import NeuralNet

final class OptimizerValue: ForeignValue {
    let adam: Adam
    let network: NetworkValue

    init(network: NetworkValue, config: Adam.Config) {
        self.network = network
        adam = Adam(network.module.parameters, config)
    }

    init(network: NetworkValue, adam: Adam) {
        self.network = network
        self.adam = adam
    }

    /// "adamw" with decoupled weight decay, else "adam" (restoring a state may switch it).
    var name: String { adam.config.decoupledWeightDecay ? "adamw" : "adam" }

    var typeName: String { "optimizer" }
    var fieldNames: [String] { ["lr", "weight_decay", "beta1", "beta2", "eps", "steps", "network"] }
    var summary: String {
        let c = adam.config
        let decay = c.weightDecay == 0 ? "" : ", weight decay \(Value.float(c.weightDecay).repr)"
        return "\(name) (lr \(Value.float(c.learningRate).repr)\(decay); \(counted(adam.steps, "step"))) for \(network.summary)"
    }

    /// The settings a script may read and set: the config field and what it must be.
    static func setting(_ name: String) -> (field: WritableKeyPath<Adam.Config, Float>, valid: (Float) -> Bool, expected: String)? {
        switch name {
        case "lr": return (\.learningRate, { $0 > 0 && $0.isFinite }, "a positive number")
        case "weight_decay": return (\.weightDecay, { $0 >= 0 && $0.isFinite }, "a number ≥ 0")
        case "beta1": return (\.beta1, { $0 >= 0 && $0 < 1 }, "a number in [0, 1)")
        case "beta2": return (\.beta2, { $0 >= 0 && $0 < 1 }, "a number in [0, 1)")
        case "eps": return (\.epsilon, { $0 >= 0 && $0.isFinite }, "a number ≥ 0")
        default: return nil
        }
    }

    func field(_ name: String) throws -> Value? {
        if let s = Self.setting(name) { return .float(adam.config[keyPath: s.field]) }
        switch name {
        case "steps": return .number(Double(adam.steps))
        case "network": return .foreign(network)
        default: return nil
        }
    }

    func setField(_ name: String, to value: Value) throws -> Bool {
        guard let s = Self.setting(name) else {
            if fieldNames.contains(name) { throw ScriptError("optimizer field '\(name)' is read-only") }
            return false
        }
        guard case .number(let x) = value, s.valid(Float(x)) else {
            throw ScriptError("opt.\(name) must be \(s.expected), got \(value.typeName == "number" ? value.repr : value.typeName)")
        }
        adam.config[keyPath: s.field] = Float(x)
        return true
    }

    var checkpoint: Checkpoint {
        Checkpoint(network.module, spec: network.spec, normalizer: network.normalizer, optimizer: adam)
    }

    /// Restores this optimiser and its network from `checkpoint`: the parameters, the
    /// normaliser, the settings, the step count and the moments. Nothing changes if the
    /// architecture differs.
    func restore(_ checkpoint: Checkpoint, what: String) throws {
        guard checkpoint.network == network.spec else {
            throw ScriptError("\(what): the file holds \(DataLibrary.describe(checkpoint.network)), but the optimizer trains \(network.summary)")
        }
        guard let saved = checkpoint.optimizer else {
            throw ScriptError("\(what): the file holds a network without optimizer state; load_state(opt.network, path) loads its parameters")
        }
        // Check the moments against a scratch optimiser first, so a bad file changes nothing.
        try engine(what) { try Adam(network.module.parameters, saved.config).restore(saved.state) }
        try network.setParameters(checkpoint.parameters, what: what)
        network.normalizer = checkpoint.normalizer
        adam.config = saved.config
        try engine(what) { try adam.restore(saved.state) }
    }
}
