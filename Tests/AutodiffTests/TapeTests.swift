import Autodiff
import Testing

// The tape's bookkeeping: accumulation, unused inputs, reuse, and misuse.

@Test func maxGradientSharedAmongTies() throws {
    let tape = Tape()
    let x = tape.watch(try Tensor(shape: [2, 3], scalars: [1, 5, 5, 2, 0, -1]))
    let g = try tape.gradients(of: x.max(axes: [1]).sum())[x]
    #expect(g.scalars == [0, 0.5, 0.5, 1, 0, 0])
}

@Test func unusedWatchedTensorHasZeroGradient() throws {
    let tape = Tape()
    let x = tape.watch(try Tensor(shape: [2], scalars: [1, 2])), y = tape.watch(try Tensor.ones([3]))
    let grads = try tape.gradients(of: (x * x).sum())
    #expect(try grads[x].scalars == [2, 4])
    #expect(try grads[y].scalars == [0, 0, 0])
}

@Test func gradientsAccumulateOverEveryUse() throws {
    let tape = Tape()
    let x = tape.watch(try Tensor(shape: [3], scalars: [1, 2, 3]))
    // y = Σ (x·x + 3x + x/x): dy/dx = 2x + 3.
    let y = try (x * x + x * 3 + x / x).sum()
    #expect(try tape.gradients(of: y)[x].scalars == [5, 7, 9])
}

@Test func seedWeightsTheOutput() throws {
    let tape = Tape()
    let x = tape.watch(try Tensor(shape: [2], scalars: [1, 2]))
    let g = try tape.gradients(of: x * x, seed: Tensor(shape: [2], scalars: [10, -1]))
    #expect(try g[x].scalars == [20, -4])
}

@Test func unwatchedInputsAreConstants() throws {
    let tape = Tape()
    let x = tape.watch(try Tensor(shape: [2], scalars: [1, 2]))
    let c = try Tensor(shape: [2], scalars: [5, 7])
    let before = tape.count
    _ = try c * c  // nothing watched: not recorded
    #expect(tape.count == before)
    #expect(try tape.gradients(of: (x * c).sum())[x].scalars == [5, 7])
    #expect(throws: TensorError.self) { try tape.gradients(of: (x * c).sum())[c] }
}

@Test func secondBackwardOverTheSameNodesThrows() throws {
    let tape = Tape()
    let x = tape.watch(try Tensor(shape: [2], scalars: [1, 2]))
    let trunk = try x * x
    let first = try tape.gradients(of: trunk.sum())
    #expect(try first[x].scalars == [2, 4])
    // The trunk's pullback was released; silently returning zeros would be wrong.
    #expect(throws: TensorError.self) { try tape.gradients(of: (trunk * 2).sum()) }
    // New recordings on the same tape still work.
    #expect(try tape.gradients(of: (x * 3).sum())[x].scalars == [3, 3])
}

@Test func tensorWatchedAfterTheBackwardPassHasZeroGradient() throws {
    let tape = Tape()
    let x = tape.watch(try Tensor([1, 2]))
    let grads = try tape.gradients(of: x.sum())
    let late = tape.watch(try Tensor([3]))
    #expect(try grads[late].scalars == [0])
}

@Test func unbroadcastRejectsIncompatibleTargets() throws {
    let g = try Tensor.ones([3, 4])
    #expect(try g.unbroadcast(to: [1, 4]).scalars == [3, 3, 3, 3])
    #expect(try g.unbroadcast(to: []).scalars == [12])
    for bad: [Int] in [[5], [2, 4], [3, 2], [1, 3, 4]] {
        #expect(throws: TensorError.self, "\(bad)") { try g.unbroadcast(to: bad) }
    }
}
