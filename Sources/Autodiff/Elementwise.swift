import Foundation

// Elementwise primitives. Each computes its value, then, when an input is on a tape,
// records the pullback written right beside it. Pullbacks capture detached copies so
// a tape never owns a reference back to itself.

extension Tensor {
    /// Sums a broadcast gradient back down to `target`, the shape of the input.
    public func unbroadcast(to target: [Int]) throws -> Tensor {
        if shape == target { return detached }
        guard target.count <= rank, try broadcastShape(target, shape, op: "unbroadcast") == shape else {
            throw TensorError.shapeMismatch(op: "unbroadcast", "\(shape) is not a broadcast of \(target)")
        }
        let padded = [Int](repeating: 1, count: rank - target.count) + target
        return try Autodiff.reduce(self, to: padded, initial: 0, +).reshaped(target)
    }

    // MARK: binary

    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        let y = try broadcastZip(a, b, op: "add", +)
        guard let tape = Tape.of(a, b) else { return y }
        let sa = a.shape, sb = b.shape
        return tape.record(y, [a, b]) { g, needs in
            [needs[0] ? try g.unbroadcast(to: sa) : nil, needs[1] ? try g.unbroadcast(to: sb) : nil]
        }
    }

    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        let y = try broadcastZip(a, b, op: "sub", -)
        guard let tape = Tape.of(a, b) else { return y }
        let sa = a.shape, sb = b.shape
        return tape.record(y, [a, b]) { g, needs in
            [needs[0] ? try g.unbroadcast(to: sa) : nil, needs[1] ? try g.map { -$0 }.unbroadcast(to: sb) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        let y = try broadcastZip(a, b, op: "mul", *)
        guard let tape = Tape.of(a, b) else { return y }
        let a0 = a.detached, b0 = b.detached
        return tape.record(y, [a, b]) { g, needs in
            [needs[0] ? try broadcastZip(g, b0, op: "mul", *).unbroadcast(to: a0.shape) : nil,
             needs[1] ? try broadcastZip(g, a0, op: "mul", *).unbroadcast(to: b0.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        let y = try broadcastZip(a, b, op: "div", /)
        guard let tape = Tape.of(a, b) else { return y }
        let a0 = a.detached, b0 = b.detached, y0 = y.detached
        return tape.record(y, [a, b]) { g, needs in
            [needs[0] ? try broadcastZip(g, b0, op: "div", /).unbroadcast(to: a0.shape) : nil,
             needs[1] ? try broadcastZip(broadcastZip(g, y0, op: "div", *), b0, op: "div") { -$0 / $1 }
                .unbroadcast(to: b0.shape) : nil]
        }
    }

    /// Elementwise minimum; the gradient goes to the smaller input (to `a` on ties). A nan on
    /// either side gives nan, as numpy's `minimum`.
    public static func minimum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try select(a, b, op: "minimum") { $0 <= $1 || $0.isNaN }
    }

    /// Elementwise maximum; the gradient goes to the larger input (to `a` on ties). A nan on
    /// either side gives nan, as numpy's `maximum`.
    public static func maximum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try select(a, b, op: "maximum") { $0 >= $1 || $0.isNaN }
    }

    private static func select(_ a: Tensor, _ b: Tensor, op: String, _ pickA: @escaping (Float, Float) -> Bool) throws -> Tensor {
        let y = try broadcastZip(a, b, op: op) { pickA($0, $1) ? $0 : $1 }
        guard let tape = Tape.of(a, b) else { return y }
        let a0 = a.detached, b0 = b.detached
        return tape.record(y, [a, b]) { g, needs in
            let mask = try broadcastZip(a0, b0, op: op) { pickA($0, $1) ? 1 : 0 }
            return [needs[0] ? try (g.zip(mask, *)).unbroadcast(to: a0.shape) : nil,
                    needs[1] ? try (g.zip(mask) { $0 * (1 - $1) }).unbroadcast(to: b0.shape) : nil]
        }
    }

    /// `x ** p` for a constant exponent.
    public func pow(_ p: Float) throws -> Tensor {
        let y = try map { Foundation.pow($0, p) }
        guard let tape = Tape.of(self) else { return y }
        let x0 = detached
        return tape.record(y, [self]) { g, _ in
            [try g.zip(x0) { $0 * p * Foundation.pow($1, p - 1) }]
        }
    }

    /// Clamps into [lo, hi]; the gradient passes where the input was inside.
    public func clamped(_ lo: Float, _ hi: Float) throws -> Tensor {
        guard lo <= hi else { throw TensorError.invalidArgument(op: "clamp", "lower bound \(lo) exceeds upper bound \(hi)") }
        let y = try map { Swift.min(Swift.max($0, lo), hi) }
        guard let tape = Tape.of(self) else { return y }
        let x0 = detached
        return tape.record(y, [self]) { g, _ in [try g.zip(x0) { $1 >= lo && $1 <= hi ? $0 : 0 }] }
    }

    // MARK: unary

    /// A unary primitive whose derivative is a function of the input and the output.
    @inline(__always)
    private func unary(_ f: (Float) -> Float, derivative: @escaping (_ x: Float, _ y: Float) -> Float) throws -> Tensor {
        let y = try map(f)
        guard let tape = Tape.of(self) else { return y }
        let x0 = detached, y0 = y.detached
        return tape.record(y, [self]) { g, _ in
            [try g.zip3(x0, y0) { g, x, y in g * derivative(x, y) }]
        }
    }

    public static prefix func - (x: Tensor) throws -> Tensor { try x.unary({ -$0 }, derivative: { _, _ in -1 }) }
    public func exp() throws -> Tensor { try unary(fastExp, derivative: { _, y in y }) }
    public func log() throws -> Tensor { try unary({ Foundation.log($0) }, derivative: { x, _ in 1 / x }) }
    public func sqrt() throws -> Tensor { try unary({ $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    public func abs() throws -> Tensor { try unary({ Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }) }
    public func tanh() throws -> Tensor { try unary(fastTanh, derivative: { _, y in 1 - y * y }) }
    public func sigmoid() throws -> Tensor { try unary(fastSigmoid, derivative: { _, y in y * (1 - y) }) }
    public func relu() throws -> Tensor { try unary({ Swift.max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }
    public func softplus() throws -> Tensor { try unary(softplusValue, derivative: { x, _ in fastSigmoid(x) }) }
    /// Each element rounded to a whole number by `rule`; the gradient is zero (it is almost everywhere).
    public func rounded(_ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) throws -> Tensor {
        try unary({ $0.rounded(rule) }, derivative: { _, _ in 0 })
    }

    // MARK: comparisons (not differentiable: the result is a 0/1 mask)

    public static func compare(_ a: Tensor, _ b: Tensor, op: String, _ test: (Float, Float) -> Bool) throws -> Tensor {
        try broadcastZip(a.detached, b.detached, op: op) { test($0, $1) ? 1 : 0 }
    }

    /// `cond ? a : b` elementwise (cond nonzero), all three broadcast together.
    public static func `where`(_ cond: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try broadcastShape(broadcastShape(cond.shape, a.shape, op: "where"), b.shape, op: "where")
        let c = try cond.detached.broadcast(to: shape)
        let y = try c.zip3(a.detached.broadcast(to: shape), b.detached.broadcast(to: shape)) { $0 != 0 ? $1 : $2 }
        guard let tape = Tape.of(a, b) else { return y }
        let sa = a.shape, sb = b.shape
        return tape.record(y, [a, b]) { g, needs in
            [needs[0] ? try g.zip(c) { $1 != 0 ? $0 : 0 }.unbroadcast(to: sa) : nil,
             needs[1] ? try g.zip(c) { $1 != 0 ? 0 : $0 }.unbroadcast(to: sb) : nil]
        }
    }
}

// Scalar conveniences: the scalar becomes a rank-0 constant.
extension Tensor {
    public static func + (a: Tensor, b: Float) throws -> Tensor { try a + Tensor(b) }
    public static func + (a: Float, b: Tensor) throws -> Tensor { try Tensor(a) + b }
    public static func - (a: Tensor, b: Float) throws -> Tensor { try a - Tensor(b) }
    public static func - (a: Float, b: Tensor) throws -> Tensor { try Tensor(a) - b }
    public static func * (a: Tensor, b: Float) throws -> Tensor { try a * Tensor(b) }
    public static func * (a: Float, b: Tensor) throws -> Tensor { try Tensor(a) * b }
    public static func / (a: Tensor, b: Float) throws -> Tensor { try a / Tensor(b) }
    public static func / (a: Float, b: Tensor) throws -> Tensor { try Tensor(a) / b }
}
