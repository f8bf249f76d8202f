import Autodiff
import Testing

// NumPy broadcasting: the result shape, the refusals, and values against plain loops.

struct ShapePair: CustomTestStringConvertible, Sendable {
    let a: [Int], b: [Int], expected: [Int]?
    var testDescription: String { "\(a) with \(b) → \(expected.map { "\($0)" } ?? "error")" }
}

@Test("broadcastShape", arguments: [
    ShapePair(a: [3, 4], b: [4], expected: [3, 4]),
    ShapePair(a: [4], b: [3, 4], expected: [3, 4]),
    ShapePair(a: [3, 1], b: [1, 4], expected: [3, 4]),
    ShapePair(a: [], b: [2, 3], expected: [2, 3]),
    ShapePair(a: [2, 1, 3], b: [4, 1], expected: [2, 4, 3]),
    ShapePair(a: [5, 1, 1], b: [1, 6, 1], expected: [5, 6, 1]),
    ShapePair(a: [0, 3], b: [1, 3], expected: [0, 3]),
    ShapePair(a: [3, 4], b: [3, 4], expected: [3, 4]),
    ShapePair(a: [3, 4], b: [2, 4], expected: nil),
    ShapePair(a: [3], b: [4], expected: nil),
    ShapePair(a: [2, 3], b: [3, 2], expected: nil),
    ShapePair(a: [2, 3, 4], b: [5, 4], expected: nil),
])
func broadcastShapeRule(_ p: ShapePair) throws {
    if let expected = p.expected {
        #expect(try broadcastShape(p.a, p.b) == expected)
        #expect(try broadcastShape(p.b, p.a) == expected, "broadcasting is symmetric")
    } else {
        #expect {
            try broadcastShape(p.a, p.b, op: "add")
        } throws: { error in
            guard case TensorError.shapeMismatch(let op, let message)? = error as? TensorError else { return false }
            return op == "add" && message.contains("\(p.a)") && message.contains("\(p.b)")
        }
        // The operators refuse the same pair instead of trapping.
        #expect(throws: TensorError.self) { try Tensor.zeros(p.a) + Tensor.zeros(p.b) }
    }
}

/// z[i] = f(a[ia], b[ib]) computed by mapping each output index back to each operand.
func broadcastByLoops(_ a: Tensor, _ b: Tensor, _ shape: [Int], _ f: (Float, Float) -> Float) -> [Float] {
    func source(_ index: [Int], _ s: [Int]) -> Int {
        let pad = index.count - s.count
        return zip(s.indices, strides(s)).reduce(0) { acc, e in acc + (s[e.0] == 1 ? 0 : index[e.0 + pad]) * e.1 }
    }
    let n = shape.reduce(1, *)
    let av = a.scalars, bv = b.scalars
    return (0..<n).map { flat in
        let index = multiIndex(flat, shape)
        return f(av[source(index, a.shape)], bv[source(index, b.shape)])
    }
}

@Test("broadcast binary values equal nested loops", arguments: [
    ShapePair(a: [3, 4], b: [4], expected: [3, 4]),
    ShapePair(a: [4], b: [3, 4], expected: [3, 4]),
    ShapePair(a: [3, 1], b: [1, 4], expected: [3, 4]),
    ShapePair(a: [1, 4], b: [3, 1], expected: [3, 4]),
    ShapePair(a: [2, 3, 4], b: [3, 1], expected: [2, 3, 4]),
    ShapePair(a: [2, 1, 4], b: [3, 1], expected: [2, 3, 4]),
    ShapePair(a: [5, 1, 1], b: [1, 6, 1], expected: [5, 6, 1]),
    ShapePair(a: [3, 4], b: [], expected: [3, 4]),
    ShapePair(a: [1], b: [2, 3], expected: [2, 3]),
    ShapePair(a: [2, 3], b: [2, 3], expected: [2, 3]),
])
func broadcastValues(_ p: ShapePair) throws {
    var rng = RandomGenerator(seed: seed(for: p.testDescription))
    let a = try rng.values(p.a), b = try rng.values(p.b, 0.5, 2)
    let ops: [(String, (Tensor, Tensor) throws -> Tensor, (Float, Float) -> Float)] = [
        ("+", { try $0 + $1 }, +), ("-", { try $0 - $1 }, -), ("*", { try $0 * $1 }, *), ("/", { try $0 / $1 }, /),
        ("maximum", { try Tensor.maximum($0, $1) }, { max($0, $1) }),
    ]
    for (name, op, f) in ops {
        let z = try op(a, b)
        #expect(z.shape == p.expected, "\(name)")
        #expect(z.scalars == broadcastByLoops(a, b, p.expected!, f), "\(name)")
    }
}

@Test func broadcastToMaterialisesAndUnbroadcastSums() throws {
    let x = try Tensor(shape: [3, 1], scalars: [1, 2, 3])
    let y = try x.broadcast(to: [2, 3, 2])
    #expect(y.shape == [2, 3, 2])
    #expect(y.scalars == [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3])
    #expect(throws: TensorError.self) { try x.broadcast(to: [2, 4]) }
    #expect(throws: TensorError.self) { try Tensor.zeros([3, 4]).broadcast(to: [4]) }
    let back = try y.unbroadcast(to: [3, 1])
    #expect(back.shape == [3, 1])
    #expect(back.scalars == [4, 8, 12])
}
