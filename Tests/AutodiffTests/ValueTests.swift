import Autodiff
import Foundation
import Testing

// Forward values against hand computations and plain loops.

@Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
func matmulHandComputed(_ ta: Bool, _ tb: Bool) throws {
    // [[1,2,3],[4,5,6]] @ [[7,8],[9,10],[11,12]], stored transposed when asked.
    let a = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    let b = try Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
    let c = try Tensor.matmul(ta ? a.transposed() : a, tb ? b.transposed() : b, transposeA: ta, transposeB: tb)
    #expect(c.shape == [2, 2])
    #expect(c.scalars == [58, 64, 139, 154])
}

/// Σ_k op(A)[i,k] op(B)[k,j] in double precision.
private func matmulByLoops(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool) -> [Double] {
    let (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let n = tb ? b.shape[0] : b.shape[1]
    let av = a.scalars, bv = b.scalars
    return (0..<(m * n)).map { ij in
        let (i, j) = (ij / n, ij % n)
        return (0..<k).reduce(0.0) { acc, p in
            acc + Double(av[ta ? p * m + i : i * k + p]) * Double(bv[tb ? j * k + p : p * n + j])
        }
    }
}

/// Batch-1 products go through gemv; they must equal the gemm result for the same row
/// (computed as row 0 of a batch-2 product) and a double-precision loop.
@Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
func gemvPathMatchesGemm(_ ta: Bool, _ tb: Bool) throws {
    var rng = RandomGenerator(seed: 99)
    let (k, n) = (37, 19)
    let row = try rng.values([1, k])
    let b = try rng.values(tb ? [n, k] : [k, n])
    let a = ta ? try row.transposed() : row
    let single = try Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
    #expect(single.shape == [1, n])

    let twoRows = try Tensor.concat([row, rng.values([1, k])])
    let batch = try Tensor.matmul(ta ? twoRows.transposed() : twoRows, b, transposeA: ta, transposeB: tb)
    let firstRow = try batch.slice(axis: 0, 0, 1)
    #expect(maxDifference(single, firstRow) <= 1e-5)

    let exact = matmulByLoops(a, b, ta, tb)
    for (x, e) in zip(single.scalars, exact) { #expect(abs(Double(x) - e) <= 1e-5 * max(1, abs(e))) }

    // linear with a batch of one uses the same path.
    let w = try rng.values([n, k]), bias = try rng.values([n])
    let y1 = try linear(row, w, bias)
    let y2 = try linear(twoRows, w, bias).slice(axis: 0, 0, 1)
    #expect(maxDifference(y1, y2) <= 1e-5)
}

@Test func matmulWithEmptyInnerDimensionIsZero() throws {
    let c = try Tensor.matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 3]))
    #expect(c.shape == [2, 3])
    #expect(c.scalars == [Float](repeating: 0, count: 6))
}

@Test func linearValuesMatchComposedOps() throws {
    var rng = RandomGenerator(seed: 5)
    let x = try rng.values([4, 3]), w = try rng.values([2, 3]), b = try rng.values([2])
    let z = try Tensor.matmul(x, w, transposeB: true) + b
    let expected: [Activation: Tensor] = [
        .identity: z, .relu: try z.relu(), .tanh: try z.tanh(), .sigmoid: try z.sigmoid(),
        .silu: try z.silu(), .mish: try z.mish(),
    ]
    for act in Activation.allCases {
        #expect(maxDifference(try linear(x, w, b, activation: act), expected[act]!) <= 1e-6, "\(act)")
    }
}

/// x[i,j,k] = 100i + 10j + k over [2,3,4], so every reduction is easy to write out.
private func v(_ i: Int, _ j: Int, _ k: Int) -> Float { Float(100 * i + 10 * j + k) }
private let cube: Tensor = {
    var s: [Float] = []
    for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { s.append(v(i, j, k)) } } }
    return try! Tensor(shape: [2, 3, 4], scalars: s)
}()

@Test func sumOverAxes() throws {
    #expect(try cube.sum().shape == [])
    let total: Float = 4 * 3 * 100 + 8 * 30 + 6 * 6
    #expect(try cube.sum().scalars == [total])
    var s1: [Float] = [], s02: [Float] = [], s2: [Float] = []
    for i in 0..<2 { for k in 0..<4 { s1.append(v(i, 0, k) + v(i, 1, k) + v(i, 2, k)) } }
    for j in 0..<3 { var t: Float = 0; for i in 0..<2 { for k in 0..<4 { t += v(i, j, k) } }; s02.append(t) }
    for i in 0..<2 { for j in 0..<3 { s2.append((0..<4).reduce(Float(0)) { $0 + v(i, j, $1) }) } }
    let y1 = try cube.sum(axes: [1])
    #expect(y1.shape == [2, 4])
    #expect(y1.scalars == s1)
    let y02 = try cube.sum(axes: [0, 2], keepDims: true)
    #expect(y02.shape == [1, 3, 1])
    #expect(y02.scalars == s02)
    #expect(try cube.sum(axes: [-1]).scalars == s2)
}

