// The tensor library, part 2: elementwise functions and reductions. Names shared with
// the core library or the prelude (abs, sqrt, exp, log, min, max, sum, mean, any, all) keep their
// meaning for numbers and lists and extend it to tensors; a number in gives a number out.

import Autodiff
import Correctors
import Foundation
import Language

extension TensorLibrary {
    static func unary(_ name: String, _ doc: String, _ onTensor: @escaping (Tensor) throws -> Tensor,
                      _ onNumber: @escaping (Double) -> Double) -> Builtin {
        Builtin(name, [.init("x")], doc: doc) { a in
            if case .number(let x) = a[0] { return .number(onNumber(x)) }
            let x = try a.tensor(0)
            return .tensor(try engine(name) { try onTensor(x) })
        }
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
    static func softplus(_ x: Double) -> Double { Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))) }

    static var elementwise: [Builtin] { [
        unary("abs", "Absolute value, elementwise for tensors.", { try $0.abs() }) { Swift.abs($0) },
        unary("sqrt", "Square root (nan below 0), elementwise for tensors.", { try $0.sqrt() }) { $0.squareRoot() },
        unary("exp", "e to the power x, elementwise for tensors.", { try $0.exp() }) { Foundation.exp($0) },
        unary("log", "Natural logarithm (-inf at 0, nan below), elementwise for tensors.", { try $0.log() }) { Foundation.log($0) },
        unary("tanh", "Hyperbolic tangent, elementwise.", { try $0.tanh() }) { Foundation.tanh($0) },
        unary("relu", "max(x, 0), elementwise.", { try $0.relu() }) { Swift.max($0, 0) },
        unary("sigmoid", "1 / (1 + e^-x), elementwise.", { try $0.sigmoid() }) { sigmoid($0) },
        unary("softplus", "log(1 + e^x), elementwise.", { try $0.softplus() }) { softplus($0) },
        unary("silu", "x · sigmoid(x) (swish).", { try $0.silu() }) { $0 * sigmoid($0) },
        unary("mish", "x · tanh(softplus(x)).", { try $0.mish() }) { $0 * Foundation.tanh(softplus($0)) },
        Builtin("clip", [.init("x"), .init("low", .number), .init("high", .number)],
                doc: "x limited to [low, high]; for a policy, the policy with its actions clipped so (`p |> clip(-1, 1)`).") { a in
            let (lo, hi) = (try a.number(1), try a.number(2))
            guard lo <= hi else { throw a.bad(2, "high must be ≥ low, got \(Value.format(lo)) and \(Value.format(hi))") }
            if case .number(let x) = a[0] { return .number(Swift.min(Swift.max(x, lo), hi)) }
            if case .foreign(let p as PolicyValue) = a[0] {
                return .foreign(PolicyValue(try ClippedPolicy(base: p.policy, low: Float(lo), high: Float(hi))))
            }
            let x = try a.tensor(0)
            return .tensor(try engine("clip") { try x.clamped(Float(lo), Float(hi)) })
        },
    ] }

    static func isTensor(_ v: Value) -> Bool {
        if case .foreign(let f) = v { return f is TensorValue }
        return false
    }

    /// `name(x, axis=nil, keepdims=false)`: over the tensor's axes; lists go to `previous`.
    static func reduction(_ s: EngineState, _ name: String, _ doc: String, fallback: Bool,
                          _ body: @escaping (Tensor, [Int]?, Bool) throws -> Tensor) -> Builtin {
        Builtin(name, [.init("x"), .init("axis", .either([.number, .list]), default: .nil), .init("keepdims", .bool, default: .bool(false))],
                doc: doc) { a in
            let axes = try axes(a, 1), keep = try a.bool(2)
            if fallback, !isTensor(a[0]), axes == nil, !keep { return try s.fallback(name, a, [a[0]]) }
            let x = try a.tensor(0)
            return .tensor(try engine(name) { try body(x, axes, keep) })
        }
    }

    /// `max(a, ...rest)` / `min(a, ...rest)`: numbers as in the core library; one tensor
    /// reduces to its extreme element; several are combined elementwise.
    static func extreme(_ name: String, _ doc: String, largest: Bool) -> Builtin {
        Builtin(name, [.init("a")], variadic: BuiltinParameter("rest"), doc: doc) { a in
            var all = [a[0]] + a.rest
            // One list of numbers is its items (Python's max), in doubles rather than a float32 tensor.
            if all.count == 1, case .list(let l) = a[0], !l.items.isEmpty,
               l.items.allSatisfy({ if case .number = $0 { true } else { false } }) { all = l.items }
            let numbers = all.compactMap { v -> Double? in if case .number(let x) = v { x } else { nil } }
            if numbers.count == all.count {
                if numbers.contains(where: \.isNaN) { return .number(.nan) }
                return .number(largest ? numbers.max()! : numbers.min()!)
            }
            let ts = try all.enumerated().map { k, v in
                guard let t = try tensorLike(v) else { throw a.bad(k, "number or tensor expected, got \(v.typeName)") }
                return t
            }
            return .tensor(try engine(name) {
                if ts.count == 1 { return largest ? try ts[0].max() : try ts[0].min() }
                return try ts.dropFirst().reduce(ts[0]) { largest ? try Tensor.maximum($0, $1) : try Tensor.minimum($0, $1) }
            })
        }
    }

    /// `any(x)` / `all(x)`: of a tensor, whether some / every element is nonzero (a bool);
    /// lists, and a tensor with `pred` (its rows), go to the prelude's.
    static func quantifier(_ s: EngineState, _ name: String, _ doc: String, every: Bool) -> Builtin {
        Builtin(name, [.init("xs"), .init("pred", .function, default: .nil)], doc: doc) { a in
            let noPred: Bool = if case .nil = a[1] { true } else { false }
            guard case .foreign(let t as TensorValue) = a[0], noPred else {
                return try s.fallback(name, a, noPred ? [a[0]] : [a[0], a[1]])
            }
            return .bool(t.tensor.withUnsafeBufferPointer { b in every ? b.allSatisfy { $0 != 0 } : b.contains { $0 != 0 } })
        }
    }

    static func math(_ s: EngineState) -> [Builtin] {
        elementwise + stats(s) + [
            quantifier(s, "any", "Whether pred(item) holds for some item of a list; of a tensor, whether some element is nonzero.", every: false),
            quantifier(s, "all", "Whether pred(item) holds for every item of a list; of a tensor, whether every element is nonzero.", every: true),
            reduction(s, "sum", "Sum of a list's items, or of a tensor's elements over axis (all when nil).", fallback: true) {
                try $0.sum(axes: $1, keepDims: $2, wide: true)
            },
            reduction(s, "mean", "Mean of a list's items, or of a tensor's elements over axis (all when nil).", fallback: true) {
                try $0.mean(axes: $1, keepDims: $2, wide: true)
            },
            reduction(s, "amax", "Largest element of a tensor over axis (all when nil).", fallback: false) {
                try $0.max(axes: $1, keepDims: $2)
            },
            reduction(s, "amin", "Smallest element of a tensor over axis (all when nil).", fallback: false) {
                try $0.min(axes: $1, keepDims: $2)
            },
            reduction(s, "norm", "Euclidean (L2) norm of a tensor over axis (all when nil).", fallback: false) {
                try $0.norm(axes: $1, keepDims: $2)
            },
            extreme("max", "The largest of the numbers; of one tensor, its largest element; of several, the elementwise maximum.", largest: true),
            extreme("min", "The smallest of the numbers; of one tensor, its smallest element; of several, the elementwise minimum.", largest: false),
            Builtin("softmax", [.init("x"), .init("axis", .integer, default: .number(-1))],
                    doc: "exp(x) / sum(exp(x)) over axis (the last by default): probabilities summing to 1.") { a in
                let (x, axis) = (try a.tensor(0), try a.integer(1))
                return .tensor(try engine("softmax") { try Autodiff.softmax(x, axis: axis) })
            },
            Builtin("log_softmax", [.init("x"), .init("axis", .integer, default: .number(-1))],
                    doc: "log(softmax(x, axis)), computed stably: x − logsumexp(x) over axis.") { a in
                let (x, axis) = (try a.tensor(0), try a.integer(1))
                return .tensor(try engine("log_softmax") { try Autodiff.logSoftmax(x, axis: axis) })
            },
            Builtin("mse", [.init("prediction"), .init("target")], doc: "Mean squared error between two tensors of the same shape (or against one number): [n, 1] against [n] is refused, not broadcast to every pair.") { a in
                let (p, t) = (try a.tensor(0), try a.tensor(1))
                return .tensor(try engine("mse") { try Autodiff.mse(p, t, wide: true) })
            },
        ]
    }
}
