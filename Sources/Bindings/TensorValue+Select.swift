// Selection by a list, a vector of indices or a mask: `x[[0, 2]]`, `x[idx]`, `x[x > 0]`,
// and assignment through them, `x[x < 0] = 0`. Reading goes through the engine's gather
// (so gradients flow to the selected entries); assignment makes an updated copy, off the
// tape like every item assignment.
//
// The rule that keeps a 0/1 tensor from being misread: a mask (a comparison's result, a
// list of bools, `mask(m)`) selects; indices (a list of numbers, the result of `randint`,
// `arange`, `argsort`, `nonzero`…) take rows; any other tensor takes rows unless it holds
// only 0s and 1s in the shape a mask of `x` would have, which is ambiguous and an error.

import Autodiff
import Language

extension TensorValue {
    /// What a subscript selects: rows along the first axis, or the true entries of a mask
    /// over the leading axes (as flat positions over those axes, and how many axes).
    enum Pick {
        case rows([Int])
        case mask(positions: [Int], axes: Int)
    }

    func pick(_ index: Value) throws -> Pick {
        let row = { (v: Value) in try self.position(v, axis: 0) }
        switch index {
        case .list(let l):
            let bools = l.items.compactMap { v -> Bool? in if case .bool(let b) = v { b } else { nil } }
            if !bools.isEmpty {
                guard bools.count == l.items.count else { throw ScriptError("tensor index mixes bools and numbers") }
                return try maskPick(Tensor(bools.map { $0 ? 1 : 0 }))
            }
            return .rows(try l.items.map(row))
        case .foreign(let f as TensorValue):
            if f.role == .mask { return try maskPick(f.tensor) }
            if f.role == .plain, f.tensor.count > 0, Array(tensor.shape.prefix(f.tensor.rank)) == f.tensor.shape,
               f.tensor.scalars.allSatisfy({ $0 == 0 || $0 == 1 }) {
                throw ScriptError("ambiguous tensor index: it holds only 0s and 1s in the shape of a mask for this tensor; write x[mask(m)] to select where m is nonzero (or where(m, a, b)), or gather(x, m) to take rows 0 and 1")
            }
            guard f.tensor.rank == 1 else {
                throw ScriptError("a tensor index must be a vector of indices or a mask, got shape \(f.tensor.shape)")
            }
            return .rows(try f.tensor.scalars.map { try row(.number(Double($0))) })
        default:
            if case .bool = index {   // x[x == 0]: == compares whole tensors
                throw ScriptError("tensor index must be a number, a list, a vector of indices or a mask, got bool (== compares whole tensors; an element-wise mask comes from <, <=, >, >=, e.g. abs(x - v) < 1e-6)")
            }
            throw ScriptError("tensor index must be a number, a list, a vector of indices or a mask, got \(index.typeName)")
        }
    }

    /// The true (nonzero) entries of `m`, which must have the shape of `x`'s leading axes.
    func maskPick(_ m: Tensor) throws -> Pick {
        guard m.rank >= 1, m.rank <= tensor.rank, Array(tensor.shape.prefix(m.rank)) == m.shape else {
            throw ScriptError("mask of shape \(m.shape) does not fit a tensor of shape \(tensor.shape) (a mask covers the leading axes)")
        }
        var positions: [Int] = []
        m.withUnsafeBufferPointer { b in for (i, x) in b.enumerated() where x != 0 { positions.append(i) } }
        return .mask(positions: positions, axes: m.rank)
    }

    /// The rows (or flat positions over the leading axes) a pick names, and the shape of one.
    private func layout(_ p: Pick) -> (rows: [Int], flat: [Int], item: [Int]) {
        switch p {
        case .rows(let rows): return (rows, tensor.shape, Array(tensor.shape.dropFirst()))
        case .mask(let positions, let axes):
            let item = Array(tensor.shape.dropFirst(axes))
            return (positions, [tensor.shape.prefix(axes).reduce(1, *)] + item, item)
        }
    }

    func select(_ p: Pick) throws -> Tensor {
        let (rows, flat, _) = layout(p)
        return try engine("index") { try tensor.reshaped(flat).gather(rows) }
    }

    /// A copy with the picked rows replaced by `value`, broadcast to [rows] + item shape.
    func updating(_ p: Pick, to value: Value) throws -> Value {
        let (rows, flat, item) = layout(p)
        guard let v = try tensorLike(value) else { throw ScriptError("cannot assign a \(value.typeName) into a tensor") }
        let shape = [rows.count] + item
        guard let fill = try? Tensor.zeros(shape) + v.detached, fill.shape == shape else {
            throw ScriptError("cannot assign a value of shape \(v.shape) to a selection of shape \(shape)")
        }
        var t = tensor
        let size = item.reduce(1, *)
        precondition(flat.reduce(1, *) == t.count)
        t.withUnsafeMutableBufferPointer { dst in
            fill.withUnsafeBufferPointer { src in
                // Later rows win when a row is named twice, as in numpy.
                for (j, r) in rows.enumerated() {
                    for k in 0..<size { dst[r * size + k] = src[j * size + k] }
                }
            }
        }
        return .tensor(t)
    }
}
