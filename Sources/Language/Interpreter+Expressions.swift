// Expressions → closures. Arithmetic and comparisons on two numbers take an inline fast
// path; everything else goes through Interpreter+Operators.swift.

import Foundation

extension Compiler {
    func expr(_ e: ResolvedExpr) -> Eval {
        let interp = interpreter
        let source = source
        switch e {
        case .constant(let v, _):
            return { _ in v }
        case .variable(let slot, _, _):
            return load(slot)
        case .interpolation(let parts, let span):
            let compiled: [Eval] = parts.map {
                switch $0 {
                case .text(let t): let v = Value.string(t); return { _ in v }
                case .expression(let e): return expr(e)
                }
            }
            return { [unowned(unsafe) interp] f in
                var s = ""
                for part in compiled {
                    s += try part(f).description
                    try interp.checkLength(s.utf8.count, "string", source, span)
                }
                return .string(s)
            }
        case .list(let items, _):
            let compiled = items.map { expr($0) }
            return { f in
                var values: [Value] = []
                values.reserveCapacity(compiled.count)
                for item in compiled { values.append(try item(f)) }
                return .list(List(values))
            }
        case .record(let keys, let values, _):
            let compiled = values.map { expr($0) }
            return { f in
                var values: [Value] = []
                values.reserveCapacity(compiled.count)
                for v in compiled { values.append(try v(f)) }
                return .record(Record(keys: keys, values: values))
            }
        case .unary(.not, let x, _):
            let a = expr(x)
            return { f in .bool(!(try a(f).isTruthy)) }
        case .unary(.negate, let x, let span):
            let a = expr(x)
            return { [unowned(unsafe) interp] f in
                let v = try a(f)
                if case .number(let n) = v { return .number(-n) }
                return try interp.negate(v, source, span)
            }
        case .binary(let op, let l, let r, let span):
            return binary(op, l, r, span)
        case .and(let l, let r, _):
            let a = expr(l), b = expr(r)
            return { f in
                let v = try a(f)
                return v.isTruthy ? try b(f) : v
            }
        case .or(let l, let r, _):
            let a = expr(l), b = expr(r)
            return { f in
                let v = try a(f)
                return v.isTruthy ? v : try b(f)
            }
        case .conditional(let c, let t, let o, _):
            let cond = expr(c), then = expr(t), other = expr(o)
            return { f in try cond(f).isTruthy ? try then(f) : try other(f) }
        case .range(let l, let r, let inclusive, let span):
            let a = expr(l), b = expr(r)
            return { f in
                guard case .number(let lo) = try a(f), case .number(let hi) = try b(f), lo.isFinite, hi.isFinite else {
                    throw RuntimeError("range bounds must be finite numbers", source, span)
                }
                let n = inclusive ? (hi - lo).rounded(.down) + 1 : (hi - lo).rounded(.up)
                return .range(start: lo, count: Int(max(0, min(n, 1e15))))
            }
        case .call(let callee, let args, let span):
            return call(callee, args, span)
        case .index(let b, let i, let span):
            let base = expr(b), index = expr(i)
            return { [unowned(unsafe) interp] f in try interp.index(try base(f), try index(f), source, span) }
        case .slice(let b, let lo, let hi, let span):
            let base = expr(b), low = lo.map { expr($0) }, high = hi.map { expr($0) }
            return { [unowned(unsafe) interp] f in
                try interp.slice(try base(f), try low?(f) ?? .nil, try high?(f) ?? .nil, source, span)
            }
        case .field(let b, let name, let span):
            let base = expr(b)
            return { [unowned(unsafe) interp] f in try interp.field(try base(f), name, source, span) }
        case .function(let fn):
            let code = function(fn)
            return { f in .function(Function(code: code, env: f.frame)) }
        }
    }

    func load(_ slot: Slot) -> Eval {
        switch slot {
        case .local(let i): return { f in f[i] }
        case .captured(1, let i): return { f in f.parent.unsafelyUnwrapped[i] }  // the common closure
        case .captured(let depth, let i): return { f in f.ancestor(depth)[i] }
        case .global(let i):
            let globals = interpreter.globals
            return { _ in globals.values[i] }
        }
    }

