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

    /// `false` and `nil` are false; a foreign value decides for itself (a one-element
    /// tensor is its value, a larger one throws); every other value is true.
    @inline(__always) public func truth() throws -> Bool {
        switch self {
        case .bool(let b): return b
        case .nil: return false
        case .foreign(let f): return try f.truth()
        default: return true
        }
    }
}

/// A mutable list shared by reference.
public final class List {
    public var items: [Value]
    public init(_ items: [Value]) { self.items = items }
    // Flat teardown (see `releaseIteratively`): a list nested 1,000,000 deep is freed
    // without one Swift deinit frame per level.
    deinit {
        if items.contains(where: \.holdsObjects) {
            var work = items
            items = []
            releaseIteratively(&work)
        }
    }
}

/// A record: fields in the order they were written, shared by reference.
public final class Record {
    public private(set) var keys: [String]
    public private(set) var values: [Value]
    /// Called before a script assigns a field (`r.k = v`, `r["k"] = v`); throwing refuses
    /// it. Bindings set it on records that write through to an engine object, so such an
    /// assignment is never silently lost (`net.parameters["net.0.weight"] = w`).
    public var willAssign: ((String, Value) throws -> Void)?
    public init(keys: [String], values: [Value]) { self.keys = keys; self.values = values }
    public init(_ fields: KeyValuePairs<String, Value>) {
        keys = fields.map(\.key)
        values = fields.map(\.value)
    }
    deinit {
        if values.contains(where: \.holdsObjects) {
            var work = values
            values = []
            releaseIteratively(&work)
        }
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
    /// For `releaseIteratively`: hands the field values over, leaving the record empty.
    func moveValues(into work: inout [Value]) {
        guard values.contains(where: \.holdsObjects) else { return }
        work.append(contentsOf: values)
        values = []
        keys = []
    }
}

extension Value {
    /// Whether releasing this value can free other cdsa values (and so recurse).
    @inline(__always) var holdsObjects: Bool {
        switch self {
        case .list, .record, .function: return true
        default: return false
        }
    }
}

/// Releases values without recursion. Freeing the last reference to a list nested 100,000
/// deep, or to a chain of closures each capturing the previous one (`f = wrap(f)` in a
/// loop), would otherwise run one nested Swift deinit per level and overflow the thread's
/// stack (fuzzer finding; see docs/FUZZING.md). Here every container that only the work
/// list still references is emptied into the work list before it is freed, so each object
/// is freed flat and the stack stays constant. Shared objects are just released: whoever
/// drops the last reference runs this loop for them later.
func releaseIteratively(_ work: inout [Value]) {
    while !work.isEmpty {
        var v = work.removeLast()
        // Each object is taken out of `v` (leaving nil) so that, if nothing else refers to
        // it, the local is its only owner and `isKnownUniquelyReferenced` says so. (A
        // `switch v` with `case .list(var l)` keeps a copy of `v` alive in unoptimised builds.)
        if var l = v.take(\.asList) {
            if isKnownUniquelyReferenced(&l), l.items.contains(where: \.holdsObjects) {
                work.append(contentsOf: l.items)
                l.items = []
            }
        } else if var r = v.take(\.asRecord) {
            if isKnownUniquelyReferenced(&r) { r.moveValues(into: &work) }
        } else if let taken = v.take(\.asFunction) {
            var f: Function? = consume taken  // `consume`: `taken` must not keep a reference
            // A closure keeps its defining frame alive; if this was the frame's last owner,
            // empty the frame's slots into the work list before the frame goes.
            guard isKnownUniquelyReferenced(&f) else { continue }
            var frame = f.unsafelyUnwrapped.env
            f = nil  // frees the function; `frame` now holds what was its reference
            if isKnownUniquelyReferenced(&frame) { frame.unsafelyUnwrapped.moveSlots(into: &work) }
        }
    }
}

extension Value {
    var asList: List? { if case .list(let l) = self { l } else { nil } }
    var asRecord: Record? { if case .record(let r) = self { r } else { nil } }
    var asFunction: Function? { if case .function(let f) = self { f } else { nil } }

    /// The object `get` finds in this value, with the value set to nil (for `releaseIteratively`).
    mutating func take<T>(_ get: (Value) -> T?) -> T? {
        guard let object = get(self) else { return nil }
        self = .nil
        return object
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
        var out = ""
        Value.show(self, &path, &out)
        return out
    }

