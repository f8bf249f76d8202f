import Autodiff
import Testing

// The seeded generator: reproducible streams, sane distributions.

@Suite struct RandomGeneratorTests {
    @Test func sameSeedGivesIdenticalStreams() throws {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        #expect(try a.uniform([100]).scalars == b.uniform([100]).scalars)
        #expect(try a.normal([101], mean: 1, std: 2).scalars == b.normal([101], mean: 1, std: 2).scalars)
        #expect(try a.integers(100, low: -5, high: 5) == b.integers(100, low: -5, high: 5))
        #expect(a.permutation(50) == b.permutation(50))
        var ca = a.split(), cb = b.split()
        #expect(ca.next() == cb.next())
        #expect(a.next() == b.next(), "streams stay in step after every kind of draw")
    }

    @Test(arguments: [(0 as UInt64, 1 as UInt64), (1, 2), (42, 43), (0xDEAD_BEEF, 0xDEAD_BEEE)])
    func differentSeedsDiffer(_ s1: UInt64, _ s2: UInt64) throws {
        var a = RandomGenerator(seed: s1), b = RandomGenerator(seed: s2)
        #expect(try a.uniform([100]).scalars != b.uniform([100]).scalars)
        #expect(try a.normal([100]).scalars != b.normal([100]).scalars)
        #expect(try a.integers(100, high: 1000) != b.integers(100, high: 1000))
        #expect(a.permutation(100) != b.permutation(100))
    }

    @Test func normalHasUnitMoments() throws {
        var rng = RandomGenerator(seed: 7)
        let n = 100_000
        let x = try rng.normal([n]).scalars.map(Double.init)
        let mean = x.reduce(0, +) / Double(n)
        let std = (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
        // Standard errors are 1/√n ≈ 0.003 for the mean and ≈ 0.0022 for the std.
        #expect(abs(mean) < 0.015)
        #expect(abs(std - 1) < 0.015)
        // Symmetric, with the expected tail mass beyond 2σ (4.55%).
        let tail = Double(x.filter { abs($0) > 2 }.count) / Double(n)
        #expect(abs(tail - 0.0455) < 0.004)

        // Box–Muller emits pairs; the two halves of a pair must be independent.
        let pairs = (0..<(n / 2)).map { (x[2 * $0], x[2 * $0 + 1]) }
        let correlation = pairs.reduce(0) { $0 + $1.0 * $1.1 } / Double(pairs.count)
        #expect(abs(correlation) < 0.02)

        let shifted = try rng.normal([n], mean: 3, std: 0.5).scalars.map(Double.init)
        let m2 = shifted.reduce(0, +) / Double(n)
        #expect(abs(m2 - 3) < 0.01)
    }

    @Test func uniformAndIntegersStayInRange() throws {
        var rng = RandomGenerator(seed: 3)
        let u = try rng.uniform([10_000], low: -2, high: 3).scalars
        #expect(u.allSatisfy { $0 >= -2 && $0 < 3 })
        #expect(abs(u.reduce(0, +) / Float(u.count) - 0.5) < 0.1)
        let k = try rng.integers(10_000, low: -3, high: 4)
        #expect(k.allSatisfy { (-3..<4).contains($0) })
        #expect(Set(k) == Set(-3..<4), "every value is drawn")
        #expect(throws: TensorError.self) { try rng.integers(3, low: 2, high: 2) }
        #expect(throws: TensorError.self) { try rng.uniform([2], low: 1, high: 0) }
    }

    @Test(arguments: [0, 1, 2, 10, 1000])
    func permutationIsAPermutation(_ n: Int) {
        var rng = RandomGenerator(seed: UInt64(n) + 11)
        let p = rng.permutation(n)
        #expect(p.count == n)
        #expect(p.sorted() == Array(0..<n))
        if n >= 10 { #expect(p != Array(0..<n), "a shuffle of \(n) items is almost never the identity") }
    }

    @Test func permutationsAreUniform() {
        var rng = RandomGenerator(seed: 12)
        var counts: [[Int]: Int] = [:]
        for _ in 0..<6000 { counts[rng.permutation(3), default: 0] += 1 }
        // All 3! orders, each about 1000 times (σ ≈ 29).
        #expect(counts.count == 6)
        #expect(counts.values.allSatisfy { abs($0 - 1000) < 150 }, "\(counts)")
    }
}
