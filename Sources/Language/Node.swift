// Nodes: compiled expressions. Each resolved expression becomes one object whose `eval` is
// the tree-walker's step for it, with its slot, operator and constants decided ahead of
// time. Objects rather than closures: a virtual call passes one reference, where calling
// a closure copies every capture out of its context first (measured: a third of the cost
// of a call in `fib`). The compiler is in Interpreter+Expressions.swift; calls are in
// Interpreter+Calls.swift.

import Foundation

/// A compiled expression.
class Node {
    func eval(_ f: Env) throws -> Value { fatalError("Node.eval is abstract") }
    /// The expression as a test (`if`, `while`, `x if c else y`, `and`, `or`, `not`):
    /// comparisons answer without making a bool. Conditions are compiled through
    /// `Compiler.tested`, which wraps a node using this default in a `TruthNode`, so that a
    /// value without one truth (a tensor of several elements) is reported at a place.
    func test(_ f: Env) throws -> Bool { try eval(f).truth() }
}

extension Value {
    /// `truth()`, with its error reported at `site`.
    @inline(__always) func truth(at site: Site) throws -> Bool {
        do { return try truth() } catch let e as ScriptError { throw site.error(e.message) }
    }
}

/// An expression with no node of its own (lists, records, ranges, interpolation…).
final class ClosureNode: Node {
    let body: Eval
    init(_ body: @escaping Eval) { self.body = body }
    override func eval(_ f: Env) throws -> Value { try body(f) }
}

final class ConstantNode: Node {
    let value: Value
    init(_ value: Value) { self.value = value }
    override func eval(_ f: Env) -> Value { value }
}

final class LocalNode: Node {
    let index: Int
    init(_ index: Int) { self.index = index }
    override func eval(_ f: Env) -> Value { f[index] }
}

/// A variable of the enclosing function (the common closure).
final class OuterNode: Node {
    let index: Int
    init(_ index: Int) { self.index = index }
    override func eval(_ f: Env) -> Value { f.parent.unsafelyUnwrapped[index] }
}

final class CapturedNode: Node {
    let depth: Int, index: Int
    init(_ depth: Int, _ index: Int) { self.depth = depth; self.index = index }
    override func eval(_ f: Env) -> Value { f.ancestor(depth)[index] }
}

final class GlobalNode: Node {
    let globals: Globals
    let index: Int
    init(_ globals: Globals, _ index: Int) { self.globals = globals; self.index = index }
    override func eval(_ f: Env) -> Value { globals.values[index] }
}

/// A node whose slow path needs the interpreter and its place in the source.
class LocatedNode: Node {
    unowned(unsafe) let interpreter: Interpreter
    let source: Source
    let span: Span
    init(_ compiler: Compiler, _ span: Span) {
        interpreter = compiler.interpreter
        source = compiler.source
        self.span = span
    }
}

/// `a op b`. Two numbers are computed here; anything else goes to Interpreter+Operators.swift.
/// `test` is overridden for comparisons only (a number is always true).
class BinaryNode: LocatedNode {
    let op: BinaryOperator
    init(_ op: BinaryOperator, _ compiler: Compiler, _ span: Span) {
        self.op = op
        super.init(compiler, span)
    }
    // Slow paths out of line, so the fast ones need no saved registers.
    @inline(never) final func slow(_ x: Value, _ y: Value) throws -> Value {
        try interpreter.binary(op, x, y, source, span)
    }
    @inline(never) final func slowTest(_ f: Env) throws -> Bool { try eval(f).truth(at: Site(source, span)) }
}

/// `x op 2`, `x` a local: read in place, not copied.
final class LocalConstantBinary: BinaryNode {
    let index: Int, constant: Double
    init(_ op: BinaryOperator, _ index: Int, _ constant: Double, _ compiler: Compiler, _ span: Span) {
        self.index = index
        self.constant = constant
        super.init(op, compiler, span)
    }
    override func eval(_ f: Env) throws -> Value {
        if case .number(let n) = f.slots[index] { return op.apply(n, constant) }
        return try slowEval(f)
    }
    @inline(never) func slowEval(_ f: Env) throws -> Value { try slow(f[index], .number(constant)) }
    override func test(_ f: Env) throws -> Bool {
        if op.isComparison, case .number(let n) = f.slots[index] { return op.holds(n, constant) }
        return try slowTest(f)
    }
}