    /// Appends the text of `v` to `out`. Items stop being added (a "..." ends the list) once
    /// the text is longer than `Interpreter.maxLength`: a list holding the same list twice
    /// at each of 40 levels is small in memory but would print 2^40 items (fuzzer finding).
    static func show(_ v: Value, _ path: inout [ObjectIdentifier], _ out: inout String) {
        switch v {
        case .nil: out += "nil"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let x): out += Value.format(x)
        case .string(let s): out += quote(s)
        case .range(let start, let count): out += "\(format(start))..<\(format(start + Double(count)))"
        case .function(let f): out += f.code.name == "<fn>" ? "<fn>" : "<fn \(f.code.name)>"
        case .builtin(let b): out += "<builtin \(b.name)>"
        case .foreign(let f): out += f.summary
        case .list(let l):
            let id = ObjectIdentifier(l)
            if path.contains(id) || path.count > 100 { out += "[...]"; return }
            path.append(id)
            defer { path.removeLast() }
            out += "["
            for (i, item) in l.items.enumerated() {
                if i > 0 { out += ", " }
                if out.utf8.count > Interpreter.maxLength { out += "..."; break }
                show(item, &path, &out)
            }
            out += "]"
        case .record(let r):
            let id = ObjectIdentifier(r)
            if path.contains(id) || path.count > 100 { out += "{...}"; return }
            path.append(id)
            defer { path.removeLast() }
            out += "{"
            for (i, (key, value)) in zip(r.keys, r.values).enumerated() {
                if i > 0 { out += ", " }
                if out.utf8.count > Interpreter.maxLength { out += "..."; break }
                out += key + ": "
                show(value, &path, &out)
            }
            out += "}"
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
        // Most strings need no escapes: copy them whole rather than scalar by scalar.
        if !s.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) {
            return "\"" + s + "\""
        }
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
    /// Lists and records nested deeper than this are not compared (`==` says so).
    public static let comparisonDepth = 100

    /// Thrown by `equal` for values nested deeper than `comparisonDepth`.
    public struct NestedTooDeep: Error {}

    public static func equal(_ a: Value, _ b: Value, depth: Int = 0) throws(NestedTooDeep) -> Bool {
        var compared: Set<ObjectPair> = []
        return try equal(a, b, depth: depth, &compared)
    }

    struct ObjectPair: Hashable {
        let a: ObjectIdentifier, b: ObjectIdentifier
    }

    /// `compared`: the pairs of lists and records this `==` has already met. Each pair is
    /// compared once: lists that share sublists (`a = [a, a]` 60 times) are small in memory
    /// but 2^60 paths deep, and comparing two of them path by path never ends (fuzzer
    /// finding). A pair met again is equal, or is still being compared where it was first
    /// met, and the answer is decided there.
    static func equal(_ a: Value, _ b: Value, depth: Int, _ compared: inout Set<ObjectPair>) throws(NestedTooDeep) -> Bool {
        if depth > comparisonDepth { throw NestedTooDeep() }
        switch (a, b) {
        case (.nil, .nil): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.range(let s1, let c1), .range(let s2, let c2)): return s1 == s2 && c1 == c2
        case (.list(let x), .list(let y)):
            if x === y { return true }
            guard x.items.count == y.items.count else { return false }
            if !compared.insert(ObjectPair(a: ObjectIdentifier(x), b: ObjectIdentifier(y))).inserted { return true }
            for (u, v) in zip(x.items, y.items) where try !equal(u, v, depth: depth + 1, &compared) { return false }
            return true
        case (.record(let x), .record(let y)):
            if x === y { return true }
            guard x.keys == y.keys else { return false }
            if !compared.insert(ObjectPair(a: ObjectIdentifier(x), b: ObjectIdentifier(y))).inserted { return true }
            for (u, v) in zip(x.values, y.values) where try !equal(u, v, depth: depth + 1, &compared) { return false }
            return true
        case (.function(let x), .function(let y)): return x === y
        case (.builtin(let x), .builtin(let y)): return x === y
        case (.foreign(let x), .foreign(let y)): return x.isEqual(to: y)
        default: return false
        }
    }
}
