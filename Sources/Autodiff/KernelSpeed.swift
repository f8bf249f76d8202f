import COpenBLAS
import Foundation

/// How fast this process's OpenBLAS kernels run the products the engine actually makes.
///
/// OpenBLAS picks its kernels from the CPU model when the library loads, and the pick is
/// not always the fastest for cdsa's shapes: on the AVX2-only AMD EPYC of docs/PERFORMANCE.md
/// run F its Zen (= Haswell) sgemm runs 256×256×256 at ~9 GFLOP/s while its Excavator
/// kernels run it at ~32, and every update 2.6× faster. The choice is made once per machine
/// by measurement (NeuralNet's `KernelChoice`); this is the measurement.
extension BLAS {
    /// GFLOP/s of the matmuls of one training update of a 17-256-256-6 MLP at batch 256
    /// (forward, weight and input gradients), called the way the engine calls them, on one
    /// thread: the median of `rounds` timed rounds after a warm-up.
    public static func updateProductSpeed(rounds: Int = 5, seconds: Double = 0.05) -> Double {
        setThreads(1)
        let products = updateProducts
        let flops = products.reduce(0.0) { $0 + 2 * Double($1.m * $1.n * $1.k) }
        let size = products.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max()!
        var generator = SystemRandomNumberGenerator()
        let a = (0..<size).map { _ in Float.random(in: -1...1, using: &generator) }
        let b = (0..<size).map { _ in Float.random(in: -1...1, using: &generator) }
        var c = [Float](repeating: 0, count: size)
        func round() {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        for p in products {
                            gemm(a.baseAddress!, transposeA: p.ta, b.baseAddress!, transposeB: p.tb, c.baseAddress!,
                                 m: p.m, n: p.n, k: p.k)
                        }
                    }
                }
            }
        }
        func clock() -> Double { Date.timeIntervalSinceReferenceDate }
        var perRound = 1
        while true {
            let t0 = clock()
            for _ in 0..<perRound { round() }
            if clock() - t0 > seconds { break }
            perRound *= 2
        }
        var speeds: [Double] = []
        for _ in 0..<rounds {
            let t0 = clock()
            for _ in 0..<perRound { round() }
            speeds.append(flops * Double(perRound) / (clock() - t0) / 1e9)
        }
        return speeds.sorted()[rounds / 2]
    }

    /// The products of one update of a 17-256-256-6 MLP at batch 256: X Wᵀ, dW = dYᵀ X and
    /// (past the first layer) dX = dY W.
    static let updateProducts: [(m: Int, n: Int, k: Int, ta: Bool, tb: Bool)] = {
        let sizes = [17, 256, 256, 6], batch = 256
        var products: [(m: Int, n: Int, k: Int, ta: Bool, tb: Bool)] = []
        for (i, (fanIn, fanOut)) in zip(sizes, sizes.dropFirst()).enumerated() {
            products.append((batch, fanOut, fanIn, false, true))
            products.append((fanOut, fanIn, batch, true, false))
            if i > 0 { products.append((batch, fanIn, fanOut, false, false)) }
        }
        return products
    }()

    /// The largest error of this process's kernels over the update's products and a
    /// single-sample forward (gemv), each element's |C − C_exact| / Σ_k |A_ik B_kj|, the
    /// exact sums in Double. Float rounding keeps this below k·2⁻²⁴ (1.5·10⁻⁵ at k = 256;
    /// ~10⁻⁷ in practice); kernels that compute wrong results — OpenBLAS has shipped some
    /// for some CPUs — read near 1, and `KernelChoice` never adopts them.
    public static func updateProductError() -> Double {
        setThreads(1)
        let products = updateProducts + [(1, 256, 17, false, true), (1, 256, 256, false, true), (1, 6, 256, false, true)]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        var worst = 0.0
        for p in products {
            let a = (0..<p.m * p.k).map { _ in next() }, b = (0..<p.k * p.n).map { _ in next() }
            var c = [Float](repeating: .nan, count: p.m * p.n)
            gemm(a, transposeA: p.ta, b, transposeB: p.tb, &c, m: p.m, n: p.n, k: p.k)
            for i in 0..<p.m {
                for j in 0..<p.n {
                    var exact = 0.0, scale = 0.0
                    for l in 0..<p.k {
                        let x = Double(p.ta ? a[l * p.m + i] : a[i * p.k + l]), y = Double(p.tb ? b[j * p.k + l] : b[l * p.n + j])
                        exact += x * y
                        scale += abs(x * y)
                    }
                    let error = abs(Double(c[i * p.n + j]) - exact) / max(scale, .leastNormalMagnitude)
                    worst = max(worst, error.isNaN ? .infinity : error)
                }
            }
        }
        return worst
    }
}
