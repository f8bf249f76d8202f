// Tensor items: `t[i, j]` and `t[a:b, j]` (one subscript per axis, from the first; axes
// past the last subscript are whole), and item assignment `t[i] = v`, `t[i, a:b] = v`
// (by a list, vector or mask: TensorValue+Select.swift).
// Assignment makes an updated copy (the interpreter stores it back into the variable), so
// other holders of the tensor are unchanged; like any write, the copy is off the tape.

import Autodiff
import Language

extension TensorValue {
    /// What subscripts select: a range on every axis, and which axes remain (a slice keeps
    /// its axis, an index drops it).
    struct Selection {
        var ranges: [Range<Int>] = []
        var kept: [Bool] = []
        var shape: [Int] { zip(ranges, kept).filter(\.1).map(\.0.count) }
    }

    func selection(_ items: [Subscript]) throws -> Selection {
        guard tensor.rank > 0 else { throw ScriptError("cannot index a tensor of rank 0") }
        guard items.count <= tensor.rank else {
            throw ScriptError("too many subscripts for a tensor of rank \(tensor.rank): \(items.count)")
        }
        var s = Selection()
        for (axis, item) in items.enumerated() {
            let n = tensor.shape[axis]
            switch item {
            case .index(let v):
                let i = try position(v, axis: axis, expected: "a whole number or a slice")
                s.ranges.append(i..<(i + 1))
                s.kept.append(false)
            case .slice(let lo, let hi):
                let a = try bound(lo, axis: axis, fallback: 0), b = try bound(hi, axis: axis, fallback: n)
                s.ranges.append(a..<Swift.max(a, b))
                s.kept.append(true)
            }
        }
        for axis in items.count..<tensor.rank {
            s.ranges.append(0..<tensor.shape[axis])
            s.kept.append(true)
        }
        return s
    }

    /// `t[i, a:b, …]`, through the engine's slice and reshape (so gradients flow).
    func subscripted(_ items: [Subscript]) throws -> Value? {
        let s = try selection(items)
        return .tensor(try engine("index") {
            var t = tensor
            for (axis, r) in s.ranges.enumerated() where r.count != tensor.shape[axis] {
                t = try t.slice(axis: axis, r.lowerBound, r.upperBound)
            }
            return try t.reshaped(s.shape)
        })
    }

    /// `t[items] = value`: a copy of `t` with the selection replaced by `value`, broadcast
    /// to the selection's shape.
    func updating(_ items: [Subscript], to value: Value) throws -> Value? {
        if items.count == 1, case .index(let i) = items[0], !isNumber(i) {
            guard tensor.rank > 0 else { throw ScriptError("cannot index a tensor of rank 0") }
            return try updating(try pick(i), to: value)
        }
        let s = try selection(items)
        guard let v = try tensorLike(value) else { throw ScriptError("cannot assign \(withArticle(value.typeName)) into a tensor") }
        // Broadcasting against zeros of the selection's shape; a value with more axes, or
        // sizes that do not broadcast, does not fit.
        guard let fill = try? Tensor.zeros(s.shape) + v.detached, fill.shape == s.shape else {
            throw ScriptError("cannot assign a value of shape \(v.shape) to a selection of shape \(s.shape)")
        }
        var t = tensor
        let ranges = s.ranges
        var strides = [Int](repeating: 1, count: t.rank)
        for axis in stride(from: t.rank - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * t.shape[axis + 1] }
        let total = ranges.reduce(1) { $0 * $1.count }
        guard total > 0 else { return .tensor(t) }
        t.withUnsafeMutableBufferPointer { dst in
            fill.withUnsafeBufferPointer { src in
                // Row-major over the selection: the source is read in order; the offset
                // into `t` steps like an odometer over the ranges.
                var index = ranges.map(\.lowerBound)
                var offset = zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }
                for k in 0..<total {
                    dst[offset] = src[k]
                    var axis = ranges.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += strides[axis]
                        if index[axis] < ranges[axis].upperBound { break }
                        offset -= strides[axis] * ranges[axis].count
                        index[axis] = ranges[axis].lowerBound
                        axis -= 1
                    }
                }
            }
        }
        return .tensor(t)
    }
}

private func isNumber(_ v: Value) -> Bool {
    if case .number = v { return true }
    return false
}
