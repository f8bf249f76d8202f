// Operators beyond the two-number fast path, indexing, slicing and fields. Foreign values
// (tensors…) get every operator through `ForeignValue`.

import Foundation

extension Interpreter {
    func binary(_ op: BinaryOperator, _ a: Value, _ b: Value, _ source: Source, _ span: Span) throws -> Value {
        if case .foreign(let x) = a, let v = try foreign({ try x.binary(op, b, selfOnLeft: true) }, source, span) { return v }
        if case .foreign(let y) = b, let v = try foreign({ try y.binary(op, a, selfOnLeft: false) }, source, span) { return v }
        switch (op, a, b) {
        case (.equal, _, _), (.notEqual, _, _):
            do { return .bool(try Value.equal(a, b) == (op == .equal)) } catch {
                throw RuntimeError("'\(op.rawValue)' compares lists and records nested at most \(Value.comparisonDepth) levels deep", source, span)
            }
        case (.add, .string(let x), .string(let y)):
            try checkLength(x.utf8.count + y.utf8.count, "string", source, span)
            return .string(x + y)
        case (.add, .list(let x), .list(let y)):
            try checkLength(x.items.count + y.items.count, "list", source, span)
            return .list(List(x.items + y.items))
        case (.less, .string(let x), .string(let y)): return .bool(x < y)
        case (.lessEqual, .string(let x), .string(let y)): return .bool(x <= y)
        case (.greater, .string(let x), .string(let y)): return .bool(x > y)
        case (.greaterEqual, .string(let x), .string(let y)): return .bool(x >= y)
        case (.multiply, .string(let s), .number(let n)), (.multiply, .number(let n), .string(let s)):
            guard n >= 0, n == n.rounded() else { break }
            if s.isEmpty || n == 0 { return .string("") }  // also `"" * 1e300`: no Int(n) to trap on
            // Checked before repeating: `s * n` may ask for far more than memory holds.
            if Double(s.utf8.count) * n > Double(Interpreter.maxLength) {
                throw RuntimeError(Interpreter.tooLong("string").message, source, span)
            }
            return .string(String(repeating: s, count: Int(n)))
        default: break
        }
        throw RuntimeError("operator '\(op.rawValue)' not defined for \(a.typeName) and \(b.typeName)", source, span)
    }

    func checkLength(_ count: Int, _ what: String, _ source: Source, _ span: Span) throws {
        if count > Interpreter.maxLength { throw RuntimeError(Interpreter.tooLong(what).message, source, span) }
    }

    /// `for x in v` over a value that is not a range, list, string or record: a foreign
    /// value's iterator.
    func iterator(_ v: Value, _ source: Source, _ span: Span) throws -> () throws -> Value? {
        if case .foreign(let x) = v {
            do {
                if let next = try x.makeIterator() { return next }
            } catch {
                throw RuntimeError("\(error)", source, span)
            }
        }
        throw RuntimeError("cannot iterate over \(withArticle(v.typeName))", source, span)
    }

    func negate(_ v: Value, _ source: Source, _ span: Span) throws -> Value {
        if case .foreign(let x) = v, let r = try foreign({ try x.negate() }, source, span) { return r }
        throw RuntimeError("operator '-' not defined for \(v.typeName)", source, span)
    }

    /// Runs a foreign operation, turning whatever it throws into a located runtime error.
    func foreign(_ body: () throws -> Value?, _ source: Source, _ span: Span) throws -> Value? {
        do { return try body() } catch let e as RuntimeError { throw e } catch {
            throw RuntimeError("\(error)", source, span)
        }
    }

    /// A list position from a number; negative counts from the end.
    func position(_ index: Value, count: Int, _ what: String, _ source: Source, _ span: Span) throws -> Int {
        guard case .number(let x) = index else {
            throw RuntimeError("\(what) index must be a number, got \(index.typeName)", source, span)
        }
        guard x == x.rounded(), abs(x) < 1e15 else {
            throw RuntimeError("\(what) index must be a whole number, got \(Value.format(x))", source, span)
        }
        let i = Int(x) < 0 ? Int(x) + count : Int(x)
        guard i >= 0, i < count else {
            throw RuntimeError("index \(Value.format(x)) out of range for \(what) of length \(count)", source, span)
        }
        return i
    }

    func index(_ base: Value, _ index: Value, _ source: Source, _ span: Span) throws -> Value {
        switch base {
        case .list(let l):
            return l.items[try position(index, count: l.items.count, "list", source, span)]
        case .string(let s):
            let chars = Array(s)
            return .string(String(chars[try position(index, count: chars.count, "string", source, span)]))
        case .range(let start, let count):
            return .number(start + Double(try position(index, count: count, "range", source, span)))
        case .record(let r):
            guard case .string(let key) = index else {
                throw RuntimeError("record index must be a string, got \(index.typeName)", source, span)
            }
            return try field(.record(r), key, source, span)
        case .foreign(let x):
            if let v = try foreign({ try x.index(index) }, source, span) { return v }
        default: break
        }
        throw RuntimeError("cannot index \(withArticle(base.typeName))", source, span)
    }

