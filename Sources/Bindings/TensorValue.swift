// Tensors as cdsa values: operators with numbers, lists and tensors (broadcasting),
// comparisons as 0/1 masks, indexing and slicing along the first axis, `.shape` and `.T`.
// A tensor value is immutable, so sharing it between variables is safe.

import Autodiff
import Foundation
import Language

final class TensorValue: ForeignValue {
    /// How the tensor reads as a subscript. There is no bool dtype, so a comparison's 0/1
    /// result is marked a mask (`x[x > 0]` selects) and the results of index built-ins
    /// (`randint`, `argsort`, `nonzero`…) are marked indices (`x[i]` takes rows); a plain
    /// tensor of only 0s and 1s that could be either is refused (TensorValue+Select.swift).
    enum Role { case plain, mask, indices }

    let tensor: Tensor
    let role: Role
    init(_ tensor: Tensor, role: Role = .plain) {
        self.tensor = tensor
        self.role = role
    }

    var typeName: String { "tensor" }
    var fieldNames: [String] { ["shape", "T", "rank", "size"] }

    /// Small tensors in full, `tensor([[1, 2], [3, 4]])`; large ones by shape and range.
    var summary: String {
        if tensor.count <= 16 { return "tensor(\(tensor.description))" }
        let f = Tensor.shortText
        var (lo, hi, total) = (Float.infinity, -Float.infinity, 0.0)
        tensor.withUnsafeBufferPointer { b in
            for x in b { lo = Swift.min(lo, x); hi = Swift.max(hi, x); total += Double(x) }
            // Swift.min skips nan; like PyTorch's min and max, these are nan if any element is.
            if total.isNaN, b.contains(where: \.isNaN) { (lo, hi) = (.nan, .nan) }
        }
        let stats = tensor.count == 0 ? "empty" : "mean \(f(Float(total / Double(tensor.count)))), min \(f(lo)), max \(f(hi))"
        return "tensor \(tensor.shape) float32, \(stats)"
    }

    func binary(_ op: BinaryOperator, _ other: Value, selfOnLeft: Bool) throws -> Value? {
        guard let o = try tensorLike(other) else { return nil }
        let (a, b) = selfOnLeft ? (tensor, o) : (o, tensor)
        return try engine("operator '\(op.rawValue)'") {
            switch op {
            case .add: return .tensor(try a + b)
            case .subtract: return .tensor(try a - b)
            // mask * mask is their "and", still a mask.
            case .multiply: return role == .mask && isMask(other) ? .mask(try a * b) : .tensor(try a * b)
            case .divide: return .tensor(try a / b)
            case .power: return .tensor(try power(a, b))
            case .matmul: return .tensor(try matmul(a, b))
            case .less: return .mask(try Tensor.compare(a, b, op: "<") { $0 < $1 })
            case .lessEqual: return .mask(try Tensor.compare(a, b, op: "<=") { $0 <= $1 })
            case .greater: return .mask(try Tensor.compare(a, b, op: ">") { $0 > $1 })
            case .greaterEqual: return .mask(try Tensor.compare(a, b, op: ">=") { $0 >= $1 })
            case .equal: return .bool(same(a, b))
            case .notEqual: return .bool(!same(a, b))
            case .remainder: return nil
            }
        }
    }

    func negate() throws -> Value? { .tensor(try engine("operator '-'") { try -tensor }) }

    func field(_ name: String) throws -> Value? {
        switch name {
        case "shape": return .list(List(tensor.shape.map { .number(Double($0)) }))
        case "T": return .tensor(try engine(".T") { try tensor.transposed() })
        case "rank": return .number(Double(tensor.rank))
        case "size": return .number(Double(tensor.count))
        default: return nil
        }
    }

    /// Position `v` along `axis`, negatives counting from the end; `expected` words the
    /// error for a value that is not a whole number.
    func position(_ v: Value, axis: Int, expected: String = "a whole number") throws -> Int {
        let n = tensor.shape[axis]
        guard case .number(let x) = v, x == x.rounded(), Swift.abs(x) < 1e15 else {
            throw ScriptError("tensor index must be \(expected), got \(v.typeName == "number" ? v.repr : v.typeName)")
        }
        let i = Int(x) < 0 ? Int(x) + n : Int(x)
        guard i >= 0, i < n else { throw ScriptError("index \(Value.format(x)) out of range for axis \(axis) of size \(n)") }
        return i
    }