@Test func maxAndMinOverAxes() throws {
    // Negated, so the maximum is the first element along each axis rather than the last.
    let x = try cube * -1
    #expect(try x.max().scalars == [0])
    #expect(try x.min().scalars == [-123])
    var m1: [Float] = [], m02: [Float] = [], n2: [Float] = []
    for i in 0..<2 { for k in 0..<4 { m1.append(-v(i, 0, k)) } }
    for j in 0..<3 { m02.append(v(1, j, 3)) }
    for i in 0..<2 { for j in 0..<3 { n2.append(-v(i, j, 3)) } }
    let y1 = try x.max(axes: [1], keepDims: true)
    #expect(y1.shape == [2, 1, 4])
    #expect(y1.scalars == m1)
    let y02 = try cube.max(axes: [0, 2])
    #expect(y02.shape == [3])
    #expect(y02.scalars == m02)
    #expect(try x.min(axes: [2]).scalars == n2)
}

@Test func shapingValues() throws {
    let m = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    #expect(try m.transposed().scalars == [1, 4, 2, 5, 3, 6])
    #expect(try cube.transposed([2, 0, 1]).shape == [4, 2, 3])
    #expect(try cube.transposed([2, 0, 1]).scalars[0..<7] == [0, 10, 20, 100, 110, 120, 1])
    #expect(try Tensor.concat([m, m * 10], axis: 1).scalars == [1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60])
    #expect(try m.slice(axis: 1, 1, 3).scalars == [2, 3, 5, 6])
    #expect(try m.gather([1, 1, 0]).scalars == [4, 5, 6, 4, 5, 6, 1, 2, 3])
    #expect(try m.reshaped([3, -1]).shape == [3, 2])
    #expect(try Tensor.where(Tensor([1, 0, 1]), m, Tensor(0)).scalars == [1, 0, 3, 4, 0, 6])
    let empty = try Tensor(shape: [0, 3], scalars: [])
    #expect(empty.count == 0)
    #expect(try empty.sum(axes: [0]).scalars == [0, 0, 0])
}

@Test func fastExpIsAccurate() throws {
    var worst = 0.0, worstAt: Float = 0
    for i in 0...400_000 {
        let x = -87 + 175 * Float(i) / 400_000
        let exact = Foundation.exp(Double(x))
        let err = abs(Double(fastExp(x)) - exact) / exact
        if err > worst { (worst, worstAt) = (err, x) }
    }
    // About 2 ulp: 2⁻²³ ≈ 1.2e-7; allow a few ulp.
    #expect(worst < 4e-7, "worst relative error \(worst) at \(worstAt)")
    #expect(fastExp(0) == 1)
}

@Test func fastExpEdges() throws {
    // Called through closures so the optimiser cannot fold the special values away.
    let opaque: [(Float) -> Float] = [fastExp, fastSigmoid, fastTanh]
    let exp = opaque[0]
    for f in opaque { #expect(f(.nan).isNaN, "NaN propagates rather than trapping") }
    #expect(try Tensor([.nan, 0]).exp().scalars[0].isNaN)
    #expect(try Tensor([.nan]).sigmoid().scalars[0].isNaN)
    #expect(exp(-.infinity) >= 0 && exp(-.infinity) < 1e-37)
    for x: Float in [88.5, 100, .infinity] { #expect(exp(x) >= exp(88), "never decreasing, never NaN past the top") }
    for x: Float in [88.5, 88.7] {
        #expect(abs(Double(exp(x)) / Foundation.exp(Double(x)) - 1) < 4e-7, "fastExp(\(x)) = \(exp(x))")
    }
    #expect(exp(88.8) == .infinity && exp(200) == .infinity)
    // Subnormal results keep their absolute accuracy.
    #expect(abs(Double(exp(-95)) - Foundation.exp(-95.0)) < 1e-44)
}

@Test func activationsAreAccurate() throws {
    for i in -400...400 {
        let x = Float(i) / 20
        #expect(abs(fastTanh(x) - Float(Foundation.tanh(Double(x)))) <= 3e-7, "tanh(\(x))")
        #expect(abs(fastSigmoid(x) - Float(1 / (1 + Foundation.exp(-Double(x))))) <= 3e-7, "sigmoid(\(x))")
    }
    let sp = try Tensor([-100, 0, 100]).softplus().scalars
    #expect(abs(sp[0]) < 1e-30 && abs(sp[1] - Float(Foundation.log(2.0))) < 1e-7 && sp[2] == 100)
}
