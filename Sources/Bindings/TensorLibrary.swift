// The tensor library, part 1: constructors, the session's seeded random generator, and
// shape operations. Part 2 (elementwise math and reductions) is TensorLibrary+Math.swift,
// part 3 (std, var, argmax…, masks, rounding) TensorLibrary+Stats.swift.
// Every sampling built-in draws from the session's one generator (`seed(n)` restarts it)
// unless the call passes its own `seed=`.

import Autodiff
import Language

enum TensorLibrary {
    static func library(_ s: EngineState) -> Library {
        Library(name: "tensor", entries: constructors + random(s) + shaping + math(s))
    }

    static var shapeParameter: BuiltinParameter { BuiltinParameter("shape", .either([.number, .list])) }
    static var seedParameter: BuiltinParameter { BuiltinParameter("seed", .integer, default: .nil) }

    static var constructors: [Builtin] { [
        Builtin("tensor", [.init("x")], doc: "A tensor from a number, a nested list of numbers (or tensors), a range or a tensor.") { a in
            .tensor(try a.tensor(0))
        },
        Builtin("zeros", [shapeParameter], doc: "A tensor of zeros; shape is a number or a list like [2, 3].") { a in
            .tensor(try engine("zeros") { try Tensor.zeros(a.shape(0)) })
        },
        Builtin("ones", [shapeParameter], doc: "A tensor of ones.") { a in
            .tensor(try engine("ones") { try Tensor.ones(a.shape(0)) })
        },
        Builtin("full", [shapeParameter, .init("value", .number)], doc: "A tensor filled with value.") { a in
            .tensor(try engine("full") { try Tensor(shape: a.shape(0), repeating: a.float(1)) })
        },
        Builtin("arange", [.init("start", .number), .init("stop", .number, default: .nil), .init("step", .number, default: .number(1))],
                doc: "A vector counting from start up to (not including) stop; arange(n) is 0, 1, …, n-1.") { a in
            var (lo, hi) = (0.0, try a.number(0))
            if case .number(let stop) = a[1] { (lo, hi) = (hi, stop) }
            let step = try a.number(2)
            guard step != 0, step.isFinite, lo.isFinite, hi.isFinite else { throw a.bad(2, "non-zero finite step expected") }
            let n = Swift.max(0, ((hi - lo) / step).rounded(.up))
            guard n <= 1e9 else { throw a.bad(1, "range too long") }
            return .indices(Tensor((0..<Int(n)).map { Float(lo + Double($0) * step) }))
        },
        Builtin("linspace", [.init("start", .number), .init("stop", .number), .init("count", .integer)],
                doc: "count evenly spaced numbers from start to stop (both included).") { a in
            let (lo, hi, n) = (try a.number(0), try a.number(1), try a.integer(2))
            guard n >= 0, n <= 1 << 30 else { throw a.bad(2, "count between 0 and 2^30 expected, got \(n)") }
            return .tensor(Tensor((0..<n).map { n == 1 ? Float(lo) : Float(lo + (hi - lo) * Double($0) / Double(n - 1)) }))
        },
        Builtin("eye", [.init("n", .integer)], doc: "The n×n identity matrix.") { a in
            let n = try a.integer(0)
            guard n >= 0 else { throw a.bad(0, "non-negative integer expected, got \(n)") }
            var t = try engine("eye") { try Tensor.zeros([n, n]) }
            t.withUnsafeMutableBufferPointer { b in for i in 0..<n { b[i * n + i] = 1 } }
            return .tensor(t)
        },
    ] }

