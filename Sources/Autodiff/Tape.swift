/// A tensor's place on a tape.
public struct Node {
    public let tape: Tape
    public let id: Int
}

/// Reverse-mode automatic differentiation over a tape (a Wengert list).
///
/// Watch the inputs you want gradients for, compute with them as usual, then ask for
/// `gradients(of:)` a scalar. Only operations with at least one watched input are
/// recorded, and a pullback is told which of its inputs need a gradient, so nothing is
/// computed for data that nobody differentiates.
///
///     let tape = Tape()
///     let x = tape.watch(try Tensor(shape: [3], scalars: [1, 2, 3]))
///     let y = try (x * x).sum()
///     let dx = try tape.gradients(of: y)[x]      // 2x
public final class Tape {
    /// Given the output's gradient and which inputs need one, the inputs' gradients.
    public typealias Pullback = (_ gradient: Tensor, _ needs: [Bool]) throws -> [Tensor?]

    struct Entry {
        /// Node ids of the inputs; -1 for an input that is not on this tape.
        var inputs: [Int]
        var pullback: Pullback?
        var shape: [Int]
    }

    var entries: [Entry] = []

    public init() {}

    /// Number of recorded nodes (watched leaves included).
    public var count: Int { entries.count }

    /// `x` as a leaf of this tape.
    public func watch(_ x: Tensor) -> Tensor {
        var y = x.detached
        y.node = Node(tape: self, id: entries.count)
        entries.append(Entry(inputs: [], pullback: nil, shape: x.shape))
        return y
    }

    /// The tape shared by any of `inputs`, if one of them is recorded.
    @inline(__always)
    static func of(_ inputs: Tensor...) -> Tape? {
        for x in inputs { if let n = x.node { return n.tape } }
        return nil
    }

    /// Records `output` as computed from `inputs` with `pullback`.
    func record(_ output: Tensor, _ inputs: [Tensor], _ pullback: @escaping Pullback) -> Tensor {
        var y = output.detached
        let ids = inputs.map { x -> Int in
            guard let n = x.node, n.tape === self else { return -1 }
            return n.id
        }
        y.node = Node(tape: self, id: entries.count)
        entries.append(Entry(inputs: ids, pullback: pullback, shape: output.shape))
        return y
    }

    /// Gradients of `output` (a scalar unless `seed` is given) with respect to every
    /// node of this tape that it depends on. The tape can be reused afterwards only for
    /// new recordings: pullbacks are released as they run, to free memory early, and a
    /// second pass through released nodes throws.
    public func gradients(of output: Tensor, seed: Tensor? = nil) throws -> Gradients {
        guard let root = output.node, root.tape === self else {
            throw TensorError.invalidArgument(op: "gradient", "the value was not computed from anything watched by this tape")
        }
        let start: Tensor
        if let seed {
            guard seed.shape == output.shape else {
                throw TensorError.shapeMismatch(op: "gradient", "seed shape \(seed.shape) differs from output shape \(output.shape)")
            }
            start = seed.detached
        } else {
            guard output.count == 1 else {
                throw TensorError.invalidArgument(op: "gradient", "output must be a scalar, got shape \(output.shape)")
            }
            start = try Tensor(shape: output.shape, repeating: 1)
        }
        var grads = [Tensor?](repeating: nil, count: entries.count)
        grads[root.id] = start
        for id in stride(from: root.id, through: 0, by: -1) {
            guard let g = grads[id] else { continue }
            guard let pullback = entries[id].pullback else {
                // A recorded op without its pullback was consumed by an earlier pass;
                // carrying on would silently drop its inputs' gradients.
                guard entries[id].inputs.isEmpty else {
                    throw TensorError.invalidArgument(op: "gradient", "part of this computation was already differentiated; record it again on a new tape")
                }
                continue
            }
            let inputs = entries[id].inputs
            let needs = inputs.map { $0 >= 0 }
            let inputGrads = try pullback(g, needs)
            entries[id].pullback = nil
            grads[id] = nil
            for (i, input) in inputs.enumerated() where input >= 0 {
                guard let gi = inputGrads[i] else { continue }
                if grads[input] == nil {
                    grads[input] = gi.detached
                } else {
                    try grads[input]!.addInPlace(gi)
                }
            }
        }
        return Gradients(tape: self, values: grads)
    }
}

/// The result of a backward pass: look up a watched tensor's gradient.
public struct Gradients {
    let tape: Tape
    let values: [Tensor?]

    /// The gradient with respect to `x` (zeros when the output does not depend on it).
    public subscript(_ x: Tensor) -> Tensor {
        get throws {
            guard let n = x.node, n.tape === tape else {
                throw TensorError.invalidArgument(op: "gradient", "the tensor is not watched by this tape")
            }
            // Nodes watched after the backward pass lie beyond `values`.
            if n.id < values.count, let g = values[n.id] { return g }
            return try Tensor.zeros(x.shape)
        }
    }
}
