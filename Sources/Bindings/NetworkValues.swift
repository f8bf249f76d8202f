// Networks, optimisers and gradients as cdsa values. A network is callable (`net(x)`)
// and records on whatever tape its input or parameters are on; gradients with respect
// to its parameters are a value an optimiser's `step` consumes.

import Autodiff
import Foundation
import Language
import NeuralNet

/// A network's architecture, stored as JSON in a safetensors file's metadata so `load`
/// rebuilds it.
struct NetworkSpec: Codable, Equatable {
    var kind: String   // "mlp" or "linear"
    var sizes: [Int]
    var activation: String = "identity"
    var layernorm: Bool = false
    var out: String = "identity"
    var bias: Bool = true

    func build(_ rng: inout RandomGenerator) throws -> NetworkValue {
        func act(_ s: String) throws -> Activation {
            guard let a = Activation(rawValue: s) else { throw TensorError.invalidArgument(op: kind, "unknown activation '\(s)'") }
            return a
        }
        if kind == "linear" {
            guard sizes.count == 2 else { throw TensorError.invalidArgument(op: "linear", "needs [in, out], got \(sizes)") }
            return NetworkValue(self, try Linear(sizes[0], sizes[1], bias: bias, rng: &rng))
        }
        guard kind == "mlp" else { throw TensorError.invalidArgument(op: "load", "unknown network kind '\(kind)'") }
        let config = MLP.Config(sizes: sizes, activation: try act(activation), layerNorm: layernorm, outputActivation: try act(out))
        return NetworkValue(self, try MLP(config, rng: &rng))
    }
}

final class NetworkValue: CallableForeign {
    let spec: NetworkSpec
    let module: any Module
    private let forward: (Tensor) throws -> Tensor

    init(_ spec: NetworkSpec, _ mlp: MLP) {
        self.spec = spec
        module = mlp
        forward = { try mlp($0) }
    }

    init(_ spec: NetworkSpec, _ layer: Linear) {
        self.spec = spec
        module = layer
        forward = { x in
            guard x.rank == 1 || x.rank == 2 else {
                throw TensorError.shapeMismatch(op: "linear", "expects input [batch, \(layer.inputs)], got \(x.shape)")
            }
            let y = try layer(x.rank == 1 ? x.reshaped([1, -1]) : x)
            return x.rank == 1 ? try y.reshaped([layer.outputs]) : y
        }
    }

    var typeName: String { "network" }
    var fieldNames: [String] { ["sizes", "parameters", "parameter_count"] }

    var summary: String {
        if let mlp = module as? MLP { return mlp.description }
        return "linear \(spec.sizes[0])-\(spec.sizes[1]) (\(counted(module.parameterCount, "parameter")))"
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
        case "parameters":
            let ps = module.parameters
            return .record(Record(keys: ps.map(\.name), values: ps.map { .tensor($0.value.detached) }))
        default: return nil
        }
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

/// Adam or AdamW bound to one network.
final class OptimizerValue: ForeignValue {
    let name: String
    let adam: Adam
    let network: NetworkValue

    init(name: String, network: NetworkValue, config: Adam.Config) {
        self.name = name
        self.network = network
        adam = Adam(network.module.parameters, config)
    }

    var typeName: String { "optimizer" }
    var fieldNames: [String] { ["lr", "steps", "network"] }
    var summary: String {
        let c = adam.config
        let decay = c.weightDecay == 0 ? "" : ", weight decay \(Value.float(c.weightDecay).repr)"
        return "\(name) (lr \(Value.float(c.learningRate).repr)\(decay); \(counted(adam.steps, "step"))) for \(network.summary)"
    }

    func field(_ name: String) throws -> Value? {
        switch name {
        case "lr": return .float(adam.config.learningRate)
        case "steps": return .number(Double(adam.steps))
        case "network": return .foreign(network)
        default: return nil
        }
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
