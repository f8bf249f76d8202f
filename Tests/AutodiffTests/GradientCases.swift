import Autodiff
import Testing

// Every differentiable primitive and composite, with inputs chosen away from kinks
// (relu/abs/clamp/min/max) and inside domains (log/sqrt/pow/div).

private typealias Case = GradientCase

/// Binary arithmetic over shape pairs that exercise every broadcasting path.
private let binaryCases: [GradientCase] = {
    let shapes: [(String, [Int], [Int])] = [
        ("same", [3, 4], [3, 4]), ("[3,4]⊕[4]", [3, 4], [4]), ("[3,1]⊕[1,4]", [3, 1], [1, 4]),
        ("[3,4]⊕scalar", [3, 4], []), ("scalar⊕[3,4]", [], [3, 4]), ("[2,3,4]⊕[3,1]", [2, 3, 4], [3, 1]),
    ]
    let ops: [(String, @Sendable (Tensor, Tensor) throws -> Tensor)] = [
        ("add", { try $0 + $1 }), ("sub", { try $0 - $1 }), ("mul", { try $0 * $1 }), ("div", { try $0 / $1 }),
    ]
    return ops.flatMap { op, f in
        shapes.map { label, sa, sb in
            Case("\(op) \(label)", { r in [try r.values(sa), op == "div" ? try r.values(sb, 0.5, 2) : try r.values(sb)] }) {
                try f($0[0], $0[1])
            }
        }
    }
}()

private let unaryCases: [GradientCase] = [
    Case("neg", { [try $0.values([3, 4])] }) { try -$0[0] },
    Case("exp", { [try $0.values([3, 4], -2, 2)] }) { try $0[0].exp() },
    Case("log", { [try $0.values([3, 4], 0.5, 3)] }) { try $0[0].log() },
    Case("sqrt", { [try $0.values([3, 4], 0.5, 3)] }) { try $0[0].sqrt() },
    Case("pow 2.5", { [try $0.values([3, 4], 0.5, 2)] }) { try $0[0].pow(2.5) },
    Case("pow -1.5", { [try $0.values([3, 4], 0.5, 2)] }) { try $0[0].pow(-1.5) },
    Case("abs", { [try $0.awayFromZero([3, 4])] }) { try $0[0].abs() },
    Case("tanh", { [try $0.values([3, 4], -2, 2)] }) { try $0[0].tanh() },
    Case("sigmoid", { [try $0.values([3, 4], -3, 3)] }) { try $0[0].sigmoid() },
    Case("relu", { [try $0.awayFromZero([3, 4])] }) { try $0[0].relu() },
    Case("softplus", { [try $0.values([3, 4], -3, 3)] }) { try $0[0].softplus() },
    Case("minimum", { r in let a = try r.values([3, 4]); return [a, try a + r.awayFromZero([3, 4])] }) {
        try Tensor.minimum($0[0], $0[1])
    },
    Case("maximum [3,4]⊕[4]", { r in let b = try r.values([4]); return [try b + r.awayFromZero([3, 4]), b] }) {
        try Tensor.maximum($0[0], $0[1])
    },
    Case("clamped", { r in [try Tensor(shape: [3, 4], scalars: (0..<12).map { i in
        [-1.2, -0.8, -0.3, 0.2, 0.6, 1.1][i % 6] + (r.nextFloat() - 0.5) * 0.1 })] }) { try $0[0].clamped(-0.5, 0.9) },
]

private let reductionCases: [GradientCase] = [
    Case("norm all", { [try $0.values([3, 4])] }) { try $0[0].norm() },
    Case("norm axis -1 keepDims", { [try $0.values([3, 4])] }) { try $0[0].norm(axes: [-1], keepDims: true) },
    Case("sum all", { [try $0.values([3, 4])] }) { try $0[0].sum() },
    Case("sum axis 0", { [try $0.values([3, 4])] }) { try $0[0].sum(axes: [0]) },
    Case("sum axis -1 keepDims", { [try $0.values([3, 4])] }) { try $0[0].sum(axes: [-1], keepDims: true) },
    Case("sum [2,3,4] axes 0,2", { [try $0.values([2, 3, 4])] }) { try $0[0].sum(axes: [0, 2]) },
    Case("max all", { [try $0.distinct([3, 4])] }) { try $0[0].max() },
    Case("max axis 1", { [try $0.distinct([3, 4])] }) { try $0[0].max(axes: [1]) },
    Case("max axis 0 keepDims", { [try $0.distinct([3, 4])] }) { try $0[0].max(axes: [0], keepDims: true) },
    Case("max [2,3,4] axes 0,2", { [try $0.distinct([2, 3, 4])] }) { try $0[0].max(axes: [0, 2]) },
    Case("min axis 1 (composite)", { [try $0.distinct([3, 4])] }) { try $0[0].min(axes: [1]) },
]

/// matmul with every transpose combination, stored shapes chosen so op(A) is [3,4] and
/// op(B) is [4,2]; plus batch-1 products, which take the gemv path.
private let matmulCases: [GradientCase] = [false, true].flatMap { ta in
    [false, true].map { tb in
        Case("matmul tA=\(ta) tB=\(tb)", { r in [try r.values(ta ? [4, 3] : [3, 4]), try r.values(tb ? [2, 4] : [4, 2])] }) {
            try Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb)
        }
    }
} + [false, true].map { tb in
    Case("matmul m=1 tB=\(tb)", { r in [try r.values([1, 4]), try r.values(tb ? [3, 4] : [4, 3])] }) {
        try Tensor.matmul($0[0], $0[1], transposeB: tb)
    }
}