    /// A slice bound along `axis` (`sliceBound`, as lists slice).
    func bound(_ v: Value, axis: Int, fallback: Int) throws -> Int {
        try sliceBound(v, count: tensor.shape[axis], fallback: fallback)
    }

    /// `t[i]` drops the first axis; `t[[i, j]]` (a list or vector of indices) keeps it;
    /// `t[mask]` selects where the mask is true (TensorValue+Select.swift).
    func index(_ index: Value) throws -> Value? {
        guard tensor.rank > 0 else { throw ScriptError("cannot index a tensor of rank 0") }
        if case .number = index {
            let i = try position(index, axis: 0)
            return .tensor(try engine("index") { try tensor.gather([i]).reshaped(Array(tensor.shape.dropFirst())) })
        }
        return .tensor(try select(try pick(index)))
    }

    /// `t[a:b]` along the first axis, Python-style: clamped, negatives from the end.
    func slice(_ lo: Value, _ hi: Value) throws -> Value? {
        guard tensor.rank > 0 else { throw ScriptError("cannot slice a tensor of rank 0") }
        let n = tensor.shape[0]
        let a = try bound(lo, axis: 0, fallback: 0), b = try bound(hi, axis: 0, fallback: n)
        return .tensor(try engine("slice") { try tensor.slice(axis: 0, a, Swift.max(a, b)) })
    }

    func isEqual(to other: any ForeignValue) -> Bool {
        guard let o = other as? TensorValue else { return false }
        return same(tensor, o.tensor)
    }

    /// As PyTorch: a one-element tensor is its value (nonzero is true), so a comparison
    /// `if mse(a, b) > 5` means what it says; any other size is ambiguous.
    func truth() throws -> Bool {
        guard let x = tensor.scalar else {
            throw ScriptError("the truth value of a tensor with \(counted(tensor.count, "element")) is ambiguous; use any(t) or all(t)")
        }
        return x != 0
    }

    /// A one-element tensor's number, for `format` and `"\(x:.3f)"`.
    func scalar() -> Double? { tensor.scalar.map(shortest) }

    /// The size of the first axis, as `len` of a PyTorch tensor.
    func length() throws -> Int? {
        guard tensor.rank > 0 else { throw ScriptError("a tensor of rank 0 has no length") }
        return tensor.shape[0]
    }

    /// `for row in t`: `t[0]`, `t[1]`, … along the first axis (a vector gives rank-0 tensors,
    /// as PyTorch does), made one at a time.
    func makeIterator() throws -> (() throws -> Value?)? {
        guard tensor.rank > 0 else { throw ScriptError("cannot iterate over a tensor of rank 0") }
        var i = 0
        let n = tensor.shape[0]
        return { [self] in
            guard i < n else { return nil }
            defer { i += 1 }
            return try self.index(.number(Double(i)))
        }
    }
}

func isMask(_ v: Value) -> Bool {
    if case .foreign(let t as TensorValue) = v { return t.role == .mask }
    return false
}

/// Same shape and the same values.
func same(_ a: Tensor, _ b: Tensor) -> Bool {
    a.shape == b.shape && a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.elementsEqual(y) } }
}

/// `a ** b`: a constant exponent uses the power rule (negative bases allowed); a tensor
/// exponent goes through exp(b · log a).
func power(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    if b.node == nil, b.rank == 0, let p = b.scalar { return try a.pow(p) }
    return try a.pow(b)
}

/// `a @ b` for vectors and matrices: a vector on the left is a row, on the right a column,
/// and the added axis is removed again (two vectors give their dot product).
func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    guard (1...2).contains(a.rank), (1...2).contains(b.rank) else {
        throw TensorError.invalidArgument(op: "matmul", "expects vectors or matrices, got shapes \(a.shape) and \(b.shape)")
    }
    let left = a.rank == 1 ? try a.reshaped([1, -1]) : a
    let right = b.rank == 1 ? try b.reshaped([-1, 1]) : b
    guard left.shape[1] == right.shape[0] else {
        throw TensorError.shapeMismatch(op: "matmul", "inner dimensions differ: \(a.shape) @ \(b.shape)")
    }
    let y = try Tensor.matmul(left, right)
    switch (a.rank, b.rank) {
    case (1, 1): return try y.reshaped([])
    case (1, _): return try y.reshaped([y.shape[1]])
    case (_, 1): return try y.reshaped([y.shape[0]])
    default: return y
    }
}