/// `x op y`, both locals.
final class LocalsBinary: BinaryNode {
    let left: Int, right: Int
    init(_ op: BinaryOperator, _ left: Int, _ right: Int, _ compiler: Compiler, _ span: Span) {
        self.left = left
        self.right = right
        super.init(op, compiler, span)
    }
    override func eval(_ f: Env) throws -> Value {
        if case .number(let m) = f.slots[left], case .number(let n) = f.slots[right] { return op.apply(m, n) }
        return try slowEval(f)
    }
    @inline(never) func slowEval(_ f: Env) throws -> Value { try slow(f[left], f[right]) }
    override func test(_ f: Env) throws -> Bool {
        if op.isComparison, case .number(let m) = f.slots[left], case .number(let n) = f.slots[right] {
            return op.holds(m, n)
        }
        return try slowTest(f)
    }
}

final class GeneralBinary: BinaryNode {
    let left: Node, right: Node
    init(_ op: BinaryOperator, _ left: Node, _ right: Node, _ compiler: Compiler, _ span: Span) {
        self.left = left
        self.right = right
        super.init(op, compiler, span)
    }
    override func eval(_ f: Env) throws -> Value {
        let x = try left.eval(f), y = try right.eval(f)
        if op != .matmul, case .number(let m) = x, case .number(let n) = y { return op.apply(m, n) }
        return try slow(x, y)
    }
    override func test(_ f: Env) throws -> Bool {
        guard op.isComparison else { return try slowTest(f) }
        let x = try left.eval(f), y = try right.eval(f)
        if case .number(let m) = x, case .number(let n) = y { return op.holds(m, n) }
        return try slow(x, y).truth(at: Site(source, span))
    }
}

extension BinaryOperator {
    var isComparison: Bool {
        switch self {
        case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual: return true
        default: return false
        }
    }

    /// The operator on two numbers (`@` is never applied here: it has no number case).
    @inline(__always) func apply(_ a: Double, _ b: Double) -> Value {
        switch self {
        case .add: return .number(a + b)
        case .subtract: return .number(a - b)
        case .multiply: return .number(a * b)
        case .divide: return .number(a / b)
        case .remainder: return .number(floorMod(a, b))
        case .power: return .number(raise(a, b))
        case .matmul: return .nil
        default: return .bool(holds(a, b))
        }
    }

    /// A comparison of two numbers.
    @inline(__always) func holds(_ a: Double, _ b: Double) -> Bool {
        switch self {
        case .less: return a < b
        case .lessEqual: return a <= b
        case .greater: return a > b
        case .greaterEqual: return a >= b
        case .equal: return a == b
        case .notEqual: return a != b
        default: return false
        }
    }
}

// The nodes below test their operands: each operand is compiled through
// `Compiler.tested`, so a value without one truth (a tensor of several elements) is
// reported where it was written.

final class ConditionalNode: Node {
    let condition: Node, then: Node, otherwise: Node
    /// `then` and `otherwise` for `test` (`tested` versions).
    let thenTest: Node, otherwiseTest: Node
    init(_ condition: Node, _ then: (Node, Node), _ otherwise: (Node, Node)) {
        self.condition = condition
        (self.then, thenTest) = then
        (self.otherwise, otherwiseTest) = otherwise
    }
    override func eval(_ f: Env) throws -> Value { try condition.test(f) ? try then.eval(f) : try otherwise.eval(f) }
    override func test(_ f: Env) throws -> Bool { try condition.test(f) ? try thenTest.test(f) : try otherwiseTest.test(f) }
}

