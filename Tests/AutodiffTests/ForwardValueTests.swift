import Autodiff
import Foundation
import Testing

// Forward values of primitives and composites against formulas evaluated in Double.
// (The gradient check only proves a pullback agrees with its own forward value.)

struct UnaryCase: CustomTestStringConvertible, Sendable {
    let name: String
    let lo: Float, hi: Float
    let op: @Sendable (Tensor) throws -> Tensor
    let exact: @Sendable (Double) -> Double
    var testDescription: String { name }
}

@Test("unary values", arguments: [
    UnaryCase(name: "neg", lo: -3, hi: 3, op: { try -$0 }, exact: { -$0 }),
    UnaryCase(name: "exp", lo: -20, hi: 20, op: { try $0.exp() }, exact: { Foundation.exp($0) }),
    UnaryCase(name: "log", lo: 1e-3, hi: 100, op: { try $0.log() }, exact: { Foundation.log($0) }),
    UnaryCase(name: "sqrt", lo: 0, hi: 100, op: { try $0.sqrt() }, exact: { $0.squareRoot() }),
    UnaryCase(name: "pow 1.7", lo: 0, hi: 5, op: { try $0.pow(1.7) }, exact: { Foundation.pow($0, 1.7) }),
    UnaryCase(name: "abs", lo: -3, hi: 3, op: { try $0.abs() }, exact: { Swift.abs($0) }),
    UnaryCase(name: "tanh", lo: -10, hi: 10, op: { try $0.tanh() }, exact: { Foundation.tanh($0) }),
    UnaryCase(name: "sigmoid", lo: -20, hi: 20, op: { try $0.sigmoid() }, exact: { 1 / (1 + Foundation.exp(-$0)) }),
    UnaryCase(name: "relu", lo: -3, hi: 3, op: { try $0.relu() }, exact: { max($0, 0) }),
    UnaryCase(name: "softplus", lo: -30, hi: 30, op: { try $0.softplus() }, exact: { Foundation.log1p(Foundation.exp($0)) }),
    UnaryCase(name: "clamped", lo: -3, hi: 3, op: { try $0.clamped(-1, 2) }, exact: { min(max($0, -1), 2) }),
    UnaryCase(name: "silu", lo: -10, hi: 10, op: { try $0.silu() }, exact: { $0 / (1 + Foundation.exp(-$0)) }),
    UnaryCase(name: "mish", lo: -10, hi: 10, op: { try $0.mish() },
              exact: { $0 * Foundation.tanh(Foundation.log1p(Foundation.exp($0))) }),
])
func unaryValues(_ c: UnaryCase) throws {
    var rng = RandomGenerator(seed: seed(for: c.name))
    let x = try rng.values([1000], c.lo, c.hi)
    let y = try c.op(x)
    for (xi, yi) in zip(x.scalars, y.scalars) {
        let e = c.exact(Double(xi))
        #expect(abs(Double(yi) - e) <= 1e-6 * max(1, abs(e)), "\(c.name)(\(xi)) = \(yi), expected \(e)")
    }
}

private func rows(_ t: Tensor) -> [[Double]] {
    let n = t.shape.last!
    return stride(from: 0, to: t.count, by: n).map { t.scalars[$0..<($0 + n)].map(Double.init) }
}

private func expectClose(_ t: Tensor, _ expected: [Double], _ tolerance: Double = 1e-5,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(t.count == expected.count, sourceLocation: sourceLocation)
    for (a, e) in zip(t.scalars, expected) {
        #expect(abs(Double(a) - e) <= tolerance * max(1, abs(e)), "\(a) vs \(e)", sourceLocation: sourceLocation)
    }
}

@Test func compositeValues() throws {
    var rng = RandomGenerator(seed: 31)
    let x = try rng.values([3, 5], -2, 2), y = try rng.values([3, 5], -2, 2)
    let r = rows(x), ry = rows(y)
    let means = r.map { $0.reduce(0, +) / 5 }
    let vars = zip(r, means).map { row, m in row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / 5 }

    expectClose(try x.mean(), [r.joined().reduce(0, +) / 15])
    expectClose(try x.mean(axes: [1]), means)
    expectClose(try x.variance(axes: [-1]), vars)
    expectClose(try mse(x, y), [zip(r.joined(), ry.joined()).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 15])
    expectClose(try logSumExp(x), r.map { Foundation.log($0.reduce(0) { $0 + Foundation.exp($1) }) })
    #expect(try logSumExp(x).shape == [3])
    expectClose(try logSumExp(x * 100), r.map { row in 100 * row.max()! + Foundation.log(row.reduce(0) { $0 + Foundation.exp(100 * ($1 - row.max()!)) }) },
                1e-6)

    let gain = try rng.values([5], 0.5, 1.5), bias = try rng.values([5])
    let g = gain.scalars.map(Double.init), b = bias.scalars.map(Double.init)
    var expected: [Double] = []
    for (i, row) in r.enumerated() {
        for j in 0..<5 { expected.append((row[j] - means[i]) / (vars[i] + 1e-5).squareRoot() * g[j] + b[j]) }
    }
    expectClose(try layerNorm(x, gain: gain, bias: bias), expected, 1e-4)

    // log N(x; μ, e^s) summed over the last axis.
    let logStd = try rng.values([5], -1, 1)
    let s = logStd.scalars.map(Double.init)
    let lp = zip(r, ry).map { xr, mr in
        (0..<5).reduce(0.0) { acc, j in
            let z = (xr[j] - mr[j]) / Foundation.exp(s[j])
            return acc - 0.5 * z * z - s[j] - 0.5 * Foundation.log(2 * Double.pi)
        }
    }
    expectClose(try gaussianLogProb(x, mean: y, logStd: logStd), lp)
}
