// CDSA's models as cdsa values: a score model is called `g(s, a)` or `g(s, a, sigma=…)`,
// an inverse-dynamics model `inv(s, s2)`, on one state (1-D tensors) or a batch; both
// save to safetensors and load back with `load`.

import Autodiff
import Correctors
import Foundation
import Language
import NeuralNet
import OfflineRL

/// A value's tensor as a batch: a 1-D tensor becomes one row (and `single` says so).
private func batch(_ v: Value, _ what: String, size: Int) throws -> (Tensor, single: Bool) {
    guard let t = (try? tensorLike(v)) ?? nil else { throw ScriptError("\(what) must be a tensor, got \(v.typeName)") }
    if t.rank == 1, t.count == size { return (try t.reshaped([1, size]), true) }
    guard t.rank == 2, t.shape[1] == size else {
        throw ScriptError("\(what) must have \(size) values, or be a batch [n, \(size)]; got shape \(t.shape)")
    }
    return (t, false)
}

private func origin(_ p: Provenance?) -> String {
    guard let p else { return "" }
    var text = ""
    if let d = p.dataset { text += " on \((d.source as NSString).lastPathComponent) (sha256 \(d.sha256.prefix(8))…)" }
    if let steps = p.steps { text += ", \(steps) steps" }
    return text
}

final class ScoreModelValue: CallableForeign, SavableValue {
    let model: ScoreModel
    init(_ model: ScoreModel) { self.model = model }

    var typeName: String { "score model" }
    var summary: String {
        let levels = model.sigmas.map { Value.format(shortest($0)) }.joined(separator: ", ")
        return "\(model.target == .action ? "action" : "state") score model, σ [\(levels)]\(origin(model.provenance))"
    }
    var fieldNames: [String] { ["target", "sigmas", "eta", "one_step_move", "normalizer", "steps", "dataset", "sha256"] }

    func field(_ name: String) throws -> Value? {
        switch name {
        case "target": return .string(model.target.rawValue)
        case "sigmas": return .list(List(model.sigmas.map { .number(shortest($0)) }))
        case "eta": return model.eta.map { .number(shortest($0)) } ?? .nil
        case "one_step_move": return model.oneStepMove.map { .number(shortest($0)) } ?? .nil
        case "normalizer": return .record(Record(["mean": .tensor(model.normalizer.mean), "std": .tensor(model.normalizer.std)]))
        case "steps": return model.provenance?.steps.map { .number(Double($0)) } ?? .nil
        case "dataset": return model.provenance?.dataset.map { .string($0.source) } ?? .nil
        case "sha256": return model.provenance?.dataset.map { .string($0.sha256) } ?? .nil
        default: return nil
        }
    }

    /// `g(s, a, sigma=nil)`: the score at the smallest level, or at `sigma`.
    func call(_ arguments: CallArguments, interpreter: Interpreter) throws -> Value? {
        let usage = "bad arguments to a score model (expected g(s, a) or g(s, a, sigma=…))"
        guard arguments.positional.count == 2, arguments.keywords.allSatisfy({ $0.name == "sigma" }) else { throw ScriptError(usage) }
        var sigma: Float?
        if let k = arguments.keywords.first {
            guard case .number(let x) = k.value else { throw ScriptError("sigma must be a number, got \(k.value.typeName)") }
            sigma = Float(x)
        }
        let (s, single) = try batch(arguments.positional[0], "the state", size: model.stateSize)
        let (a, _) = try batch(arguments.positional[1], "the action", size: model.actionSize)
        guard a.shape[0] == s.shape[0] else { throw ScriptError("\(counted(s.shape[0], "state")) and \(counted(a.shape[0], "action")): one action per state expected") }
        let out = try engine("score") { try model.score(states: s, actions: a, sigma: sigma) }
        return .tensor(single ? try out.reshaped([-1]) : out)
    }

    func save(to path: String) throws { try model.save(to: path) }
}

final class InverseValue: CallableForeign, SavableValue {
    let model: InverseDynamics
    init(_ model: InverseDynamics) { self.model = model }

    var typeName: String { "inverse dynamics" }
    var summary: String { "inverse dynamics (\(model.stateSize) states → \(model.actionSize) actions)\(origin(model.provenance))" }
    var fieldNames: [String] { ["steps", "dataset", "sha256"] }

    func field(_ name: String) throws -> Value? {
        switch name {
        case "steps": return model.provenance?.steps.map { .number(Double($0)) } ?? .nil
        case "dataset": return model.provenance?.dataset.map { .string($0.source) } ?? .nil
        case "sha256": return model.provenance?.dataset.map { .string($0.sha256) } ?? .nil
        default: return nil
        }
    }

    /// `inv(s, s2)`: the action that takes s to s2.
    func call(_ arguments: CallArguments, interpreter: Interpreter) throws -> Value? {
        guard arguments.positional.count == 2, arguments.keywords.isEmpty else {
            throw ScriptError("bad arguments to an inverse-dynamics model (expected inv(s, s2))")
        }
        let (s, single) = try batch(arguments.positional[0], "the state", size: model.stateSize)
        let (next, _) = try batch(arguments.positional[1], "the next state", size: model.stateSize)
        guard next.shape[0] == s.shape[0] else { throw ScriptError("\(counted(s.shape[0], "state")) and \(counted(next.shape[0], "next state")): one next state per state expected") }
        let out = try engine("inverse") { try model(states: s, nextStates: next) }
        return .tensor(single ? try out.reshaped([-1]) : out)
    }

    func save(to path: String) throws { try model.save(to: path) }
}