    static func random(_ s: EngineState) -> [Builtin] { [
        Builtin("seed", [.init("n", .integer)], doc: "Restart the session's random generator at seed n (every sampling built-in draws from it).") { a in
            s.reseed(UInt64(bitPattern: Int64(try a.integer(0))))
            return .nil
        },
        Builtin("randn", [shapeParameter, .init("mean", .number, default: .number(0)), .init("std", .number, default: .number(1)), seedParameter],
                doc: "Normal samples N(mean, std²), from the session's generator unless seed is given.") { a in
            let (shape, mean, std) = (try a.shape(0), try a.float(1), try a.float(2))
            guard mean.isFinite else { throw a.bad(1, "a finite mean expected, got \(Value.format(Double(mean)))") }
            guard std.isFinite, std >= 0 else { throw a.bad(2, "std must be finite and ≥ 0, got \(Value.format(Double(std)))") }
            return .tensor(try engine("randn") { try s.withGenerator(a[3]) { try $0.normal(shape, mean: mean, std: std) } })
        },
        Builtin("rand", [shapeParameter, .init("low", .number, default: .number(0)), .init("high", .number, default: .number(1)), seedParameter],
                doc: "Uniform samples in [low, high), from the session's generator unless seed is given.") { a in
            let (shape, low, high) = (try a.shape(0), try a.float(1), try a.float(2))
            guard low.isFinite, high.isFinite, low < high else {
                throw a.bad(2, "finite bounds with low < high expected, got [\(Value.format(Double(low))), \(Value.format(Double(high))))")
            }
            var t = try engine("rand") { try s.withGenerator(a[3]) { try $0.uniform(shape, low: low, high: high) } }
            // low + (high − low)·u rounds up to high now and then in float32; [low, high) is the promise.
            t.withUnsafeMutableBufferPointer { b in for i in b.indices where b[i] >= high { b[i] = high.nextDown } }
            return .tensor(t)
        },
        Builtin("randint", [.init("low", .integer), .init("high", .integer), .init("count", .integer), seedParameter],
                doc: "A vector of count whole numbers uniform in low..<high (e.g. minibatch rows).") { a in
            let (low, high, n) = (try a.integer(0), try a.integer(1), try a.integer(2))
            guard n >= 0, n <= 1 << 30 else { throw a.bad(2, "count between 0 and 2^30 expected, got \(n)") }
            // Tensors hold float32: whole numbers beyond 2^24 would come out rounded.
            guard Swift.max(Swift.abs(low), Swift.abs(high)) <= 1 << 24 else {
                throw a.bad(Swift.abs(low) > 1 << 24 ? 0 : 1, "bounds within ±2^24 expected: a tensor's float32 holds whole numbers exactly only that far")
            }
            let ints = try engine("randint") { try s.withGenerator(a[3]) { try $0.integers(n, low: low, high: high) } }
            return .indices(Tensor(ints.map { Float($0) }))
        },
    ] }

    /// Axes from nil, a whole number or a list of them.
    static func axes(_ a: Arguments, _ i: Int) throws -> [Int]? {
        switch a[i] {
        case .nil: return nil
        case .number: return [try a.integer(i)]
        case .list(let l):
            return try l.items.map { v in
                guard case .number(let x) = v, x == x.rounded(), Swift.abs(x) < 1e9 else { throw a.bad(i, "axes must be whole numbers") }
                return Int(x)
            }
        default: throw a.bad(i, "axis expected (a whole number or a list of them), got \(a[i].typeName)")
        }
    }

    static func tensors(_ a: Arguments, _ i: Int) throws -> [Tensor] {
        try a.list(i).items.enumerated().map { k, v in
            guard let t = try tensorLike(v) else { throw a.bad(i, "list of tensors expected, item \(k) is \(withArticle(v.typeName))") }
            return t
        }
    }

