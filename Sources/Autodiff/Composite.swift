import Foundation

// Operations composed from primitives: no hand-written gradients here.

extension Tensor {
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxes(axes, op: "mean")
        let n = ax.reduce(1) { $0 * shape[$1] }
        guard n > 0 else { throw TensorError.invalidArgument(op: "mean", "mean over an empty axis of \(shape)") }
        return try sum(axes: ax, keepDims: keepDims) * (1 / Float(n))
    }

    /// Variance over `axes`, dividing by n − `correction`: 0 (the default) is the population
    /// variance layer norm uses and numpy's default; 1 is Bessel's unbiased estimate,
    /// PyTorch's default. With n ≤ correction the result is nan or inf, as in numpy.
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, correction: Int = 0) throws -> Tensor {
        let centered = try self - mean(axes: axes, keepDims: true)
        let n = try reducedCount(axes: axes, op: "variance")
        if correction == 0 { return try (centered * centered).mean(axes: axes, keepDims: keepDims) }
        return try (centered * centered).sum(axes: axes, keepDims: keepDims) * (1 / Float(n - correction))
    }

    /// The square root of `variance(axes:keepDims:correction:)`.
    public func standardDeviation(axes: [Int]? = nil, keepDims: Bool = false, correction: Int = 0) throws -> Tensor {
        try variance(axes: axes, keepDims: keepDims, correction: correction).sqrt()
    }

    public func min(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try -(-self).max(axes: axes, keepDims: keepDims)
    }

    public func silu() throws -> Tensor { try self * sigmoid() }
    public func mish() throws -> Tensor { try self * softplus().tanh() }
    public func square() throws -> Tensor { try self * self }

    /// `a ** b` for two tensors (a > 0).
    public func pow(_ exponent: Tensor) throws -> Tensor { try (exponent * log()).exp() }
}

/// Mean squared error between tensors of one shape (or against a single number). Shapes
/// that only broadcast, such as [n, 1] against [n], are refused: they would compare every
/// prediction with every target, [n, n], and still give a plausible number.
public func mse(_ prediction: Tensor, _ target: Tensor) throws -> Tensor {
    guard prediction.shape == target.shape || prediction.count == 1 || target.count == 1 else {
        throw TensorError.shapeMismatch(op: "mse", "prediction \(prediction.shape) and target \(target.shape) differ in shape (broadcast they would compare every pair); reshape one")
    }
    let d = try prediction - target
    return try (d * d).mean()
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
