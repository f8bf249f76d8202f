import Autodiff
import Foundation

/// How a layer's weights are first drawn.
public enum Initialization: Sendable, Equatable {
    /// PyTorch's `nn.Linear` default: W, b ~ U(−1/√fan_in, 1/√fan_in).
    case pytorch
    /// Orthogonal W scaled by `gain` (Saxe et al. 2014), zero bias; as CORL's IQL uses.
    case orthogonal(gain: Float)
}

/// y = x Wᵀ + b with W stored [out, in], as in PyTorch.
public final class Linear: Module {
    public let weight: Parameter
    public let bias: Parameter?

    public var inputs: Int { weight.value.shape[1] }
    public var outputs: Int { weight.value.shape[0] }

    public init(_ inputs: Int, _ outputs: Int, bias: Bool = true, initialization: Initialization = .pytorch,
                name: String = "", rng: inout RandomGenerator) throws {
        guard inputs > 0, outputs > 0 else {
            throw TensorError.invalidArgument(op: "linear", "sizes must be positive, got \(inputs) → \(outputs)")
        }
        let prefix = name.isEmpty ? "" : name + "."
        let w: Tensor, b: Tensor
        switch initialization {
        case .pytorch:
            let bound = 1 / Float(inputs).squareRoot()
            w = try rng.uniform([outputs, inputs], low: -bound, high: bound)
            b = try rng.uniform([outputs], low: -bound, high: bound)
        case .orthogonal(let gain):
            w = try orthogonal(rows: outputs, columns: inputs, gain: gain, rng: &rng)
            b = try Tensor.zeros([outputs])
        }
        weight = Parameter(name: prefix + "weight", value: w)
        self.bias = bias ? Parameter(name: prefix + "bias", value: b) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func callAsFunction(_ x: Tensor, activation: Activation = .identity) throws -> Tensor {
        try linear(x, weight.value, bias?.value, activation: activation)
    }
}

/// Layer normalisation over the last axis with a learned gain and bias.
public final class LayerNorm: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let epsilon: Float

    public init(_ size: Int, epsilon: Float = 1e-5, name: String = "") throws {
        let prefix = name.isEmpty ? "" : name + "."
        weight = Parameter(name: prefix + "weight", value: try Tensor.ones([size]))
        bias = Parameter(name: prefix + "bias", value: try Tensor.zeros([size]))
        self.epsilon = epsilon
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try layerNorm(x, gain: weight.value, bias: bias.value, epsilon: epsilon)
    }
}

/// A `rows × columns` matrix with orthonormal rows or columns (whichever are fewer),
/// from the QR decomposition of a Gaussian matrix with signs fixed by R's diagonal,
/// as `torch.nn.init.orthogonal_` does.
func orthogonal(rows: Int, columns: Int, gain: Float, rng: inout RandomGenerator) throws -> Tensor {
    let (n, k) = (max(rows, columns), min(rows, columns))   // n×k, orthonormalise k columns
    var q = [Double](repeating: 0, count: n * k)             // column-major: column j at j*n
    for i in 0..<q.count { q[i] = rng.nextNormal() }
    for j in 0..<k {
        // Modified Gram–Schmidt, twice for stability.
        for _ in 0..<2 {
            for p in 0..<j {
                var dot = 0.0
                for i in 0..<n { dot += q[p * n + i] * q[j * n + i] }
                for i in 0..<n { q[j * n + i] -= dot * q[p * n + i] }
            }
        }
        var norm = 0.0
        for i in 0..<n { norm += q[j * n + i] * q[j * n + i] }
        norm = norm.squareRoot()
        for i in 0..<n { q[j * n + i] /= norm }
    }
    var out = [Float](repeating: 0, count: rows * columns)
    for r in 0..<rows {
        for c in 0..<columns {
            // Q is n×k; the result is Q (rows ≥ columns) or Qᵀ (rows < columns).
            let v = rows >= columns ? q[c * n + r] : q[r * n + c]
            out[r * columns + c] = gain * Float(v)
        }
    }
    return try Tensor(shape: [rows, columns], scalars: out)
}
