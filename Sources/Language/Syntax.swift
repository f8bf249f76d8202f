// Syntax: the parser's output. Names are still strings; the resolver turns them into slots.

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%", power = "**"
    case matmul = "@"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
}

public enum UnaryOperator: String, Sendable {
    case negate = "-", not = "not"
}

public struct Argument: Sendable {
    public var label: String?
    public var value: Expr
    public var span: Span
}

public struct Parameter: Sendable {
    public var name: String
    public var span: Span
    public var defaultValue: Expr?
}

public indirect enum FunctionBody: Sendable {
    case expression(Expr)
    case block([Stmt])
}

public struct FunctionDecl: Sendable {
    public var name: String?
    public var parameters: [Parameter]
    public var body: FunctionBody
    public var span: Span
}

public indirect enum InterpolationPart: Sendable {
    case text(String)
    case expression(Expr)
    /// `\(x:.3f)`: the value by a format spec.
    case formatted(Expr, FormatSpec)
}

public indirect enum Expr: Sendable {
    case number(Double, Span)
    case string(String, Span)
    case interpolation([InterpolationPart], Span)
    case bool(Bool, Span)
    case `nil`(Span)
    case name(String, Span)
    case list([Expr], Span)
    case record([(key: String, value: Expr)], Span)
    case unary(UnaryOperator, Expr, Span)
    case binary(BinaryOperator, Expr, Expr, Span)
    case and(Expr, Expr, Span)
    case or(Expr, Expr, Span)
    case conditional(condition: Expr, then: Expr, else: Expr, Span)
    case range(Expr, Expr, inclusive: Bool, Span)
    case call(Expr, [Argument], Span)
    case index(Expr, Expr, Span)
    case slice(Expr, Expr?, Expr?, Span)
    /// `t[i, a:b, …]`: two or more subscripts (one alone is an `index` or a `slice`).
    case subscripts(Expr, [SubscriptSyntax], Span)
    case field(Expr, String, Span)
    case function(FunctionDecl)
    /// `[element for x in xs if cond …]`: clauses in written order, the first a `for`.
    case comprehension(Expr, [ComprehensionClause], Span)

    public var span: Span {
        switch self {
        case .number(_, let s), .string(_, let s), .interpolation(_, let s), .bool(_, let s), .nil(let s),
             .name(_, let s), .list(_, let s), .record(_, let s), .unary(_, _, let s), .binary(_, _, _, let s),
             .and(_, _, let s), .or(_, _, let s), .conditional(_, _, _, let s), .range(_, _, _, let s),
             .call(_, _, let s), .index(_, _, let s), .slice(_, _, _, let s), .subscripts(_, _, let s),
             .field(_, _, let s), .comprehension(_, _, let s):
            return s
        case .function(let f): return f.span
        }
    }
}

/// One clause of a list comprehension: `for name in sequence`, or `if condition`.
public indirect enum ComprehensionClause: Sendable {
    /// The span covers `for name in sequence`.
    case `for`(name: String, sequence: Expr, Span)
    case `if`(Expr)
}

/// One subscript of several: `i`, or `a:b` (either bound may be missing).
public indirect enum SubscriptSyntax: Sendable {
    case index(Expr)
    case slice(Expr?, Expr?)
}

public indirect enum Stmt: Sendable {
    case expression(Expr)
    case `let`(name: String, nameSpan: Span, value: Expr)
    /// `target = value`; the target is a name, index or field expression.
    case assign(target: Expr, value: Expr, Span)
    case function(FunctionDecl)
    case `if`(condition: Expr, then: [Stmt], else: [Stmt]?, Span)
    case `while`(condition: Expr, body: [Stmt], Span)
    case `for`(name: String, nameSpan: Span, sequence: Expr, body: [Stmt], Span)
    case `return`(Expr?, Span)
    case `break`(Span)
    case `continue`(Span)
    case `import`(String, Span)
}

/// A parsed file.
public struct Syntax: Sendable {
    public var source: Source
    public var statements: [Stmt]
}