    static var shaping: [Builtin] { [
        Builtin("reshape", [.init("x"), .init("shape", .either([.number, .list]))], doc: "The same values in a new shape; one size may be -1 (inferred).") { a in
            let x = try a.tensor(0)
            let dims: [Int]
            if case .number = a[1] { dims = [try a.integer(1)] } else {
                dims = try a.list(1).items.map { v in
                    guard case .number(let d) = v, d == d.rounded(), d >= -1, d < 1e15 else { throw a.bad(1, "shape expected, got \(a[1].repr)") }
                    return Int(d)
                }
            }
            return .tensor(try engine("reshape") { try x.reshaped(dims) })
        },
        Builtin("transpose", [.init("x"), .init("axes", .list, default: .nil)], doc: "Axes permuted (default: reversed, the matrix transpose; also x.T).") { a in
            let x = try a.tensor(0), perm = try axes(a, 1)
            return .tensor(try engine("transpose") { try x.transposed(perm) })
        },
        Builtin("concat", [.init("tensors", .list), .init("axis", .integer, default: .number(0))], doc: "Tensors joined along an existing axis.") { a in
            let parts = try tensors(a, 0), axis = try a.integer(1)
            return .tensor(try engine("concat") { try Tensor.concat(parts, axis: axis) })
        },
        Builtin("stack", [.init("tensors", .list), .init("axis", .integer, default: .number(0))], doc: "Tensors of one shape joined along a new axis.") { a in
            let parts = try tensors(a, 0), axis = try a.integer(1)
            return .tensor(try engine("stack") {
                guard let first = parts.first else { throw TensorError.invalidArgument(op: "stack", "no tensors to stack") }
                let ax = axis < 0 ? axis + first.rank + 1 : axis
                guard ax >= 0, ax <= first.rank else { throw TensorError.invalidArgument(op: "stack", "axis \(axis) out of range for shape \(first.shape)") }
                return try Tensor.concat(parts.map { p in
                    guard p.shape == first.shape else { throw TensorError.shapeMismatch(op: "stack", "shapes \(first.shape) and \(p.shape) differ") }
                    var s = p.shape
                    s.insert(1, at: ax)
                    return try p.reshaped(s)
                }, axis: ax)
            })
        },
        Builtin("slice", [.init("x"), .init("axis", .integer), .init("start", .integer), .init("stop", .integer)],
                doc: "Elements start..<stop along axis (x[a:b] slices the first axis).") { a in
            let x = try a.tensor(0)
            let (axis, start, stop) = (try a.integer(1), try a.integer(2), try a.integer(3))
            return .tensor(try engine("slice") { try x.slice(axis: axis, start, stop) })
        },
        Builtin("gather", [.init("x"), .init("indices"), .init("axis", .integer, default: .number(0))],
                doc: "The entries at indices (a list or vector of whole numbers, may repeat) along axis.") { a in
            let x = try a.tensor(0), idx = try a.tensor(1), axis = try a.integer(2)
            let rows = idx.scalars.map { Int($0) }
            guard idx.rank <= 1, zip(rows, idx.scalars).allSatisfy({ Float($0) == $1 }) else { throw a.bad(1, "whole-number indices expected") }
            return .tensor(try engine("gather") { try x.gather(rows, axis: axis) })
        },
        Builtin("matmul", [.init("a"), .init("b")], doc: "Matrix product (also a @ b); a vector is a row on the left, a column on the right.") { a in
            let (x, y) = (try a.tensor(0), try a.tensor(1))
            return .tensor(try engine("matmul") { try Bindings.matmul(x, y) })
        },
        Builtin("where", [.init("condition"), .init("a"), .init("b")], doc: "a where condition is nonzero, else b (broadcast together).") { a in
            let (c, x, y) = (try a.tensor(0), try a.tensor(1), try a.tensor(2))
            return .tensor(try engine("where") { try Tensor.where(c, x, y) })
        },
        Builtin("item", [.init("x")], doc: "The number held by a one-element tensor.") { a in
            let x = try a.tensor(0)
            guard let v = x.scalar else { throw a.bad(0, "one-element tensor expected, got shape \(x.shape)") }
            return .float(v)
        },
        Builtin("tolist", [.init("x")], doc: "A tensor's values as nested lists of numbers (a number for rank 0).") { a in
            nestedList(try a.tensor(0))
        },
    ] }
}
