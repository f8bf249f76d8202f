// Resolved code: the resolver's output. Every name is a slot, found ahead of time, so
// the interpreter never looks a name up while running.

/// Where a variable lives.
public enum Slot: Equatable {
    /// In the running function's frame.
    case local(Int)
    /// In the frame `depth` lexical levels out (1 = the enclosing function's frame).
    case captured(depth: Int, index: Int)
    /// In the session's global table (top-level `let`s, `fn`s, built-ins, the prelude).
    case global(Int)
}

public struct ResolvedParameter {
    public var name: String
    public var defaultValue: ResolvedExpr?
}

public indirect enum ResolvedBody {
    case expression(ResolvedExpr)
    case block([ResolvedStmt])
}

public struct ResolvedFunction {
    public var name: String
    public var parameters: [ResolvedParameter]
    /// Slots in one call's frame: parameters first, then every local of the body.
    public var slotCount: Int
    /// A closure is created inside, so the call's slots must live in a heap frame it can
    /// capture; otherwise they live on the interpreter's value stack.
    public var needsFrame: Bool
    public var body: ResolvedBody
    public var span: Span
}

public struct ResolvedArgument {
    public var label: String?
    public var value: ResolvedExpr
}

public indirect enum ResolvedPart {
    case text(String)
    case expression(ResolvedExpr)
    case formatted(ResolvedExpr, FormatSpec)
}

public indirect enum ResolvedExpr {
    case constant(Value, Span)
    case interpolation([ResolvedPart], Span)
    case variable(Slot, name: String, Span)
    case list([ResolvedExpr], Span)
    case record(keys: [String], values: [ResolvedExpr], Span)
    case unary(UnaryOperator, ResolvedExpr, Span)
    case binary(BinaryOperator, ResolvedExpr, ResolvedExpr, Span)
    case and(ResolvedExpr, ResolvedExpr, Span)
    case or(ResolvedExpr, ResolvedExpr, Span)
    case conditional(ResolvedExpr, ResolvedExpr, ResolvedExpr, Span)
    case range(ResolvedExpr, ResolvedExpr, inclusive: Bool, Span)
    case call(ResolvedExpr, [ResolvedArgument], Span)
    case index(ResolvedExpr, ResolvedExpr, Span)
    case slice(ResolvedExpr, ResolvedExpr?, ResolvedExpr?, Span)
    case subscripts(ResolvedExpr, [ResolvedSubscript], Span)
    case field(ResolvedExpr, String, Span)
    case function(ResolvedFunction)
    case comprehension(ResolvedExpr, [ResolvedClause], Span)
}

public indirect enum ResolvedClause {
    /// `for x in sequence`; the span is the clause's, for errors while iterating.
    case `for`(Slot, ResolvedExpr, Span)
    case `if`(ResolvedExpr)
}

public indirect enum ResolvedSubscript {
    case index(ResolvedExpr)
    case slice(ResolvedExpr?, ResolvedExpr?)
}

public indirect enum ResolvedTarget {
    case variable(Slot)
    /// `base[i] = v`, `base[i, j] = v`.
    case item(ResolvedExpr, [ResolvedSubscript], Span)
    case field(ResolvedExpr, String, Span)
}

public indirect enum ResolvedStmt {
    case expression(ResolvedExpr)
    /// `let`, or a named `fn`.
    case define(Slot, ResolvedExpr)
    case assign(ResolvedTarget, ResolvedExpr, Span)
    case `if`(ResolvedExpr, [ResolvedStmt], [ResolvedStmt])
    case `while`(ResolvedExpr, [ResolvedStmt])
    case `for`(Slot, ResolvedExpr, [ResolvedStmt], Span)
    case `return`(ResolvedExpr?)
    case `break`
    case `continue`
}

/// A resolved file, ready to run in the session whose globals it was resolved against.
public struct ResolvedProgram {
    public var source: Source
    public var statements: [ResolvedStmt]
    /// Slots of the script's own frame (names declared in top-level blocks).
    public var slotCount: Int
}

extension ResolvedExpr {
    public var span: Span {
        switch self {
        case .constant(_, let s), .interpolation(_, let s), .variable(_, _, let s), .list(_, let s),
             .record(_, _, let s), .unary(_, _, let s), .binary(_, _, _, let s), .and(_, _, let s),
             .or(_, _, let s), .conditional(_, _, _, let s), .range(_, _, _, let s), .call(_, _, let s),
             .index(_, _, let s), .slice(_, _, _, let s), .subscripts(_, _, let s), .field(_, _, let s),
             .comprehension(_, _, let s):
            return s
        case .function(let f): return f.span
        }
    }
}
