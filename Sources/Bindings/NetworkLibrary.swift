// The network library: `mlp`, `linear`, `grad` (of a function of tensors, or of a loss
// with respect to a network's parameters), the Adam/AdamW optimisers and `step` (which
// also steps environments, see EnvLibrary), and `fit`, a training loop in Swift that
// polls Ctrl-C between steps.

import Autodiff
import Language
import NeuralNet

enum NetworkLibrary {
    static func library(_ s: EngineState) -> Library {
        Library(name: "nn", entries: networks(s) + training(s))
    }

    static func networks(_ s: EngineState) -> [Builtin] { [
        Builtin("mlp", [.init("sizes", .list), .init("activation", .string, default: .string("relu")),
                        .init("layernorm", .bool, default: .bool(false)), .init("out", .string, default: .nil),
                        .init("seed", .integer, default: .nil)],
                doc: "A multilayer perceptron with layer widths sizes (input first), PyTorch-initialised from the session's generator unless seed is given.") { a in
            let sizes = try a.list(0).items.map { v -> Int in
                guard case .number(let x) = v, x == x.rounded(), x >= 1, x < 1e8 else { throw a.bad(0, "list of positive layer sizes expected, got \(a[0].repr)") }
                return Int(x)
            }
            guard sizes.count >= 2 else { throw a.bad(0, "at least an input and an output size expected, got \(a[0].repr)") }
            let spec = NetworkSpec(kind: "mlp", sizes: sizes, activation: try a.activation(1).rawValue,
                                   layernorm: try a.bool(2), out: try a.activation(3).rawValue)
            return .foreign(try engine("mlp") { try s.withGenerator(a[4]) { try NetworkValue(spec, rng: &$0) } })
        },
        Builtin("linear", [.init("inputs", .integer), .init("outputs", .integer), .init("bias", .bool, default: .bool(true)),
                           .init("seed", .integer, default: .nil)],
                doc: "One linear layer y = x Wᵀ + b, PyTorch-initialised from the session's generator unless seed is given.") { a in
            let spec = NetworkSpec(kind: "linear", sizes: [try a.positive(0), try a.positive(1)], bias: try a.bool(2))
            return .foreign(try engine("linear") { try s.withGenerator(a[3]) { try NetworkValue(spec, rng: &$0) } })
        },
    ] }

    /// Runs `loss` (a function of no arguments, or of the network) with the network's
    /// parameters watched by a fresh tape.
    static func gradients(_ s: EngineState, _ a: Arguments, _ loss: Value, _ net: NetworkValue) throws -> GradientsValue {
        try s.checkCancelled()
        var takesNet = true
        if case .function(let f) = loss { takesNet = !f.parameterNames.isEmpty }
        let (value, grads) = try engine("grad") {
            try valueWithGradients(at: net.module.parameters) {
                let out = try a.call(loss, takesNet ? [.foreign(net)] : [])
                guard case .foreign(let r as TensorValue) = out, r.tensor.count == 1 else {
                    throw ScriptError("grad: the loss must return a one-element tensor, got \(out.typeName == "tensor" ? "a larger tensor" : out.typeName)")
                }
                guard r.tensor.node != nil else { throw ScriptError("grad: the loss does not depend on the network's parameters") }
                return r.tensor
            }
        }
        return GradientsValue(network: net, tensors: grads, loss: shortest(value))
    }

    static func adam(_ name: String, lr: Double, decay: Double, decoupled: Bool) -> Builtin {
        Builtin(name, [.init("network", .foreign("network")), .init("lr", .number, default: .number(lr)),
                       .init("weight_decay", .number, default: .number(decay)),
                       .init("beta1", .number, default: .number(0.9)), .init("beta2", .number, default: .number(0.999)),
                       .init("eps", .number, default: .number(1e-8))],
                doc: decoupled ? "AdamW (decoupled weight decay) over a network's parameters; step(opt, g) applies gradients."
                    : "Adam over a network's parameters (weight_decay adds L2 to the gradient); step(opt, g) applies gradients.") { a in
            let net = try a.object(0, NetworkValue.self, "network")
            // The rules `opt.beta1 = …` enforces: beta1 = 1 or a negative eps silently gives nan.
            for (i, name) in [(1, "lr"), (2, "weight_decay"), (3, "beta1"), (4, "beta2"), (5, "eps")] {
                let rule = OptimizerValue.setting(name)!
                guard rule.valid(try a.float(i)) else { throw a.bad(i, "\(rule.expected) expected, got \(a[i].repr)") }
            }
            let config = Adam.Config(learningRate: try a.float(1), beta1: try a.float(3), beta2: try a.float(4),
                                     epsilon: try a.float(5), weightDecay: try a.float(2), decoupledWeightDecay: decoupled)
            return .foreign(OptimizerValue(network: net, config: config))
        }
    }

    static func training(_ s: EngineState) -> [Builtin] { [
        Builtin("grad", [.init("f", .function), .init("wrt", .foreign("network"), default: .nil)],
                doc: "grad(f): the gradient function of a scalar function of tensors; grad(loss, wrt=net): gradients of loss() (or loss(net)) for the network's parameters.") { a in
            guard case .foreign(let net as NetworkValue) = a[1] else { return .foreign(GradientFunction(a[0])) }
            return .foreign(try gradients(s, a, a[0], net))
        },
        adam("adam", lr: 3e-4, decay: 0, decoupled: false),
        adam("adamw", lr: 1e-3, decay: 1e-2, decoupled: true),
        // One `step` for both meanings, dispatched on the first argument.
        Builtin("step", [.init("target", .either([.foreign("optimizer"), .foreign("environment")])), .init("input")],
                doc: "step(optimizer, gradients): one update with gradients from grad(loss, wrt=net), returning their loss; step(env, action): one environment step, returning {observation, reward, terminated, truncated}.") { a in
            if case .foreign(let e as EnvironmentValue) = a[0] { return try EnvLibrary.step(a, e) }
            let opt = try a.object(0, OptimizerValue.self, "optimizer")
            let g = try a.object(1, GradientsValue.self, "gradients")
            guard g.network === opt.network else {
                throw a.bad(1, "gradients for \(g.network.summary), but the optimizer trains \(opt.network.summary)")
            }
            try engine("step") { try opt.adam.step(g.tensors) }
            return .number(g.loss)
        },
        Builtin("clip_grad", [.init("gradients", .foreign("gradients")), .init("max_norm", .number)],
                doc: "Scale gradients in place so their joint L2 norm is at most max_norm; returns the norm before clipping.") { a in
            let g = try a.object(0, GradientsValue.self, "gradients")
            let limit = try a.float(1)
            guard limit > 0 else { throw a.bad(1, "positive max_norm expected") }
            return .float(clipGradientNorm(&g.tensors, maxNorm: limit))
        },
        Builtin("fit", [.init("optimizer", .foreign("optimizer")), .init("loss", .function), .init("steps", .integer, default: .number(1))],
                doc: "Train: steps × (gradients of loss for the optimizer's network, then step); Ctrl-C stops between steps. Returns the last loss.") { a in
            let opt = try a.object(0, OptimizerValue.self, "optimizer")
            let steps = try a.integer(2)
            guard steps >= 0 else { throw a.bad(2, "non-negative step count expected") }
            var last = Value.nil
            for _ in 0..<steps {
                let g = try gradients(s, a, a[1], opt.network)
                try engine("fit") { try opt.adam.step(g.tensors) }
                last = .number(g.loss)
            }
            return last
        },
    ] }
}
