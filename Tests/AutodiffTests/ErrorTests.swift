import Autodiff
import Testing

// Refusals: the memory cap, cancellation, and shape errors that a script can trigger
// must throw TensorError, never trap.

/// Changes the process-wide cap, so its checks run one at a time. The lowered cap stays
/// above anything the other (parallel) tests allocate, so they are unaffected.
@Suite(.serialized) struct MemoryCapTests {
    @Test func oversizedTensorsThrowTooLarge() throws {
        let saved = TensorLimits.maxBytes
        defer { TensorLimits.maxBytes = saved }
        TensorLimits.maxBytes = 256 << 20

        #expect {
            try Tensor.zeros([100_000, 100_000])
        } throws: { error in
            guard case TensorError.tooLarge(let shape, let limit)? = error as? TensorError else { return false }
            let text = "\(error)"
            return shape == [100_000, 100_000] && limit == 256 << 20
                && text.contains("[100000, 100000]") && text.contains("256 MiB")
        }
        // Just over the lowered cap fails; just under it works.
        #expect(throws: TensorError.tooLarge(shape: [64, 1 << 20 + 1], limitBytes: 256 << 20)) {
            try Tensor.zeros([64, 1 << 20 + 1])
        }
        #expect(try Tensor.zeros([1000, 1000]).count == 1_000_000)
        // Sizes whose product overflows Int are refused, not wrapped.
        #expect(throws: TensorError.self) { try Tensor.zeros([1 << 40, 1 << 40]) }
        #expect(throws: TensorError.self) { try Tensor(shape: [3, -1], repeating: 0) }

        // Broadcasting two small operands to a huge result throws before allocating.
        let column = try Tensor.zeros([100_000, 1]), row = try Tensor.zeros([1, 100_000])
        #expect(throws: TensorError.tooLarge(shape: [100_000, 100_000], limitBytes: 256 << 20)) { try column + row }
        #expect(throws: TensorError.self) { try column * row }
        #expect(throws: TensorError.self) { try Tensor.where(column, column, row) }
        #expect(throws: TensorError.self) { try column.broadcast(to: [100_000, 100_000]) }
        let tape = Tape()
        let watched = tape.watch(column)
        #expect(throws: TensorError.self) { try Tensor.maximum(watched, row) }

        TensorLimits.maxBytes = saved
        #expect(TensorLimits.maxBytes == saved)
        // The default cap (4 GiB) still refuses 40 GB.
        #expect(throws: TensorError.self) { try column - row }
    }
}

@Test func cancellationTokenThrowsOnceAndResets() throws {
    let token = CancellationToken()
    try token.check()
    #expect(!token.isCancelled)
    token.cancel()
    #expect(token.isCancelled)
    #expect(throws: TensorError.cancelled) { try token.check() }
    #expect(!token.isCancelled, "check clears the flag so the next run starts fresh")
    try token.check()
    token.cancel()
    token.reset()
    try token.check()
    #expect("\(TensorError.cancelled)" == "interrupted")
}

struct ErrorCase: CustomTestStringConvertible, Sendable {
    let name: String
    /// The case of TensorError expected.
    let kind: String
    let body: @Sendable () throws -> Void
    var testDescription: String { name }
}

private func kind(_ e: TensorError) -> String {
    switch e {
    case .shapeMismatch: return "shapeMismatch"
    case .invalidArgument: return "invalidArgument"
    case .tooLarge: return "tooLarge"
    case .cancelled: return "cancelled"
    }
}

private let m23 = try! Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])

