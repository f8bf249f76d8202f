import Autodiff
import Foundation
import Testing

// The engine cuts large products into pieces that run on its own threads. These check
// that every cut (rows of C, columns of C, each transpose, ragged edges) computes the
// product a double-precision reference does, the same bits on one thread and on two (the
// cut depends on the shape alone, so a result never depends on the machine's cores); and
// that products started from several threads at once (which find the workers busy and
// run serially) are right.

/// [m, n, k] triples around the slicing threshold: skinny, ragged, wide and tall.
private let shapes: [[Int]] = [[256, 256, 11], [300, 37, 129], [37, 300, 129], [513, 257, 64], [64, 1000, 16], [255, 255, 255],
                               [2048, 64, 32]]

/// op(A) op(B) in double precision from the stored layouts.
private func reference(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, ta: Bool, tb: Bool) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                s += Double(ta ? a[p * m + i] : a[i * k + p]) * Double(tb ? b[j * k + p] : b[p * n + j])
            }
            c[i * n + j] = s
        }
    }
    return c
}

@Suite(.serialized) struct ParallelTests {
    @Test("sliced products match a float64 reference, the same bits at one thread and two",
          arguments: shapes, [(false, false), (false, true), (true, false), (true, true)])
    func slicedProducts(shape: [Int], transposes: (Bool, Bool)) throws {
        let (m, n, k) = (shape[0], shape[1], shape[2])
        let (ta, tb) = transposes
        var rng = RandomGenerator(seed: seed(for: "\(shape)\(ta)\(tb)"))
        let a = try rng.values(ta ? [k, m] : [m, k]), b = try rng.values(tb ? [n, k] : [k, n])
        let before = BLAS.threads
        defer { BLAS.setThreads(before) }
        BLAS.setThreads(1)
        let one = try Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
        BLAS.setThreads(2)
        let two = try Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
        let again = try Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
        #expect(one.shape == [m, n] && two.shape == [m, n])
        #expect(two.scalars == again.scalars, "the same product at two threads changed between runs")
        let differing = zip(one.scalars, two.scalars).filter { $0 != $1 }.count
        #expect(differing == 0, "one thread and two computed different bits in \(differing) of \(m * n) entries")
        let exact = reference(a.scalars, b.scalars, m: m, n: n, k: k, ta: ta, tb: tb)
        for (name, product) in [("one thread", one), ("two threads", two)] {
            let worst = zip(product.scalars, exact).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 1e-5 * Double(k), "\(name): largest error \(worst)")
        }
    }

    @Test("products from several threads at once are each right")
    func concurrentCallers() async throws {
        BLAS.setThreads(2)
        var rng = RandomGenerator(seed: 7)
        let a = try rng.values([256, 128]), b = try rng.values([128, 256])
        let expected = try Tensor.matmul(a, b).scalars
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<50).allSatisfy { _ in (try? Tensor.matmul(a, b).scalars) == expected } }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == [true, true, true, true])
    }

    /// The fused linear layer's bias + activation pass and its backward pass run in row and
    /// element slices at two threads; every activation must agree with one thread.
    @Test("parallel activation passes agree with one thread", arguments: Activation.allCases)
    func parallelActivations(_ activation: Activation) throws {
        var rng = RandomGenerator(seed: seed(for: activation.rawValue))
        let x = try rng.values([512, 64]), w = try rng.values([256, 64], -0.2, 0.2), b = try rng.values([256])
        let before = BLAS.threads
        defer { BLAS.setThreads(before) }
        func run(_ threads: Int) throws -> (y: [Float], dx: [Float], dw: [Float], db: [Float]) {
            BLAS.setThreads(threads)
            let tape = Tape()
            let (tx, tw, tb) = (tape.watch(x), tape.watch(w), tape.watch(b))
            let y = try linear(tx, tw, tb, activation: activation)
            let g = try tape.gradients(of: (y * y).sum())
            return (y.scalars, try g[tx].scalars, try g[tw].scalars, try g[tb].scalars)
        }
        let one = try run(1), two = try run(2)
        for (name, a, b) in [("y", one.y, two.y), ("dx", one.dx, two.dx), ("dw", one.dw, two.dw), ("db", one.db, two.db)] {
            let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            #expect(a.count == b.count && worst < 1e-4, "\(activation) \(name): largest relative difference \(worst)")
        }
    }

    @Test("the kernel check reads rounding on the loaded kernels, far below its tolerance")
    func kernelCheckReadsRounding() {
        let error = BLAS.updateProductError()
        #expect(error > 0 && error < 1e-5, "largest error \(error) of Σ|a·b| under \(BLAS.coreName)")
    }
}
