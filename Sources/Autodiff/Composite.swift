import Foundation

// Operations composed from primitives: no hand-written gradients here.

extension Tensor {
    public func mean(axes: [Int]? = nil, keepDims: Bool = false, wide: Bool = false) throws -> Tensor {
        let ax = try normalizedAxes(axes, op: "mean")
        let n = ax.reduce(1) { $0 * shape[$1] }
        guard n > 0 else { throw TensorError.invalidArgument(op: "mean", "mean over an empty axis of \(shape)") }
        return try sum(axes: ax, keepDims: keepDims, wide: wide) * (1 / Float(n))
    }

    /// Variance over `axes`, dividing by n − `correction`: 0 (the default) is the population
    /// variance layer norm uses and numpy's default; 1 is Bessel's unbiased estimate,
    /// PyTorch's default. With n ≤ correction the result is nan or inf, as in numpy.
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, correction: Int = 0, wide: Bool = false) throws -> Tensor {
        let centered = try self - mean(axes: axes, keepDims: true, wide: wide)
        let n = try reducedCount(axes: axes, op: "variance")
        if correction == 0 { return try (centered * centered).mean(axes: axes, keepDims: keepDims, wide: wide) }
        return try (centered * centered).sum(axes: axes, keepDims: keepDims, wide: wide) * (1 / Float(n - correction))
    }

    /// The square root of `variance(axes:keepDims:correction:wide:)`.
    public func standardDeviation(axes: [Int]? = nil, keepDims: Bool = false, correction: Int = 0, wide: Bool = false) throws -> Tensor {
        try variance(axes: axes, keepDims: keepDims, correction: correction, wide: wide).sqrt()
    }

    public func min(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try -(-self).max(axes: axes, keepDims: keepDims)
    }

    public func silu() throws -> Tensor { try self * sigmoid() }
    public func mish() throws -> Tensor { try self * softplus().tanh() }
    public func square() throws -> Tensor { try self * self }

    /// `a ** b` elementwise with broadcasting, as numpy's `power`: a negative base takes a
    /// whole exponent (−2 ** 3 = −8), 0 ** 0 = 1. The gradient in b is a^b · log a, taken as
    /// 0 where a^b is 0 (PyTorch's convention); in a, b · a^(b−1), 0 where b is 0.
    public func pow(_ exponent: Tensor) throws -> Tensor {
        let y = try broadcastZip(self, exponent, op: "pow") { Foundation.pow($0, $1) }
        guard let tape = Tape.of(self, exponent) else { return y }
        let a0 = detached, b0 = exponent.detached, y0 = y.detached
        return tape.record(y, [self, exponent]) { g, needs in
            let da = needs[0] ? try broadcastZip(a0, b0, op: "pow") { $1 == 0 ? 0 : $1 * Foundation.pow($0, $1 - 1) } : nil
            let db = needs[1] ? try broadcastZip(y0, a0, op: "pow") { $0 == 0 ? 0 : $0 * Foundation.log($1) } : nil
            return [try da.map { try broadcastZip(g, $0, op: "pow", *).unbroadcast(to: a0.shape) },
                    try db.map { try broadcastZip(g, $0, op: "pow", *).unbroadcast(to: b0.shape) }]
        }
    }
}

/// Mean squared error between tensors of one shape (or against a single number). Shapes
/// that only broadcast, such as [n, 1] against [n], are refused: they would compare every
/// prediction with every target, [n, n], and still give a plausible number.
public func mse(_ prediction: Tensor, _ target: Tensor, wide: Bool = false) throws -> Tensor {
    guard prediction.shape == target.shape || prediction.count == 1 || target.count == 1 else {
        throw TensorError.shapeMismatch(op: "mse", "prediction \(prediction.shape) and target \(target.shape) differ in shape (broadcast they would compare every pair); reshape one")
    }
    let d = try prediction - target
    return try (d * d).mean(wide: wide)
}

/// log N(x; μ, σ) summed over the last axis, for a diagonal Gaussian.
public func gaussianLogProb(_ x: Tensor, mean: Tensor, logStd: Tensor) throws -> Tensor {
    let z = try (x - mean) / logStd.exp()
    let perDim = try (z * z) * -0.5 - logStd - Float(0.5 * Foundation.log(2 * Double.pi))
    return try perDim.sum(axes: [-1])
}

/// Layer normalisation over the last axis: (x − μ)/√(σ² + ε) · γ + β.
public func layerNorm(_ x: Tensor, gain: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) throws -> Tensor {
    let centered = try x - x.mean(axes: [-1], keepDims: true)
    let variance = try (centered * centered).mean(axes: [-1], keepDims: true)
    var y = try centered / (variance + epsilon).sqrt()
    if let gain { y = try y * gain }
    if let bias { y = try y + bias }
    return y
}

/// Numerically stable log Σ exp over `axis`.
public func logSumExp(_ x: Tensor, axis: Int = -1) throws -> Tensor {
    let m = try x.detached.max(axes: [axis], keepDims: true)
    return try ((x - m).exp().sum(axes: [axis], keepDims: true).log() + m).reshaped(
        x.shape.enumerated().filter { $0.offset != (axis < 0 ? axis + x.rank : axis) }.map(\.element))
}

/// log softmax over `axis`: x − log Σ exp x, with the maximum subtracted first for stability.
public func logSoftmax(_ x: Tensor, axis: Int = -1) throws -> Tensor {
    let shifted = try x - x.detached.max(axes: [axis], keepDims: true)
    return try shifted - shifted.exp().sum(axes: [axis], keepDims: true).log()
}

/// softmax over `axis`: exp x / Σ exp x, with the maximum subtracted first for stability.
public func softmax(_ x: Tensor, axis: Int = -1) throws -> Tensor {
    let e = try (x - x.detached.max(axes: [axis], keepDims: true)).exp()
    return try e / e.sum(axes: [axis], keepDims: true)
}
