import Autodiff

/// Observation normalisation, s ↦ (s − μ) / σ, fitted on a dataset's states and kept
/// with every network that was trained on normalised inputs (in its checkpoint and its
/// policy file), so the network is never fed raw states by mistake.
public struct Normalizer: Codable, Sendable, Equatable {
    /// μ, per dimension.
    public var mean: [Float]
    /// σ, per dimension, with the ε that keeps it away from zero already added.
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count, "normalizer: mean and std differ in size")
        self.mean = mean
        self.std = std
    }

    /// Column mean and population std of `x` [n, d], plus `epsilon` on σ (CORL's
    /// TD3+BC and IQL use 1e-3).
    public init(fitting x: Tensor, epsilon: Float = 1e-3) throws {
        guard x.rank == 2, x.shape[0] > 0 else {
            throw TensorError.invalidArgument(op: "normalizer", "needs a non-empty [n, d] tensor, got \(x.shape)")
        }
        let n = x.shape[0], d = x.shape[1]
        var mean = [Double](repeating: 0, count: d), variance = [Double](repeating: 0, count: d)
        x.withUnsafeBufferPointer { b in
            for i in 0..<n { for j in 0..<d { mean[j] += Double(b[i * d + j]) } }
            for j in 0..<d { mean[j] /= Double(n) }
            for i in 0..<n { for j in 0..<d { let e = Double(b[i * d + j]) - mean[j]; variance[j] += e * e } }
        }
        self.mean = mean.map { Float($0) }
        std = variance.map { Float(($0 / Double(n)).squareRoot()) + epsilon }
    }

    public var size: Int { mean.count }

    /// (x − μ) / σ for x [n, d] or [d], on the tape when x is.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.shape.last == size else {
            throw TensorError.shapeMismatch(op: "normalizer", "fitted on \(size) dimensions, got shape \(x.shape)")
        }
        return try (x - Tensor(mean)) / Tensor(std)
    }

    /// σ ⊙ x + μ: back from normalised units (a predicted next state, say).
    public func denormalize(_ x: Tensor) throws -> Tensor {
        guard x.shape.last == size else {
            throw TensorError.shapeMismatch(op: "normalizer", "fitted on \(size) dimensions, got shape \(x.shape)")
        }
        return try x * Tensor(std) + Tensor(mean)
    }
}