/// `a and b`: `a` if it is false, else `b`.
final class AndNode: Node {
    let left: Node, right: Node, leftTest: Node, rightTest: Node
    let leftSite: Site
    init(_ left: (Node, Node), _ right: (Node, Node), _ leftSite: Site) {
        (self.left, leftTest) = left
        (self.right, rightTest) = right
        self.leftSite = leftSite
    }
    override func eval(_ f: Env) throws -> Value {
        let v = try left.eval(f)
        return try v.truth(at: leftSite) ? try right.eval(f) : v
    }
    override func test(_ f: Env) throws -> Bool { try leftTest.test(f) ? try rightTest.test(f) : false }
}

/// `a or b`: `a` if it is true, else `b`.
final class OrNode: Node {
    let left: Node, right: Node, leftTest: Node, rightTest: Node
    let leftSite: Site
    init(_ left: (Node, Node), _ right: (Node, Node), _ leftSite: Site) {
        (self.left, leftTest) = left
        (self.right, rightTest) = right
        self.leftSite = leftSite
    }
    override func eval(_ f: Env) throws -> Value {
        let v = try left.eval(f)
        return try v.truth(at: leftSite) ? v : try right.eval(f)
    }
    override func test(_ f: Env) throws -> Bool { try leftTest.test(f) ? true : try rightTest.test(f) }
}

final class NotNode: Node {
    let operand: Node
    init(_ operand: Node) { self.operand = operand }
    override func eval(_ f: Env) throws -> Value { .bool(!(try operand.test(f))) }
    override func test(_ f: Env) throws -> Bool { !(try operand.test(f)) }
}

/// A condition that is not a comparison or a logical operator (`if done`, `while t`): its
/// value's truth, with the error of a value without one placed at the condition. Its
/// `test` replaces the operand's default one, so it costs no extra call.
final class TruthNode: Node {
    let operand: Node
    let site: Site
    init(_ operand: Node, _ site: Site) { self.operand = operand; self.site = site }
    override func eval(_ f: Env) throws -> Value { try operand.eval(f) }
    override func test(_ f: Env) throws -> Bool { try operand.eval(f).truth(at: site) }
}

final class NegateNode: LocatedNode {
    let operand: Node
    init(_ operand: Node, _ compiler: Compiler, _ span: Span) {
        self.operand = operand
        super.init(compiler, span)
    }
    override func eval(_ f: Env) throws -> Value {
        let v = try operand.eval(f)
        if case .number(let n) = v { return .number(-n) }
        return try interpreter.negate(v, source, span)
    }
}

/// `base[index]`.
final class IndexNode: LocatedNode {
    let base: Node, index: Node
    init(_ base: Node, _ index: Node, _ compiler: Compiler, _ span: Span) {
        self.base = base
        self.index = index
        super.init(compiler, span)
    }
    override func eval(_ f: Env) throws -> Value {
        try interpreter.index(try base.eval(f), try index.eval(f), source, span)
    }
}

/// `base.name`.
final class FieldNode: LocatedNode {
    let base: Node, name: String
    init(_ base: Node, _ name: String, _ compiler: Compiler, _ span: Span) {
        self.base = base
        self.name = name
        super.init(compiler, span)
    }
    override func eval(_ f: Env) throws -> Value { try interpreter.field(try base.eval(f), name, source, span) }
}

/// `\(x:.3f)` in a string: the value's text by a format spec.
final class FormattedNode: LocatedNode {
    let operand: Node
    let spec: FormatSpec
    init(_ operand: Node, _ spec: FormatSpec, _ compiler: Compiler, _ span: Span) {
        self.operand = operand
        self.spec = spec
        super.init(compiler, span)
    }
    override func eval(_ f: Env) throws -> Value {
        let v = try operand.eval(f)
        do { return .string(try spec.format(v)) } catch { throw RuntimeError(error.message, source, span) }
    }
}

/// Out of line, like `floorMod`: a call inside `apply` would make every operator save registers.
@inline(never) func raise(_ a: Double, _ b: Double) -> Double { pow(a, b) }
