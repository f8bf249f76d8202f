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
        let sizes = [17, 256, 256, 6], batch = 256
        var products: [(m: Int, n: Int, k: Int, ta: Bool, tb: Bool)] = []
        for (i, (fanIn, fanOut)) in zip(sizes, sizes.dropFirst()).enumerated() {
            products.append((batch, fanOut, fanIn, false, true))   // X Wᵀ
            products.append((fanOut, fanIn, batch, true, false))   // dW = dYᵀ X
            if i > 0 { products.append((batch, fanIn, fanOut, false, false)) }   // dX = dY W
        }
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
}