    func function(_ fn: ResolvedFunction) -> FunctionCode {
        let interp = interpreter
        let body: Eval
        switch fn.body {
        case .expression(let e):
            body = expr(e)
        case .block(let statements):
            let b = block(statements)
            body = { [unowned(unsafe) interp] f in
                guard try b(f) == .returned else { return .nil }
                let state = interp.state
                let v = state.pointee.returnValue
                state.pointee.returnValue = .nil
                return v
            }
        }
        return FunctionCode(name: fn.name, parameterNames: fn.parameters.map(\.name),
                            defaults: fn.parameters.map { $0.defaultValue.map { expr($0) } },
                            slotCount: fn.slotCount, needsFrame: fn.needsFrame, body: body, source: source, span: fn.span)
    }

    /// One closure per operator, so the hot case (two numbers) is a single switch.
    func binary(_ op: BinaryOperator, _ l: ResolvedExpr, _ r: ResolvedExpr, _ span: Span) -> Eval {
        switch op {
        case .add: return binary(Add.self, op, l, r, span)
        case .subtract: return binary(Subtract.self, op, l, r, span)
        case .multiply: return binary(Multiply.self, op, l, r, span)
        case .divide: return binary(Divide.self, op, l, r, span)
        case .remainder: return binary(Remainder.self, op, l, r, span)
        case .power: return binary(Power.self, op, l, r, span)
        case .less: return binary(Less.self, op, l, r, span)
        case .lessEqual: return binary(LessEqual.self, op, l, r, span)
        case .greater: return binary(Greater.self, op, l, r, span)
        case .greaterEqual: return binary(GreaterEqual.self, op, l, r, span)
        case .equal: return binary(Equal.self, op, l, r, span)
        case .notEqual: return binary(NotEqual.self, op, l, r, span)
        case .matmul:
            let interp = interpreter, source = source, a = expr(l), b = expr(r)
            return { [unowned(unsafe) interp] f in try interp.binary(op, try a(f), try b(f), source, span) }
        }
    }

    /// Specialised per operator, so the two-number case compiles to one instruction.
    func binary<Op: NumberOperator>(_: Op.Type, _ op: BinaryOperator, _ l: ResolvedExpr, _ r: ResolvedExpr,
                                    _ span: Span) -> Eval {
        let interp = interpreter
        let source = source
        let a = expr(l), b = expr(r)
        do {
            // A local or a constant operand is read in place rather than through a closure.
            if case .variable(.local(let i), _, _) = l, case .constant(.number(let y), _) = r {
                return { [unowned(unsafe) interp] f in
                    let x = f[i]
                    if case .number(let n) = x { return Op.apply(n, y) }
                    return try interp.binary(op, x, .number(y), source, span)
                }
            }
            if case .variable(.local(let i), _, _) = l, case .variable(.local(let j), _, _) = r {
                return { [unowned(unsafe) interp] f in
                    let x = f[i], y = f[j]
                    if case .number(let m) = x, case .number(let n) = y { return Op.apply(m, n) }
                    return try interp.binary(op, x, y, source, span)
                }
            }
            return { [unowned(unsafe) interp] f in
                let x = try a(f), y = try b(f)
                if case .number(let m) = x, case .number(let n) = y { return Op.apply(m, n) }
                return try interp.binary(op, x, y, source, span)
            }
        }
    }
}

protocol NumberOperator { static func apply(_ a: Double, _ b: Double) -> Value }
enum Add: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .number(a + b) } }
enum Subtract: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .number(a - b) } }
enum Multiply: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .number(a * b) } }
enum Divide: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .number(a / b) } }
enum Remainder: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .number(floorMod(a, b)) } }
enum Power: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .number(pow(a, b)) } }
enum Less: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .bool(a < b) } }
enum LessEqual: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .bool(a <= b) } }
enum Greater: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .bool(a > b) } }
enum GreaterEqual: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .bool(a >= b) } }
enum Equal: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .bool(a == b) } }
enum NotEqual: NumberOperator { @inline(__always) static func apply(_ a: Double, _ b: Double) -> Value { .bool(a != b) } }

/// Python's `%`: the result takes the divisor's sign. x % 0 is nan, like x / 0 is ±inf.
@inline(__always) func floorMod(_ a: Double, _ b: Double) -> Double {
    let r = fmod(a, b)
    return r != 0 && (r < 0) != (b < 0) ? r + b : r
}
