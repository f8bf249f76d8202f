/// The one source of randomness: a seeded xoshiro256** generator, passed explicitly
/// (`inout`) to everything that samples, so the same seed gives the same numbers.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        // SplitMix64 spreads the seed over the state, as the xoshiro authors advise.
        var z = seed
        func next() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        s = (next(), next(), next(), next())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// The generator's whole state, for checkpoints: `init(state:)` continues the stream
    /// exactly where this one is.
    public var state: [UInt64] { [s.0, s.1, s.2, s.3] }

    /// A generator continuing from a saved `state` (four words, not all zero).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        s = (state[0], state[1], state[2], state[3])
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A child generator for an independent stream (e.g. one per environment).
    public mutating func split() -> RandomGenerator { RandomGenerator(seed: next()) }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform integer in 0..<n (Lemire's unbiased multiply-shift).
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0)
        return Int(next(upperBound: UInt64(n)))
    }

    /// Standard normal (Box–Muller in double precision).
    public mutating func nextNormal() -> Double {
        let u1 = 1 - nextDouble(), u2 = nextDouble()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * .pi * u2)
    }

    public mutating func uniform(_ shape: [Int], low: Float = 0, high: Float = 1) throws -> Tensor {
        guard low <= high else { throw TensorError.invalidArgument(op: "uniform", "low \(low) exceeds high \(high)") }
        var t = try Tensor(uninitialized: shape)
        t.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = low + (high - low) * nextFloat() } }
        return t
    }

    public mutating func normal(_ shape: [Int], mean: Float = 0, std: Float = 1) throws -> Tensor {
        var t = try Tensor(uninitialized: shape)
        t.withUnsafeMutableBufferPointer { b in
            var i = 0
            while i < b.count {
                // Both Box–Muller outputs are used.
                let u1 = 1 - nextDouble(), u2 = nextDouble()
                let r = (-2 * _log(u1)).squareRoot(), th = 2 * .pi * u2
                b[i] = mean + std * Float(r * _cos(th))
                if i + 1 < b.count { b[i + 1] = mean + std * Float(r * _sin(th)) }
                i += 2
            }
        }
        return t
    }

    /// Integers uniform in low..<high.
    public mutating func integers(_ count: Int, low: Int = 0, high: Int) throws -> [Int] {
        guard low < high else { throw TensorError.invalidArgument(op: "integers", "empty range \(low)..<\(high)") }
        guard count >= 0 else { throw TensorError.invalidArgument(op: "integers", "negative count \(count)") }
        return (0..<count).map { _ in low + nextInt(below: high - low) }
    }

    /// A uniformly random permutation of 0..<n (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<max(n, 0))
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, nextInt(below: i + 1)) }
        }
        return p
    }
}

import Foundation
@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Foundation.sin(x) }
