// Built-in registration: each library is one table of `Builtin`s (name, parameters with
// kinds and defaults, a one-line doc, the implementation). Arguments are bound and checked
// here, by one helper with one message style:
//   bad argument #2 to 'linear' (number expected, got string)
// `:help`, tab completion and docs/language.md read the same tables.

/// What a parameter accepts.
public indirect enum Kind: CustomStringConvertible {
    case any, number, integer, string, bool, list, record, range, function
    /// An engine type, by its `typeName` (e.g. "tensor").
    case foreign(String)
    case either([Kind])

    public var description: String {
        switch self {
        case .any: return "value"
        case .number: return "number"
        case .integer: return "integer"
        case .string: return "string"
        case .bool: return "bool"
        case .list: return "list"
        case .record: return "record"
        case .range: return "range"
        case .function: return "function"
        case .foreign(let name): return name
        case .either(let kinds): return kinds.map(\.description).joined(separator: " or ")
        }
    }

    public func accepts(_ v: Value) -> Bool {
        switch (self, v) {
        case (.any, _), (.number, .number), (.string, .string), (.bool, .bool), (.list, .list),
             (.record, .record), (.range, .range), (.function, .function), (.function, .builtin): return true
        case (.integer, .number(let x)): return x == x.rounded() && abs(x) < 1e15
        case (.function, .foreign(let f)): return f is any CallableForeign
        case (.foreign(let name), .foreign(let f)): return f.typeName == name
        case (.either(let kinds), _): return kinds.contains { $0.accepts(v) }
        default: return false
        }
    }
}

/// Marks foreign values that `Kind.function` parameters accept (networks, policies).
public protocol CallableForeign: ForeignValue {}

public struct BuiltinParameter {
    public var name: String
    public var kind: Kind
    /// Nil: the argument is required.
    public var defaultValue: Value?
    public init(_ name: String, _ kind: Kind = .any, default defaultValue: Value? = nil) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
    }
}

public final class Builtin {
    public let name: String
    public let parameters: [BuiltinParameter]
    /// Extra positional arguments are collected into `Arguments.rest`, each checked against this.
    public let variadic: BuiltinParameter?
    /// Parameters after the variadic one, given only by keyword (`print(x, end="")`); they
    /// follow `parameters` in `Arguments.values`.
    public let keywordOnly: [BuiltinParameter]
    public let doc: String
    let body: (Arguments) throws -> Value

    public init(_ name: String, _ parameters: [BuiltinParameter] = [], variadic: BuiltinParameter? = nil,
                keywordOnly: [BuiltinParameter] = [], doc: String, _ body: @escaping (Arguments) throws -> Value) {
        self.name = name
        self.parameters = parameters
        self.variadic = variadic
        self.keywordOnly = keywordOnly
        self.doc = doc
        self.body = body
    }

    /// `name(a, b=1, ...rest, k=2)`, for `:help` and the docs.
    public var signature: String {
        func show(_ p: BuiltinParameter) -> String { p.defaultValue.map { "\(p.name)=\($0.repr)" } ?? p.name }
        var parts = parameters.map(show)
        if let v = variadic { parts.append("...\(v.name)") }
        parts += keywordOnly.map(show)
        return "\(name)(\(parts.joined(separator: ", ")))"
    }
}

/// One registration table.
public struct Library {
    public var name: String
    public var entries: [Builtin]
    public init(name: String, entries: [Builtin]) { self.name = name; self.entries = entries }
}

/// Bound, checked arguments as a built-in receives them: `values[i]` is parameter i.
public struct Arguments {
    public let name: String
    public let values: [Value]
    public let rest: [Value]
    public unowned let interpreter: Interpreter
    /// Parameters the call gave by name, and keyword-only ones (which have no position), by
    /// index: their errors name them, as the caller wrote them.
    var named: [Int: String] = [:]

    public subscript(i: Int) -> Value { values[i] }

    /// "bad argument #n to 'name' (detail)" (or 'parameter' for one given by name): the one
    /// message style for argument errors.
    public func bad(_ i: Int, _ detail: String) -> ScriptError { badArgument(i + 1, name, detail, named: named[i]) }

    public func number(_ i: Int) throws -> Double {
        if case .number(let x) = values[i] { return x }
        throw bad(i, "number expected, got \(values[i].typeName)")
    }
    public func integer(_ i: Int) throws -> Int {
        guard case .number(let x) = values[i] else { throw bad(i, "integer expected, got \(values[i].typeName)") }
        guard Kind.integer.accepts(.number(x)) else { throw bad(i, notAnInteger(x)) }
        return Int(x)
    }
    public func string(_ i: Int) throws -> String {
        if case .string(let s) = values[i] { return s }
        throw bad(i, "string expected, got \(values[i].typeName)")
    }
    public func list(_ i: Int) throws -> List {
        if case .list(let l) = values[i] { return l }
        throw bad(i, "list expected, got \(values[i].typeName)")
    }
    public func record(_ i: Int) throws -> Record {
        if case .record(let r) = values[i] { return r }
        throw bad(i, "record expected, got \(values[i].typeName)")
    }
    /// Calls a function argument (for callbacks such as a sort key).
    public func call(_ f: Value, _ args: [Value]) throws -> Value {
        try interpreter.call(f, CallArguments(args))
    }
}

