import Autodiff

/// Observation normalisation, s ↦ (s − μ) / σ, fitted on a dataset's states and kept
/// with every network that was trained on normalised inputs (in its checkpoint and its
/// policy file), so the network is never fed raw states by mistake.
public struct Normalizer: Sendable {
    /// μ, a vector.
    public let mean: Tensor
    /// σ, a vector of the same length, with any ε that keeps it from zero already added.
    public let std: Tensor

    /// Vectors of one length; `op` names the caller in the error.
    public init(mean: Tensor, std: Tensor, op: String = "normalizer") throws {
        guard mean.rank == 1, mean.shape == std.shape else {
            throw TensorError.shapeMismatch(op: op, "mean and std must be vectors of one length, got \(mean.shape) and \(std.shape)")
        }
        self.mean = mean.detached
        self.std = std.detached
    }

    public init(mean: [Float], std: [Float]) throws {
        try self.init(mean: Tensor(mean), std: Tensor(std))
    }

    /// Column mean and population std of `x` [n, d] (accumulated in float64), plus
    /// `epsilon` on σ (CORL's TD3+BC and IQL use 1e-3).
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
        try self.init(mean: mean.map { Float($0) }, std: variance.map { Float(($0 / Double(n)).squareRoot()) + epsilon })
    }

    public var size: Int { mean.count }

    /// (s − μ) / σ for s [n, d] or [d], on the tape when s is.
    public func callAsFunction(_ s: Tensor) throws -> Tensor {
        guard s.shape.last == size else {
            throw TensorError.shapeMismatch(op: "normalizer", "fitted on \(size) dimensions, got shape \(s.shape)")
        }
        return try (s - mean) / std
    }

    /// σ ⊙ x + μ: back from normalised units (a predicted next state, say).
    public func denormalize(_ x: Tensor) throws -> Tensor {
        guard x.shape.last == size else {
            throw TensorError.shapeMismatch(op: "normalizer", "fitted on \(size) dimensions, got shape \(x.shape)")
        }
        return try x * std + mean
    }
}

extension Normalizer: Equatable {
    public static func == (a: Normalizer, b: Normalizer) -> Bool { a.mean.scalars == b.mean.scalars && a.std.scalars == b.std.scalars }
}

/// In JSON (policy files' metadata): `{"mean": [...], "std": [...]}`.
extension Normalizer: Codable {
    private enum CodingKeys: String, CodingKey { case mean, std }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let mean = try c.decode([Float].self, forKey: .mean), std = try c.decode([Float].self, forKey: .std)
        guard mean.count == std.count else {
            throw DecodingError.dataCorruptedError(forKey: .std, in: c, debugDescription: "mean and std differ in length")
        }
        try self.init(mean: mean, std: std)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean.scalars, forKey: .mean)
        try c.encode(std.scalars, forKey: .std)
    }
}
