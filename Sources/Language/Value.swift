// Value: what a cdsa expression evaluates to. Numbers and booleans are unboxed; lists and
// records are shared references, as in Python; engine objects are `ForeignValue`s.

public enum Value {
    case `nil`
    case bool(Bool)
    case number(Double)
    case string(String)
    case list(List)
    case record(Record)
    /// `start ..< start + count` in steps of 1 (an inclusive `a..b` is stored half-open).
    case range(start: Double, count: Int)
    case function(Function)
    case builtin(Builtin)
    case foreign(any ForeignValue)

    /// The name `type(x)` returns and error messages use.
    public var typeName: String {
        switch self {
        case .nil: return "nil"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .list: return "list"
        case .record: return "record"
        case .range: return "range"
        case .function, .builtin: return "function"
        case .foreign(let f): return f.typeName
        }
    }

    /// `false` and `nil` are false; every other value is true.
    @inline(__always) public var isTruthy: Bool {
        switch self {
        case .bool(let b): return b
        case .nil: return false
        default: return true
        }
    }
}

/// A mutable list shared by reference.
public final class List {
    public var items: [Value]
    public init(_ items: [Value]) { self.items = items }
}

/// A record: fields in the order they were written, shared by reference.
public final class Record {
    public private(set) var keys: [String]
    public private(set) var values: [Value]
    public init(keys: [String], values: [Value]) { self.keys = keys; self.values = values }
    public init(_ fields: KeyValuePairs<String, Value>) {
        keys = fields.map(\.key)
        values = fields.map(\.value)
    }
    public subscript(key: String) -> Value? {
        get { keys.firstIndex(of: key).map { values[$0] } }
        set {
            if let i = keys.firstIndex(of: key) {
                if let v = newValue { values[i] = v } else { keys.remove(at: i); values.remove(at: i) }
            } else if let v = newValue {
                keys.append(key)
                values.append(v)
            }
        }
    }
}

extension Value: CustomStringConvertible {
    /// How `print` and string interpolation show the value: strings without quotes.
    public var description: String {
        if case .string(let s) = self { return s }
        return repr
    }

    /// How the REPL and containers show the value: strings quoted.
    public var repr: String {
        var path: [ObjectIdentifier] = []
        return Value.show(self, &path)
    }

    static func show(_ v: Value, _ path: inout [ObjectIdentifier]) -> String {
        switch v {
        case .nil: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .number(let x): return Value.format(x)
        case .string(let s): return quote(s)
        case .range(let start, let count): return "\(format(start))..<\(format(start + Double(count)))"
        case .function(let f): return "<fn \(f.code.name)>"
        case .builtin(let b): return "<builtin \(b.name)>"
        case .foreign(let f): return f.summary
        case .list(let l):
            let id = ObjectIdentifier(l)
            if path.contains(id) || path.count > 100 { return "[...]" }
            path.append(id)
            defer { path.removeLast() }
            return "[" + l.items.map { show($0, &path) }.joined(separator: ", ") + "]"
        case .record(let r):
            let id = ObjectIdentifier(r)
            if path.contains(id) || path.count > 100 { return "{...}" }
            path.append(id)
            defer { path.removeLast() }
            let fields = zip(r.keys, r.values).map { "\($0.0): \(show($0.1, &path))" }
            return "{" + fields.joined(separator: ", ") + "}"
        }
    }

    /// Whole numbers print without a fraction; others in the shortest form that reads back.
    public static func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == x.rounded(), abs(x) < 1e16 { return String(Int64(x)) }
        return "\(x)"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}

extension Value {
    /// Structural equality for data; identity for functions and (by default) foreign values.
    public static func equal(_ a: Value, _ b: Value, depth: Int = 0) -> Bool {
        if depth > 100 { return false }
        switch (a, b) {
        case (.nil, .nil): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.range(let s1, let c1), .range(let s2, let c2)): return s1 == s2 && c1 == c2
        case (.list(let x), .list(let y)):
            return x === y || (x.items.count == y.items.count
                && zip(x.items, y.items).allSatisfy { equal($0, $1, depth: depth + 1) })
        case (.record(let x), .record(let y)):
            return x === y || (x.keys == y.keys && zip(x.values, y.values).allSatisfy { equal($0, $1, depth: depth + 1) })
        case (.function(let x), .function(let y)): return x === y
        case (.builtin(let x), .builtin(let y)): return x === y
        case (.foreign(let x), .foreign(let y)): return x.isEqual(to: y)
        default: return false
        }
    }
}
