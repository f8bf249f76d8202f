// Networks, optimisers and gradients as cdsa values. A network is callable (`net(x)`)
// and records on whatever tape its input or parameters are on; gradients with respect
// to its parameters are a value an optimiser's `step` consumes.

import Autodiff
import Foundation
import Language
import NeuralNet

final class NetworkValue: CallableForeign {
    let spec: NetworkSpec
    let module: any Module
    /// The observation normaliser saved with the network (`net.normalizer`); `net(x)` does
    /// not apply it, a policy made from the network will.
    var normalizer: Normalizer?
    private let forward: (Tensor) throws -> Tensor

    init(_ spec: NetworkSpec, _ module: any Module, normalizer: Normalizer? = nil) {
        self.spec = spec
        self.module = module
        self.normalizer = normalizer
        switch module {
        case let mlp as MLP:
            forward = { try mlp($0) }
        case let layer as Linear:
            forward = { x in
                guard x.rank == 1 || x.rank == 2 else {
                    throw TensorError.shapeMismatch(op: "linear", "expects input [batch, \(layer.inputs)], got \(x.shape)")
                }
                let y = try layer(x.rank == 1 ? x.reshaped([1, -1]) : x)
                return x.rank == 1 ? try y.reshaped([layer.outputs]) : y
            }
        default:
            preconditionFailure("NetworkSpec builds only MLP and Linear")
        }
    }

    /// A fresh network of `spec`, from `rng`.
    convenience init(_ spec: NetworkSpec, rng: inout RandomGenerator) throws {
        self.init(spec, try spec.build(rng: &rng))
    }

    var checkpoint: Checkpoint { Checkpoint(module, spec: spec, normalizer: normalizer) }

    var typeName: String { "network" }
    var fieldNames: [String] { ["sizes", "parameters", "parameter_count", "normalizer"] }

    var summary: String {
        let base = (module as? MLP)?.description ?? "linear \(spec.sizes[0])-\(spec.sizes[1]) (\(counted(module.parameterCount, "parameter")))"
        return normalizer == nil ? base : base + " with normalizer"
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor { try engine(spec.kind) { try forward(x) } }

    func call(_ arguments: CallArguments, interpreter: Interpreter) throws -> Value? {
        let name = spec.kind
        guard arguments.keywords.isEmpty else {
            throw ScriptError("bad argument '\(arguments.keywords[0].name)' to '\(name)' (no such parameter)")
        }
        guard arguments.positional.count == 1 else {
            throw ScriptError("bad argument #\(min(arguments.positional.count + 1, 2)) to '\(name)' (1 argument expected, got \(arguments.positional.count))")
        }
        let v = arguments.positional[0]
        guard let x = try tensorLike(v) else { throw ScriptError("bad argument #1 to '\(name)' (tensor expected, got \(v.typeName))") }
        return .tensor(try self(x))
    }

    func field(_ name: String) throws -> Value? {
        switch name {
        case "sizes": return .list(List(spec.sizes.map { .number(Double($0)) }))
        case "parameter_count": return .number(Double(module.parameterCount))
        case "parameters": return parametersRecord()
        case "normalizer":
            guard let n = normalizer else { return .nil }
            return .record(Record(["mean": .tensor(n.mean), "std": .tensor(n.std)]))
        default: return nil
        }
    }

    /// `net.parameters = record` sets every parameter; `net.normalizer = {mean, std}` (or nil).
    func setField(_ name: String, to value: Value) throws -> Bool {
        switch name {
        case "parameters":
            guard case .record(let r) = value else { throw ScriptError("net.parameters: record of tensors expected, got \(value.typeName)") }
            try setParameters(Dictionary(uniqueKeysWithValues: zip(r.keys, r.values)), what: "net.parameters")
        case "normalizer":
            normalizer = try Self.normalizer(value, what: "net.normalizer")
        case "sizes", "parameter_count":
            throw ScriptError("network field '\(name)' is read-only")
        default:
            return false
        }
        return true
    }

    /// The parameters as a record of tensors (a snapshot); assigning one of its fields
    /// writes through to the network, shape-checked, so it is never silently lost.
    func parametersRecord() -> Value {
        let ps = module.parameters
        // Inside grad(loss, wrt=net) the parameters are watched: a penalty written over
        // net.parameters is then differentiated too (as in PyTorch), not a silent constant.
        let watched = ps.contains { $0.value.node != nil }
        let record = Record(keys: ps.map(\.name), values: ps.map { .tensor(watched ? $0.value : $0.value.detached) })
        record.willAssign = { [unowned self] name, value in
            try self.setParameter(name, value, what: "net.parameters")
        }
        return .record(record)
    }

    func setParameter(_ name: String, _ value: Value, what: String) throws {
        guard let p = module.parameters.first(where: { $0.name == name }) else {
            var message = "\(what): no parameter '\(name)' in \(summary)"
            let names = module.parameters.map(\.name)
            if let guess = Resolver.closest(to: name, in: Set(names)) { message += " (did you mean '\(guess)'?)" }
            throw ScriptError(message)
        }
        guard let t = try tensorLike(value) else { throw ScriptError("\(what): '\(name)' must be a tensor, got \(value.typeName)") }
        guard t.shape == p.value.shape else {
            throw ScriptError("\(what): '\(name)' has shape \(p.value.shape), got \(t.shape)")
        }
        p.value = t.detached
    }

    /// Sets every parameter from `values` (by name, each with its shape); names that are not
    /// parameters are an error. Nothing changes if it throws.
    func setParameters(_ values: [String: Value], what: String) throws {
        var tensors: [String: Tensor] = [:]
        for (name, v) in values {
            guard let t = try tensorLike(v) else { throw ScriptError("\(what): '\(name)' must be a tensor, got \(v.typeName)") }
            tensors[name] = t
        }
        try setParameters(tensors, what: what)
    }

    func setParameters(_ tensors: [String: Tensor], what: String) throws {
        let names = module.parameters.map(\.name)
        if let extra = tensors.keys.sorted().first(where: { !names.contains($0) }) {
            var message = "\(what): no parameter '\(extra)' in \(summary)"
            if let guess = Resolver.closest(to: extra, in: Set(names)) { message += " (did you mean '\(guess)'?)" }
            throw ScriptError(message)
        }
        try engine(what) { try module.load(stateDict: tensors) }
    }

    /// nil, or a record {mean, std} of vectors of one length.
    static func normalizer(_ value: Value, what: String) throws -> Normalizer? {
        if case .nil = value { return nil }
        guard case .record(let r) = value, let mean = r["mean"], let std = r["std"] else {
            throw ScriptError("\(what): a record {mean, std} (or nil) expected, got \(value.typeName == "record" ? "a record without mean and std" : value.typeName)")
        }
        guard let m = try tensorLike(mean), let s = try tensorLike(std) else {
            throw ScriptError("\(what): mean and std must be tensors")
        }
        return try engine(what) { try Normalizer(mean: m, std: s, op: what) }
    }
}

/// Gradients of a loss with respect to one network's parameters, in parameter order.
final class GradientsValue: ForeignValue {
    let network: NetworkValue
    var tensors: [Tensor]
    let loss: Double