func badArgument(_ n: Int, _ function: String, _ detail: String, named: String? = nil) -> ScriptError {
    ScriptError("bad argument \(named.map { "'\($0)'" } ?? "#\(n)") to '\(function)' (\(detail))")
}

/// Matches call-site arguments to parameters: positional first, then keywords by name.
/// Returns one entry per parameter (nil where the caller left it to the default) and the
/// extra positionals. Shared by built-ins and cdsa functions, so both report alike.
/// Positionals fill only the first `positional` parameters (all by default); the rest are
/// keyword-only.
func bindArguments(function: String, parameters: [String], positional: Int? = nil, acceptsRest: Bool,
                   _ args: CallArguments) throws -> (bound: [Value?], rest: [Value]) {
    var bound = [Value?](repeating: nil, count: parameters.count)
    var rest: [Value] = []
    let positionalCount = positional ?? parameters.count
    for (i, v) in args.positional.enumerated() {
        if i < positionalCount { bound[i] = v }
        else if acceptsRest { rest.append(v) }
        else {
            let expected = counted(positionalCount, "argument")
            throw badArgument(i + 1, function, "at most \(expected) expected, got \(args.positional.count)")
        }
    }
    for (name, v) in args.keywords {
        guard let i = parameters.firstIndex(of: name) else {
            var message = "bad argument '\(name)' to '\(function)' (no such parameter"
            if let guess = Resolver.closest(to: name, in: Set(parameters)) { message += "; did you mean '\(guess)'?" }
            throw ScriptError(message + ")")
        }
        if bound[i] != nil { throw ScriptError("bad argument '\(name)' to '\(function)' (given twice)") }
        bound[i] = v
    }
    return (bound, rest)
}

extension Builtin {
    /// Binds, fills defaults and checks kinds, then runs the implementation.
    func invoke(_ args: CallArguments, interpreter: Interpreter) throws -> Value {
        let all = keywordOnly.isEmpty ? parameters : parameters + keywordOnly
        let names = all.map(\.name)
        let (bound, rest) = try bindArguments(function: name, parameters: names, positional: parameters.count,
                                              acceptsRest: variadic != nil, args)
        var named: [Int: String] = [:]
        for i in parameters.count..<all.count { named[i] = names[i] }
        for keyword in args.keywords { if let i = names.firstIndex(of: keyword.name) { named[i] = keyword.name } }
        var values: [Value] = []
        values.reserveCapacity(all.count)
        for (i, p) in all.enumerated() {
            func bad(_ detail: String) -> ScriptError { badArgument(i + 1, name, detail, named: named[i]) }
            guard let v = bound[i] ?? p.defaultValue else { throw bad("\(p.kind) expected, got no value") }
            // A nil default means "optional": nil passes whatever the kind.
            let optional = p.defaultValue.map(isNil) ?? false
            if !p.kind.accepts(v), !(optional && isNil(v)) {
                if case .integer = p.kind, case .number(let x) = v { throw bad(notAnInteger(x)) }
                throw bad("\(p.kind) expected, got \(v.typeName)")
            }
            values.append(v)
        }
        if let variadic {
            for (k, v) in rest.enumerated() where !variadic.kind.accepts(v) {
                throw badArgument(parameters.count + k + 1, name, "\(variadic.kind) expected, got \(v.typeName)")
            }
        }
        return try body(Arguments(name: name, values: values, rest: rest, interpreter: interpreter, named: named))
    }

    /// The fast path for positional calls that need no binding: checks the kinds only.
    @inline(__always)
    func invokePositional(_ values: [Value], interpreter: Interpreter) throws -> Value {
        guard variadic == nil, keywordOnly.isEmpty, values.count == parameters.count else {
            return try invoke(CallArguments(values), interpreter: interpreter)
        }
        for i in 0..<values.count where !parameters[i].kind.accepts(values[i]) {
            return try invoke(CallArguments(values), interpreter: interpreter)
        }
        return try body(Arguments(name: name, values: values, rest: [], interpreter: interpreter))
    }
}

/// A Python slice bound over `count` items: nil means `fallback`, negatives count from the
/// end, out of range — far out too, 1e300 or inf — is clamped. Lists, strings, ranges and
/// tensors all slice through it.
public func sliceBound(_ v: Value, count: Int, fallback: Int) throws(ScriptError) -> Int {
    if case .nil = v { return fallback }
    guard case .number(let y) = v, y == y.rounded() else {
        throw ScriptError("slice bounds must be whole numbers, got \(v.typeName == "number" ? v.repr : v.typeName)")
    }
    let x = Int(min(max(y, -1e15), 1e15))
    return min(max(x < 0 ? x + count : x, 0), count)
}

/// Why a range of `n` numbers is refused (more than a count can hold), or nil: `range(…)`
/// and `a..<b` share the bound.
func rangeTooLong(_ n: Double) -> String? { n < 1e15 ? nil : "range of \(Value.format(n)) numbers: at most 10^15" }

/// Why a number is no integer argument, saying which: 2.5, or one past 10^15.
func notAnInteger(_ x: Double) -> String {
    x == x.rounded() ? "integer below 10^15 in size expected, got \(Value.format(x))" : "integer expected, got \(Value.format(x))"
}

@inline(__always) func isNil(_ v: Value) -> Bool { if case .nil = v { return true } else { return false } }
