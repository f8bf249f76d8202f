// Expressions → nodes (Node.swift). Arithmetic and comparisons on two numbers take an
// inline fast path; everything else goes through Interpreter+Operators.swift.

import Foundation

extension Compiler {
    func node(_ e: ResolvedExpr) -> Node {
        let interp = interpreter
        let source = source
        switch e {
        case .constant(let v, _):
            return ConstantNode(v)
        case .variable(let slot, _, _):
            return load(slot)
        case .interpolation(let parts, let span):
            let compiled: [Node] = parts.map {
                switch $0 {
                case .text(let t): return ConstantNode(.string(t))
                case .expression(let e): return node(e)
                case .formatted(let e, let spec): return FormattedNode(node(e), spec, self, e.span)
                }
            }
            return ClosureNode { [unowned(unsafe) interp] f in
                var s = ""
                for part in compiled {
                    s += try part.eval(f).description
                    try interp.checkLength(s.utf8.count, "string", source, span)
                }
                return .string(s)
            }
        case .list(let items, _):
            let compiled = items.map { node($0) }
            return ClosureNode { f in
                var values: [Value] = []
                values.reserveCapacity(compiled.count)
                for item in compiled { values.append(try item.eval(f)) }
                return .list(List(values))
            }
        case .record(let keys, let values, _):
            let compiled = values.map { node($0) }
            return ClosureNode { f in
                var values: [Value] = []
                values.reserveCapacity(compiled.count)
                for v in compiled { values.append(try v.eval(f)) }
                return .record(Record(keys: keys, values: values))
            }
        case .unary(.not, let x, _):
            return NotNode(tested(x))
        case .unary(.negate, let x, let span):
            return NegateNode(node(x), self, span)
        case .binary(let op, let l, let r, let span):
            return binary(op, l, r, span)
        case .and(let l, let r, _):
            return AndNode(valueAndTest(l), valueAndTest(r), site(l))
        case .or(let l, let r, _):
            return OrNode(valueAndTest(l), valueAndTest(r), site(l))
        case .conditional(let c, let t, let o, _):
            return ConditionalNode(tested(c), valueAndTest(t), valueAndTest(o))
        case .range(let l, let r, let inclusive, let span):
            let a = node(l), b = node(r)
            return ClosureNode { f in
                guard case .number(let lo) = try a.eval(f), case .number(let hi) = try b.eval(f), lo.isFinite, hi.isFinite else {
                    throw RuntimeError("range bounds must be finite numbers", source, span)
                }
                let n = inclusive ? (hi - lo).rounded(.down) + 1 : (hi - lo).rounded(.up)
                if let tooLong = rangeTooLong(n) { throw RuntimeError(tooLong, source, span) }
                return .range(start: lo, count: Int(max(0, n)))
            }
        case .call(let callee, let args, let span):
            return call(callee, args, span)
        case .index(let b, let i, let span):
            return IndexNode(node(b), node(i), self, span)
        case .slice(let b, let lo, let hi, let span):
            let base = node(b), low = lo.map { node($0) }, high = hi.map { node($0) }
            return ClosureNode { [unowned(unsafe) interp] f in
                try interp.slice(try base.eval(f), try low?.eval(f) ?? .nil, try high?.eval(f) ?? .nil, source, span)
            }
        case .subscripts(let b, let items, let span):
            return subscriptsNode(b, items, span)
        case .field(let b, let name, let span):
            return FieldNode(node(b), name, self, span)
        case .function(let fn):
            let code = function(fn)
            return ClosureNode { f in .function(Function(code: code, env: f.frame)) }
        case .comprehension(let element, let clauses, let span):
            return comprehension(element, clauses, span)
        }
    }

    /// Where an expression is, for errors found while running it.
    func site(_ e: ResolvedExpr) -> Site { Site(source, e.span) }

    /// `e` compiled as a condition: a node whose `test` reports a value without one truth
    /// (a tensor of several elements) at `e`. Comparisons and logical operators do that
    /// themselves; anything else is wrapped in a `TruthNode`.
    func tested(_ e: ResolvedExpr) -> Node { tested(node(e), e) }

    func tested(_ n: Node, _ e: ResolvedExpr) -> Node {
        switch n {
        case is BinaryNode, is NotNode, is AndNode, is OrNode, is ConditionalNode, is TruthNode: return n
        default: return TruthNode(n, site(e))
        }
    }

    /// An operand used both as a value and as a test (`a and b`, the arms of `x if c else y`).
    func valueAndTest(_ e: ResolvedExpr) -> (Node, Node) {
        let n = node(e)
        return (n, tested(n, e))
    }

    func load(_ slot: Slot) -> Node {
        switch slot {
        case .local(let i): return LocalNode(i)
        case .captured(1, let i): return OuterNode(i)
        case .captured(let depth, let i): return CapturedNode(depth, i)
        case .global(let i): return GlobalNode(interpreter.globals, i)
        }
    }

    func function(_ fn: ResolvedFunction) -> FunctionCode {
        let body: Node
        switch fn.body {
        case .expression(let e):
            body = node(e)
        case .block(let statements):
            body = BlockBody(block(statements), interpreter.machine)
        }
        return FunctionCode(name: fn.name, parameterNames: fn.parameters.map(\.name),
                            defaults: fn.parameters.map { $0.defaultValue.map { node($0) } },
                            defaultSpans: fn.parameters.map { $0.defaultValue?.span },
                            slotCount: fn.slotCount, needsFrame: fn.needsFrame, body: body, source: source, span: fn.span)
    }

    /// A local or a constant operand is read in place rather than through a node.
    func binary(_ op: BinaryOperator, _ l: ResolvedExpr, _ r: ResolvedExpr, _ span: Span) -> Node {
        if op != .matmul {
            if case .variable(.local(let i), _, _) = l, case .constant(.number(let y), _) = r {
                return LocalConstantBinary(op, i, y, self, span)
            }
            if case .variable(.local(let i), _, _) = l, case .variable(.local(let j), _, _) = r {
                return LocalsBinary(op, i, j, self, span)
            }
        }
        return GeneralBinary(op, node(l), node(r), self, span)
    }
}

/// A function body that is a block: its value is what `return` left in the machine.
final class BlockBody: Node {
    let block: Exec
    let machine: Machine
    init(_ block: @escaping Exec, _ machine: Machine) { self.block = block; self.machine = machine }
    override func eval(_ f: Env) throws -> Value {
        guard try block(f) == .returned else { return .nil }
        let v = machine.state.pointee.returnValue
        machine.state.pointee.returnValue = .nil
        return v
    }
}

/// Python's `%`: the result takes the divisor's sign. x % 0 is nan, like x / 0 is ±inf.
@inline(never) func floorMod(_ a: Double, _ b: Double) -> Double {
    let r = fmod(a, b)
    return r != 0 && (r < 0) != (b < 0) ? r + b : r
}