    init(network: NetworkValue, tensors: [Tensor], loss: Double) {
        self.network = network
        self.tensors = tensors
        self.loss = loss
    }

    var norm: Double {
        var total = 0.0
        for g in tensors { g.withUnsafeBufferPointer { for x in $0 { total += Double(x) * Double(x) } } }
        return total.squareRoot()
    }

    var typeName: String { "gradients" }
    var fieldNames: [String] { ["loss", "norm", "names"] }
    var summary: String {
        "gradients of \(counted(tensors.count, "parameter")) (loss \(String(format: "%.6g", loss)), norm \(String(format: "%.4g", norm)))"
    }

    func field(_ name: String) throws -> Value? {
        switch name {
        case "loss": return .number(loss)
        case "norm": return .number(norm)
        case "names": return .list(List(network.module.parameters.map { .string($0.name) }))
        default: return nil
        }
    }

    /// `g["net.0.weight"]`: one parameter's gradient.
    func index(_ index: Value) throws -> Value? {
        guard case .string(let name) = index else { throw ScriptError("gradients index must be a parameter name, got \(index.typeName)") }
        guard let i = network.module.parameters.firstIndex(where: { $0.name == name }) else {
            throw ScriptError("no parameter '\(name)' in \(network.summary)")
        }
        return .tensor(tensors[i])
    }
}

/// `grad(f)`: calling it runs f with its tensor arguments watched by a fresh tape and
/// returns the gradient (a list of them for several arguments; nil for an argument that
/// is not numeric).
final class GradientFunction: CallableForeign {
    let function: Value
    init(_ function: Value) { self.function = function }

    var typeName: String { "function" }
    var summary: String { "<grad of \(function.repr)>" }

    func call(_ arguments: CallArguments, interpreter: Interpreter) throws -> Value? {
        let tape = Tape()
        var watched: [Tensor?] = [], passed: [Value] = [], wasNumber: [Bool] = []
        for v in arguments.positional {
            if let t = (try? tensorLike(v)) ?? nil {
                let w = tape.watch(t)
                watched.append(w)
                passed.append(.tensor(w))
            } else {
                watched.append(nil)
                passed.append(v)
            }
            if case .number = v { wasNumber.append(true) } else { wasNumber.append(false) }
        }
        guard watched.contains(where: { $0 != nil }) else { throw ScriptError("grad: no tensor or number argument to differentiate") }
        let out = try interpreter.call(function, CallArguments(passed, keywords: arguments.keywords))
        guard case .foreign(let r as TensorValue) = out, r.tensor.count == 1 else {
            throw ScriptError("grad: the function must return a one-element tensor, got \(out.typeName == "tensor" ? "shape \((try? tensorLike(out))??.shape ?? [])" : out.typeName)")
        }
        let connected = r.tensor.node?.tape === tape
        let gradients = connected ? try engine("grad") { try tape.gradients(of: r.tensor) } : nil
        let results: [Value] = try zip(watched, wasNumber).map { w, number in
            guard let w else { return .nil }
            let g = try engine("grad") { try gradients?[w] ?? Tensor.zeros(w.shape) }
            return number ? .float(g.scalar ?? 0) : .tensor(g)
        }
        return results.count == 1 ? results[0] : .list(List(results))
    }
}