/// linear for every activation, with and without bias. Inputs are redrawn until every
/// pre-activation is at least 0.15 from relu's kink.
private let linearCases: [GradientCase] = Activation.allCases.flatMap { act in
    [true, false].map { bias in
        Case("linear \(act) bias=\(bias)", { r in
            while true {
                let x = try r.values([3, 4]), w = try r.values([5, 4]), b = try r.values([5])
                let z = try linear(x, w, bias ? b : nil)
                if act != .relu || z.scalars.allSatisfy({ abs($0) > 0.15 }) { return bias ? [x, w, b] : [x, w] }
            }
        }) { try linear($0[0], $0[1], $0.count > 2 ? $0[2] : nil, activation: act) }
    }
}

private let shapingCases: [GradientCase] = [
    Case("reshaped", { [try $0.values([3, 4])] }) { try $0[0].reshaped([2, -1, 3]) },
    Case("broadcast [4]→[3,4]", { [try $0.values([4])] }) { try $0[0].broadcast(to: [3, 4]) },
    Case("broadcast [3,1]→[2,3,4]", { [try $0.values([3, 1])] }) { try $0[0].broadcast(to: [2, 3, 4]) },
    Case("transposed 2-D", { [try $0.values([3, 4])] }) { try $0[0].transposed() },
    Case("transposed 3-D [2,0,1]", { [try $0.values([2, 3, 4])] }) { try $0[0].transposed([2, 0, 1]) },
    Case("concat axis 0", { r in [try r.values([2, 3]), try r.values([1, 3]), try r.values([3, 3])] }) {
        try Tensor.concat($0, axis: 0)
    },
    Case("concat axis 1", { r in [try r.values([2, 3]), try r.values([2, 1]), try r.values([2, 2])] }) {
        try Tensor.concat($0, axis: 1)
    },
    Case("slice axis 1", { [try $0.values([3, 5])] }) { try $0[0].slice(axis: 1, 1, 4) },
    Case("slice axis 0 of 3-D", { [try $0.values([4, 2, 3])] }) { try $0[0].slice(axis: 0, 2, 4) },
    Case("gather repeated axis 0", { [try $0.values([4, 3])] }) { try $0[0].gather([2, 0, 2, 2, 3]) },
    Case("gather repeated axis -1", { [try $0.values([2, 3, 4])] }) { try $0[0].gather([3, 3, 0], axis: -1) },
    Case("where [3,4] [4]", constants: 1, { r in [try r.values([3, 4]), try r.values([4]), try r.mask([3, 4])] }) {
        try Tensor.where($0[2], $0[0], $0[1])
    },
    Case("where cond [3,1]", constants: 1, { r in [try r.values([3, 4]), try r.values([3, 4]), try r.mask([3, 1])] }) {
        try Tensor.where($0[2], $0[0], $0[1])
    },
]

private let compositeCases: [GradientCase] = [
    Case("mean all", { [try $0.values([3, 4])] }) { try $0[0].mean() },
    Case("mean axis 0 keepDims", { [try $0.values([3, 4])] }) { try $0[0].mean(axes: [0], keepDims: true) },
    Case("variance all", { [try $0.values([3, 4])] }) { try $0[0].variance() },
    Case("variance axis 1", { [try $0.values([3, 4])] }) { try $0[0].variance(axes: [1]) },
    Case("silu", { [try $0.values([3, 4], -3, 3)] }) { try $0[0].silu() },
    Case("mish", { [try $0.values([3, 4], -3, 3)] }) { try $0[0].mish() },
    Case("square", { [try $0.values([3, 4])] }) { try $0[0].square() },
    Case("pow tensor", { r in [try r.values([3, 4], 0.5, 2), try r.values([4], -1, 2)] }) { try $0[0].pow($0[1]) },
    Case("mse", { r in [try r.values([3, 4]), try r.values([3, 4])] }) { try mse($0[0], $0[1]) },
    Case("gaussianLogProb", { r in [try r.values([3, 4], -2, 2), try r.values([3, 4]), try r.values([4], -0.5, 0.5)] }) {
        try gaussianLogProb($0[0], mean: $0[1], logStd: $0[2])
    },
    Case("layerNorm", { r in [try r.values([3, 5], -2, 2), try r.values([5], 0.5, 1.5), try r.values([5])] }) {
        try layerNorm($0[0], gain: $0[1], bias: $0[2])
    },
    Case("layerNorm no affine", { [try $0.values([3, 5], -2, 2)] }) { try layerNorm($0[0], gain: nil, bias: nil) },
    Case("logSumExp axis -1", { [try $0.values([3, 4], -2, 2)] }) { try logSumExp($0[0]) },
    Case("logSumExp axis 0", { [try $0.values([3, 4], -2, 2)] }) { try logSumExp($0[0], axis: 0) },
    Case("softmax axis -1", { [try $0.values([3, 4], -2, 2)] }) { try softmax($0[0]) },
    Case("softmax axis 0", { [try $0.values([3, 4], -2, 2)] }) { try softmax($0[0], axis: 0) },
    Case("logSoftmax axis -1", { [try $0.values([3, 4], -2, 2)] }) { try logSoftmax($0[0]) },
    Case("logSoftmax axis 0", { [try $0.values([3, 4], -2, 2)] }) { try logSoftmax($0[0], axis: 0) },
    Case("shared input x·x + x", { [try $0.values([3, 4])] }) { try $0[0] * $0[0] + $0[0] },
]

let allGradientCases: [GradientCase] =
    binaryCases + unaryCases + reductionCases + matmulCases + linearCases + shapingCases + compositeCases

@Test("gradient matches central differences", arguments: allGradientCases)
func gradientMatchesCentralDifferences(_ c: GradientCase) throws {
    try checkGradients(c)
}