    /// `base[items] = value`. Lists and records change in place (they are shared) and give
    /// nil; a foreign value gives its updated copy, for the caller to store back.
    func setItem(_ base: Value, _ items: [Subscript], _ value: Value, _ source: Source, _ span: Span) throws -> Value? {
        if items.count == 1, case .index(let index) = items[0] { return try setItem(base, index: index, value, source, span) }
        switch base {
        case .list, .record:
            throw RuntimeError(oneSubscript(base, items), source, span)
        case .foreign(let x):
            if let v = try foreign({ try x.updating(items, to: value) }, source, span) { return v }
        default: break
        }
        throw RuntimeError("cannot assign to an element of \(withArticle(base.typeName))", source, span)
    }

    /// `base[index] = value`: `setItem` with one index, without a subscript array unless
    /// the base is a foreign value.
    func setItem(_ base: Value, index: Value, _ value: Value, _ source: Source, _ span: Span) throws -> Value? {
        switch base {
        case .list(let l):
            l.items[try position(index, count: l.items.count, "list", source, span)] = value
            return nil
        case .record(let r):
            guard case .string(let key) = index else {
                throw RuntimeError("record index must be a string, got \(index.typeName)", source, span)
            }
            if let check = r.willAssign { _ = try foreign({ try check(key, value); return nil }, source, span) }
            r[key] = value
            return nil
        case .foreign(let x):
            if let v = try foreign({ try x.updating([.index(index)], to: value) }, source, span) { return v }
        default: break
        }
        throw RuntimeError("cannot assign to an element of \(withArticle(base.typeName))", source, span)
    }

    /// `base[a, b:c, …]`: several subscripts, which only foreign values (tensors) take.
    func subscripts(_ base: Value, _ items: [Subscript], _ source: Source, _ span: Span) throws -> Value {
        switch base {
        case .list, .record, .string, .range:
            throw RuntimeError(oneSubscript(base, items), source, span)
        case .foreign(let x):
            if let v = try foreign({ try x.subscripted(items) }, source, span) { return v }
        default: break
        }
        throw RuntimeError("cannot index \(withArticle(base.typeName))", source, span)
    }

    private func oneSubscript(_ base: Value, _ items: [Subscript]) -> String {
        let what = items.count == 1 ? "a slice" : "\(items.count) subscripts"
        return "\(withArticle(base.typeName)) takes one index, got \(what)"
    }

    /// `base[lo:hi]`, Python-style: missing ends mean the whole side, negatives count from
    /// the end, out-of-range ends are clamped.
    func slice(_ base: Value, _ lo: Value, _ hi: Value, _ source: Source, _ span: Span) throws -> Value {
        func bound(_ v: Value, _ count: Int, _ fallback: Int) throws -> Int {
            do { return try sliceBound(v, count: count, fallback: fallback) } catch { throw RuntimeError(error.message, source, span) }
        }
        switch base {
        case .list(let l):
            let n = l.items.count
            let a = try bound(lo, n, 0), b = try bound(hi, n, n)
            return .list(List(a < b ? Array(l.items[a..<b]) : []))
        case .string(let s):
            let chars = Array(s)
            let a = try bound(lo, chars.count, 0), b = try bound(hi, chars.count, chars.count)
            return .string(a < b ? String(chars[a..<b]) : "")
        case .range(let start, let count):
            let a = try bound(lo, count, 0), b = try bound(hi, count, count)
            return .range(start: start + Double(a), count: max(0, b - a))
        case .foreign(let x):
            if let v = try foreign({ try x.slice(lo, hi) }, source, span) { return v }
        default: break
        }
        throw RuntimeError("cannot slice \(withArticle(base.typeName))", source, span)
    }

    func field(_ base: Value, _ name: String, _ source: Source, _ span: Span) throws -> Value {
        switch base {
        case .record(let r):
            if let v = r[name] { return v }
            var message = "record has no field '\(name)'"
            if let guess = Resolver.closest(to: name, in: Set(r.keys)) { message += " (did you mean '\(guess)'?)" }
            throw RuntimeError(message, source, span)
        case .foreign(let x):
            if let v = try foreign({ try x.field(name) }, source, span) { return v }
            var message = "\(x.typeName) has no field '\(name)'"
            if let guess = Resolver.closest(to: name, in: Set(x.fieldNames)) { message += " (did you mean '\(guess)'?)" }
            throw RuntimeError(message, source, span)
        default:
            throw RuntimeError("\(withArticle(base.typeName)) has no fields (reading '.\(name)')", source, span)
        }
    }

    func setField(_ base: Value, _ name: String, _ value: Value, _ source: Source, _ span: Span) throws {
        switch base {
        case .record(let r):
            if let check = r.willAssign { _ = try foreign({ try check(name, value); return nil }, source, span) }
            r[name] = value
        case .foreign(let x):
            var done = false
            _ = try foreign({ done = try x.setField(name, to: value); return nil }, source, span)
            if !done { throw RuntimeError("cannot set field '\(name)' on \(withArticle(x.typeName))", source, span) }
        default:
            throw RuntimeError("cannot set field '\(name)' on \(withArticle(base.typeName))", source, span)
        }
    }
}
