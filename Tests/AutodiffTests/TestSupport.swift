import Autodiff
import Foundation
import Testing

// Shared helpers: seeded inputs that keep away from kinks, a central-difference gradient
// checker, and small comparisons.

/// A seed derived from a name (FNV-1a), so each named case draws the same inputs on every
/// run regardless of which other cases run (Swift's `hashValue` is randomised per process).
func seed(for name: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    return h
}

extension RandomGenerator {
    /// Uniform values in [lo, hi).
    mutating func values(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) throws -> Tensor {
        try uniform(shape, low: lo, high: hi)
    }

    /// Values with |x| in [lo, hi) and a random sign: keeps clear of a kink at 0.
    mutating func awayFromZero(_ shape: [Int], _ lo: Float = 0.2, _ hi: Float = 1.5) throws -> Tensor {
        var t = try uniform(shape, low: lo, high: hi)
        t.withUnsafeMutableBufferPointer { b in
            for i in b.indices where nextFloat() < 0.5 { b[i] = -b[i] }
        }
        return t
    }

    /// Values at least ~0.2 apart from each other (a shuffled ladder with jitter), so a
    /// max over any axis has a unique winner that a small perturbation cannot change.
    mutating func distinct(_ shape: [Int]) throws -> Tensor {
        let n = shape.reduce(1, *)
        let order = permutation(n)
        let scalars = order.map { Float($0) * 0.3 - Float(n) * 0.15 + (nextFloat() - 0.5) * 0.1 }
        return try Tensor(shape: shape, scalars: scalars)
    }

    /// A 0/1 mask with both values present.
    mutating func mask(_ shape: [Int]) throws -> Tensor {
        let n = shape.reduce(1, *)
        let scalars = (0..<n).map { i in i == 0 ? 1 : (i == 1 ? 0 : Float(nextInt(below: 2))) }
        return try Tensor(shape: shape, scalars: scalars)
    }
}

/// Σ f·r in double precision, the scalar whose gradient the checker compares.
func weightedSum(_ y: Tensor, _ r: Tensor) -> Double {
    zip(y.scalars, r.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// One case of the gradient check: inputs drawn from a seeded generator, a function of
/// them, and how many trailing inputs are constants (masks) rather than differentiated.
struct GradientCase: CustomTestStringConvertible, Sendable {
    let name: String
    let constants: Int
    let makeInputs: @Sendable (inout RandomGenerator) throws -> [Tensor]
    let function: @Sendable ([Tensor]) throws -> Tensor

    init(_ name: String, constants: Int = 0,
         _ makeInputs: @escaping @Sendable (inout RandomGenerator) throws -> [Tensor],
         _ function: @escaping @Sendable ([Tensor]) throws -> Tensor) {
        self.name = name
        self.constants = constants
        self.makeInputs = makeInputs
        self.function = function
    }

    var testDescription: String { name }
}

/// Compares the tape's gradients of L = Σ f(inputs)·R with central differences, element
/// by element, with the step h = 1e-2·max(1, |x|) taken in Float. Float32 rounding in f
/// (~1e-7·|L| over 2h ≈ 1e-4) plus the truncation error h²|f‴|/6 (≲ 3e-4 for these
/// O(1) inputs; the worst case measured is 3.4e-4) stays under the tolerance
/// |analytic − numeric| ≤ 3e-3·max(1, |numeric|); a wrong pullback (sign, transpose,
/// missed broadcast sum, off-by-one derivative) is off by far more.
func checkGradients(_ c: GradientCase) throws {
    var rng = RandomGenerator(seed: seed(for: c.name))
    let inputs = try c.makeInputs(&rng)
    let y = try c.function(inputs)
    let r = try rng.values(y.shape)
    let differentiated = inputs.count - c.constants

    let tape = Tape()
    let watched = inputs.enumerated().map { $0.offset < differentiated ? tape.watch($0.element) : $0.element }
    let yTape = try c.function(watched)
    #expect(yTape.shape == y.shape)
    #expect(yTape.scalars == y.scalars, "recording must not change the value")
    let loss = try (yTape * r).sum()
    #expect(abs(Double(loss.scalar ?? .nan) - weightedSum(y, r)) <= 1e-4 * max(1, abs(weightedSum(y, r))))
    let grads = try tape.gradients(of: loss)

    for i in 0..<differentiated {
        let analytic = try grads[watched[i]]
        try #require(analytic.shape == inputs[i].shape, "gradient shape for input \(i)")
        var largest = 0.0
        for e in 0..<inputs[i].count {
            var plus = inputs, minus = inputs
            let x = inputs[i][flat: e]
            let h = 1e-2 * max(1, abs(x))
            plus[i][flat: e] = x + h
            minus[i][flat: e] = x - h
            let step = Double(x + h) - Double(x - h)
            let numeric = (weightedSum(try c.function(plus), r) - weightedSum(try c.function(minus), r)) / step
            let a = Double(analytic[flat: e])
            largest = max(largest, abs(numeric))
            #expect(abs(a - numeric) <= 3e-3 * max(1, abs(numeric)),
                    "input \(i) element \(e): tape \(a), central difference \(numeric)")
        }
        // A case whose true gradient is all zero could not catch a wrong pullback.
        #expect(largest > 1e-3, "input \(i) has a vanishing gradient; the case tests nothing")
    }
}

/// Max |a − b| over two equally shaped tensors.
func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Row-major strides of a shape.
func strides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    for i in stride(from: shape.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * shape[i + 1] }
    return s
}

/// The multi-index of flat position `flat` in `shape`.
func multiIndex(_ flat: Int, _ shape: [Int]) -> [Int] {
    zip(shape, strides(shape)).map { n, s in (flat / s) % n }
}