@Test("shape errors throw TensorError", arguments: [
    ErrorCase(name: "matmul inner dims", kind: "shapeMismatch") { _ = try Tensor.matmul(m23, m23) },
    ErrorCase(name: "matmul transposed inner dims", kind: "shapeMismatch") {
        _ = try Tensor.matmul(m23, m23, transposeA: true, transposeB: true)
    },
    ErrorCase(name: "matmul of a vector", kind: "invalidArgument") { _ = try Tensor.matmul(Tensor([1, 2, 3]), m23) },
    ErrorCase(name: "linear input/weight", kind: "shapeMismatch") { _ = try linear(m23, Tensor.zeros([4, 2]), nil) },
    ErrorCase(name: "linear bias", kind: "shapeMismatch") { _ = try linear(m23, Tensor.zeros([4, 3]), Tensor.zeros([3])) },
    ErrorCase(name: "reshape count", kind: "shapeMismatch") { _ = try m23.reshaped([4, 2]) },
    ErrorCase(name: "reshape -1 indivisible", kind: "shapeMismatch") { _ = try m23.reshaped([4, -1]) },
    ErrorCase(name: "reshape two -1", kind: "shapeMismatch") { _ = try m23.reshaped([-1, -1]) },
    ErrorCase(name: "tensor scalar count", kind: "shapeMismatch") { _ = try Tensor(shape: [2, 2], scalars: [1, 2, 3]) },
    ErrorCase(name: "gather index too big", kind: "invalidArgument") { _ = try m23.gather([0, 2]) },
    ErrorCase(name: "gather negative index", kind: "invalidArgument") { _ = try m23.gather([-1], axis: 1) },
    ErrorCase(name: "gather bad axis", kind: "invalidArgument") { _ = try m23.gather([0], axis: 2) },
    ErrorCase(name: "slice past end", kind: "invalidArgument") { _ = try m23.slice(axis: 1, 1, 4) },
    ErrorCase(name: "slice reversed", kind: "invalidArgument") { _ = try m23.slice(axis: 0, 2, 1) },
    ErrorCase(name: "slice negative start", kind: "invalidArgument") { _ = try m23.slice(axis: 0, -1, 1) },
    ErrorCase(name: "concat off-axis mismatch", kind: "shapeMismatch") {
        _ = try Tensor.concat([m23, Tensor.zeros([2, 2])], axis: 0)
    },
    ErrorCase(name: "concat rank mismatch", kind: "shapeMismatch") { _ = try Tensor.concat([m23, Tensor([1, 2, 3])]) },
    ErrorCase(name: "concat nothing", kind: "invalidArgument") { _ = try Tensor.concat([]) },
    ErrorCase(name: "concat bad axis", kind: "invalidArgument") { _ = try Tensor.concat([m23, m23], axis: 2) },
    ErrorCase(name: "sum bad axis", kind: "invalidArgument") { _ = try m23.sum(axes: [-3]) },
    ErrorCase(name: "max of empty", kind: "invalidArgument") { _ = try Tensor.zeros([0, 3]).max() },
    ErrorCase(name: "transpose non-permutation", kind: "invalidArgument") { _ = try m23.transposed([0, 0]) },
    ErrorCase(name: "clamp bounds", kind: "invalidArgument") { _ = try m23.clamped(1, 0) },
    ErrorCase(name: "where shapes", kind: "shapeMismatch") { _ = try Tensor.where(m23, m23, Tensor.zeros([3, 2])) },
    ErrorCase(name: "gradient of non-scalar", kind: "invalidArgument") {
        let tape = Tape()
        _ = try tape.gradients(of: tape.watch(m23) * 2)
    },
    ErrorCase(name: "gradient of unwatched value", kind: "invalidArgument") { _ = try Tape().gradients(of: m23.sum()) },
    ErrorCase(name: "gradient seed shape", kind: "shapeMismatch") {
        let tape = Tape()
        _ = try tape.gradients(of: tape.watch(m23) * 2, seed: Tensor.zeros([3, 2]))
    },
])
func shapeErrorsThrow(_ c: ErrorCase) {
    #expect {
        try c.body()
    } throws: { error in
        guard let e = error as? TensorError else { return false }
        return kind(e) == c.kind
    }
}
