// Conversions between cdsa values and engine values, and the argument checks every
// engine built-in shares (one message style: "bad argument #1 to 'zeros' (shape
// expected, got string)").

import Autodiff
import Language

/// Turns a number, bool, tensor or nested list of them into a tensor; nil if it is not one.
func tensorLike(_ v: Value) throws -> Tensor? {
    switch v {
    case .number(let x): return Tensor(Float(x))
    case .bool(let b): return Tensor(b ? 1 : 0)
    case .foreign(let f as TensorValue): return f.tensor
    case .range(let start, let count):
        guard count <= 1 << 28 else { throw ScriptError("range too long for a tensor") }
        return Tensor((0..<count).map { Float(start + Double($0)) })
    case .list(let l):
        guard let shape = try nestedShape(.list(l), depth: 0) else { return nil }
        var scalars: [Float] = []
        scalars.reserveCapacity(shape.reduce(1, *))
        flatten(.list(l), into: &scalars)
        return try Tensor(shape: shape, scalars: scalars)
    default: return nil
    }
}

/// The shape of a nested list of numbers (tensors inside count with their own shape);
/// nil if an item is not numeric. A ragged list is an error.
private func nestedShape(_ v: Value, depth: Int) throws -> [Int]? {
    guard depth < 64 else { throw ScriptError("list nested too deeply for a tensor") }
    switch v {
    case .number, .bool: return []
    case .foreign(let f as TensorValue): return f.tensor.shape
    case .list(let l):
        guard let first = l.items.first else { return [0] }
        guard let inner = try nestedShape(first, depth: depth + 1) else { return nil }
        for item in l.items.dropFirst() {
            guard let s = try nestedShape(item, depth: depth + 1) else { return nil }
            guard s == inner else { throw ScriptError("ragged list: items of shapes \(inner) and \(s)") }
        }
        return [l.items.count] + inner
    default: return nil
    }
}

private func flatten(_ v: Value, into out: inout [Float]) {
    switch v {
    case .number(let x): out.append(Float(x))
    case .bool(let b): out.append(b ? 1 : 0)
    case .foreign(let f as TensorValue): f.tensor.withUnsafeBufferPointer { out.append(contentsOf: $0) }
    case .list(let l): for item in l.items { flatten(item, into: &out) }
    default: break
    }
}

/// A tensor's values as nested lists of numbers (a number for rank 0).
func nestedList(_ t: Tensor) -> Value {
    let values = t.scalars
    func build(_ dim: Int, _ offset: Int) -> Value {
        if dim == t.rank { return .float(values[offset]) }
        let stride = t.shape[(dim + 1)...].reduce(1, *)
        return .list(List((0..<t.shape[dim]).map { build(dim + 1, offset + $0 * stride) }))
    }
    return build(0, 0)
}

extension Value {
    static func tensor(_ t: Tensor) -> Value { .foreign(TensorValue(t)) }
    /// A 0/1 tensor that selects when used as a subscript (a comparison's result).
    static func mask(_ t: Tensor) -> Value { .foreign(TensorValue(t, role: .mask)) }
    /// A tensor of whole numbers that index rows when used as a subscript.
    static func indices(_ t: Tensor) -> Value { .foreign(TensorValue(t, role: .indices)) }

    /// A float32 as the number it reads as (0.1, not 0.10000000149011612).
    static func float(_ x: Float) -> Value { .number(shortest(x)) }
}

/// The double that a float32 reads as in its shortest decimal form.
func shortest(_ x: Float) -> Double { x.isFinite ? Double(x.description) ?? Double(x) : Double(x) }

extension Arguments {
    /// Argument i as a tensor (numbers and nested lists convert).
    func tensor(_ i: Int) throws -> Tensor {
        do {
            if let t = try tensorLike(values[i]) { return t }
        } catch let e as ScriptError { throw bad(i, e.message) }
        throw bad(i, "tensor expected, got \(values[i].typeName)")
    }

    /// Argument i as a shape: a whole number or a list of them, none negative.
    func shape(_ i: Int) throws -> [Int] {
        func size(_ v: Value) -> Int? {
            guard case .number(let x) = v, x == x.rounded(), x >= 0, x < 1e15 else { return nil }
            return Int(x)
        }
        if let n = size(values[i]) { return [n] }
        if case .list(let l) = values[i] {
            let dims = l.items.compactMap(size)
            if dims.count == l.items.count { return dims }
        }
        throw bad(i, "shape expected (a whole number or a list of them), got \(values[i].repr)")
    }

    /// Argument i as a whole number, or nil when it is nil.
    func optionalInteger(_ i: Int) throws -> Int? {
        if case .nil = values[i] { return nil }
        return try integer(i)
    }

    /// Argument i as a positive whole number.
    func positive(_ i: Int) throws -> Int {
        let n = try integer(i)
        guard n > 0 else { throw bad(i, "positive integer expected, got \(n)") }
        return n
    }

    func float(_ i: Int) throws -> Float { Float(try number(i)) }

    func bool(_ i: Int) throws -> Bool {
        if case .bool(let b) = values[i] { return b }
        throw bad(i, "bool expected, got \(values[i].typeName)")
    }

    /// Argument i as one of the engine's activations (nil → identity).
    func activation(_ i: Int) throws -> Activation {
        if case .nil = values[i] { return .identity }
        let name = try string(i)
        if name == "linear" || name == "none" { return .identity }
        guard let a = Activation(rawValue: name) else {
            let known = Activation.allCases.map(\.rawValue).joined(separator: ", ")
            throw bad(i, "unknown activation '\(name)'; expected one of \(known)")
        }
        return a
    }

    /// Argument i as an engine object of class T (its `typeName` in the message).
    func object<T: ForeignValue>(_ i: Int, _ type: T.Type, _ what: String) throws -> T {
        if case .foreign(let f as T) = values[i] { return f }
        throw bad(i, "\(what) expected, got \(values[i].typeName)")
    }
}
