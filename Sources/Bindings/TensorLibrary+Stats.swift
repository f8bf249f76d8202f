// The tensor library, part 3: spread (std, var), positions (argmax, argmin, argsort,
// nonzero), masks, and rounding. Lists of numbers keep a number result, as with sum and
// mean; the results of the position built-ins are marked as indices, so `x[argsort(x)]`
// is never read as a mask.

import Autodiff
import Foundation
import Language

extension TensorLibrary {
    /// `std`/`var`: over a tensor's axes on the tape; over a flat list of numbers in double
    /// precision, giving a number.
    static func spread(_ name: String, root: Bool) -> Builtin {
        let what = root ? "Standard deviation" : "Variance"
        return Builtin(name, [.init("x"), .init("axis", .either([.number, .list]), default: .nil),
                              .init("keepdims", .bool, default: .bool(false)), .init("ddof", .integer, default: .number(0))],
                       doc: "\(what) of a tensor over axis (all when nil) or of a list of numbers, dividing by n − ddof: ddof=0 (the default) as numpy, ddof=1 for the unbiased estimate (PyTorch's default).") { a in
            let axes = try axes(a, 1), keep = try a.bool(2), ddof = try a.integer(3)
            guard ddof >= 0 else { throw a.bad(3, "non-negative integer expected, got \(ddof)") }
            // A list of numbers gives a number; one holding tensors is a tensor.
            if case .list(let l) = a[0], axes == nil, !keep,
               case let xs = l.items.compactMap({ v -> Double? in if case .number(let x) = v { x } else { nil } }),
               xs.count == l.items.count {
                guard !xs.isEmpty else { throw a.bad(0, "\(name) of an empty list") }
                guard xs.count > ddof else { throw a.bad(3, "ddof \(ddof) leaves no degrees of freedom in \(xs.count) numbers") }
                let mean = xs.reduce(0, +) / Double(xs.count)
                let v = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - ddof)
                return .number(root ? v.squareRoot() : v)
            }
            let x = try a.tensor(0)
            // Bad axes are left to the reduction, which names them.
            if ddof > 0, x.count > 0, let n = try? x.reducedCount(axes: axes, op: name), n <= ddof {
                throw a.bad(3, "ddof \(ddof) leaves no degrees of freedom in \(n) values")
            }
            return .tensor(try engine(name) {
                root ? try x.standardDeviation(axes: axes, keepDims: keep, correction: ddof, wide: true)
                     : try x.variance(axes: axes, keepDims: keep, correction: ddof, wide: true)
            })
        }
    }

    static func position(_ name: String, _ doc: String, _ body: @escaping (Tensor, Int?) throws -> Tensor) -> Builtin {
        Builtin(name, [.init("x"), .init("axis", .integer, default: .nil)], doc: doc) { a in
            let x = try a.tensor(0), axis = try a.optionalInteger(1)
            let y = try engine(name) { try body(x, axis) }
            if axis == nil { return .number(Double(y.scalar ?? 0)) }
            return .indices(y)
        }
    }

    /// `round`, `floor`, `ceil`: the core library's for numbers, elementwise for tensors.
    static func rounding(_ s: EngineState, _ name: String, _ doc: String, _ rule: FloatingPointRoundingRule) -> Builtin {
        Builtin(name, [.init("x")], doc: doc) { a in
            if case .number = a[0] { return try s.fallback(name, a, [a[0]]) }
            let x = try a.tensor(0)
            return .tensor(try engine(name) { try x.rounded(rule) })
        }
    }

    static func stats(_ s: EngineState) -> [Builtin] { [
        spread("std", root: true),
        spread("var", root: false),
        position("argmax", "Position of the largest element along axis (a tensor of indices), or over all elements as a number; the first wins ties.") {
            try $0.argmax(axis: $1)
        },
        position("argmin", "Position of the smallest element along axis (a tensor of indices), or over all elements as a number; the first wins ties.") {
            try $0.argmin(axis: $1)
        },
        Builtin("argsort", [.init("x"), .init("axis", .integer, default: .number(-1)), .init("descending", .bool, default: .bool(false))],
                doc: "Positions that sort x along axis (the last by default), stably; nan last. x[argsort(x)] is x sorted.") { a in
            let x = try a.tensor(0), axis = try a.integer(1), descending = try a.bool(2)
            return .indices(try engine("argsort") { try x.argsort(axis: axis, descending: descending) })
        },
        Builtin("nonzero", [.init("x")], doc: "Positions of the nonzero elements: a vector of indices for a vector, else a [count, rank] matrix of coordinates.") { a in
            let x = try a.tensor(0)
            return .indices(try engine("nonzero") { try x.nonzero() })
        },
        Builtin("mask", [.init("x")], doc: "x != 0 as a mask, which selects when used as an index: t[mask(m)] (comparisons such as t > 0 are masks already).") { a in
            let x = try a.tensor(0)
            return .mask(try engine("mask") { try Tensor.compare(x, Tensor(0), op: "mask") { $0 != $1 } })
        },
        Builtin("round", [.init("x"), .init("digits", .integer, default: .number(0))],
                doc: "x rounded to digits decimal places (halves away from zero); elementwise for tensors.") { a in
            let digits = try a.integer(1)
            if case .number = a[0] { return try s.fallback("round", a, [a[0], a[1]]) }
            let x = try a.tensor(0)
            guard digits != 0 else { return .tensor(try engine("round") { try x.rounded() }) }
            let scale = Foundation.pow(10, Double(digits))
            return .tensor(try engine("round") {
                try Tensor(shape: x.shape, scalars: x.scalars.map { Float((Double($0) * scale).rounded() / scale) })
            })
        },
        rounding(s, "floor", "Largest whole number ≤ x, elementwise for tensors.", .down),
        rounding(s, "ceil", "Smallest whole number ≥ x, elementwise for tensors.", .up),
    ] }
}
