// The core library: the built-ins every session has, registered like any engine library.
// Everything that can be written in cdsa lives in stdlib/prelude.cdsa instead.

import Foundation

public enum CoreLibrary {
    public static var library: Library {
        Library(name: "core", entries: io + data + math)
    }

    static var io: [Builtin] { [
        Builtin("print", variadic: BuiltinParameter("values"),
                keywordOnly: [.init("sep", .string, default: .string(" ")), .init("end", .string, default: .string("\n"))],
                doc: "Print values separated by sep, then end (a space and a newline by default).") { a in
            let text = a.rest.map(\.description).joined(separator: try a.string(0)) + (try a.string(1))
            try Interpreter.checkLength(text.utf8.count, "string")
            a.interpreter.output(text)
            return .nil
        },
        Builtin("format", [.init("x"), .init("spec", .string, default: .string(""))],
                doc: "x as text by a Python format spec: format(0.5, \".3f\") is \"0.500\"; also \">10\", \"8.2e\", \",d\", \".1%\".") { a in
            let text = try a.string(1), spec: FormatSpec
            do { spec = try FormatSpec(text) } catch { throw a.bad(1, "\(error)") }
            return .string(try spec.format(a[0]))
        },
        Builtin("str", [.init("x")], doc: "The text `print` shows for x.") { a in .string(a[0].description) },
        Builtin("repr", [.init("x")], doc: "The text the REPL shows for x (strings quoted).") { a in .string(a[0].repr) },
        Builtin("type", [.init("x")], doc: "The name of x's type: number, string, bool, nil, list, record, range, function, or an engine type.") { a in
            .string(a[0].typeName)
        },
        Builtin("assert", [.init("condition"), .init("message", .string, default: .string("assertion failed"))],
                doc: "Stop with an error unless condition is true.") { a in
            if try !a[0].truth() { throw ScriptError(try a.string(1)) }
            return .nil
        },
        Builtin("error", [.init("message", .string)], doc: "Stop with a runtime error.") { a in
            throw ScriptError(try a.string(0))
        },
        Builtin("help", [.init("x", default: .nil)],
                doc: "Print help on a built-in, function or value (help(\"mlp\") or help(mlp), as :help mlp); help() lists the built-ins.") { a in
            let text: String
            switch a[0] {
            case .nil: text = a.interpreter.helpOverview
            case .string(let name): text = a.interpreter.help(for: name)
            default: text = a.interpreter.help(for: a[0])
            }
            a.interpreter.output(text + "\n")
            return .nil
        },
        Builtin("clock", doc: "Seconds since an arbitrary start, for timing.") { _ in
            .number(Double(DispatchTime.now().uptimeNanoseconds) / 1e9)
        },
    ] }

    static var data: [Builtin] { [
        Builtin("len", [.init("x")], doc: "Number of items in a list, characters in a string, fields in a record, numbers in a range, rows of a tensor (its first axis) or transitions of a dataset.") { a in
            switch a[0] {
            case .list(let l): return .number(Double(l.items.count))
            case .string(let s): return .number(Double(s.count))
            case .record(let r): return .number(Double(r.keys.count))
            case .range(_, let n): return .number(Double(n))
            case .foreign(let x):
                let n: Int?
                do { n = try x.length() } catch { throw a.bad(0, "\(error)") }
                if let n { return .number(Double(n)) }
            default: break
            }
            throw a.bad(0, "list, string, record, range, tensor or dataset expected, got \(a[0].typeName)")
        },
        Builtin("range", [.init("start", .number), .init("stop", .number, default: .nil), .init("step", .number, default: .number(1))],
                doc: "range(n) is 0..<n; range(a, b, step) counts from a up to (not including) b.") { a in
            var (lo, hi) = (0.0, try a.number(0))
            if case .number(let stop) = a[1] { lo = hi; hi = stop }
            let step = try a.number(2)
            guard lo.isFinite, hi.isFinite else { throw a.bad(isNil(a[1]) ? 0 : 1, "finite number expected") }
            if step == 1 {
                let n = max(0, (hi - lo).rounded(.up))
                if let tooLong = rangeTooLong(n) { throw a.bad(isNil(a[1]) ? 0 : 1, tooLong) }
                return .range(start: lo, count: Int(n))
            }
            guard step != 0, step.isFinite else { throw a.bad(2, "non-zero step expected") }
            let n = max(0, ((hi - lo) / step).rounded(.up))
            guard n <= Double(Interpreter.maxLength) else { throw a.bad(2, "range too long") }
            return .list(List((0..<Int(n)).map { .number(lo + Double($0) * step) }))
        },
        Builtin("list", [.init("x", .either([.list, .range, .string]))], doc: "A new list of the items of a list, range or string.") { a in
            switch a[0] {
            case .list(let l): return .list(List(l.items))
            case .range(let s, let n):
                // A range is lazy and may count to 1e15; its list must fit in memory.
                guard n <= Interpreter.maxLength else { throw a.bad(0, "range too long for a list") }
                return .list(List((0..<n).map { .number(s + Double($0)) }))
            case .string(let s): return .list(List(s.map { .string(String($0)) }))
            default: return .nil
            }
        },
        Builtin("append", [.init("list", .list), .init("x")], doc: "Add x at the end of the list (in place); returns the list.") { a in
            try a.list(0).items.append(a[1])
            return a[0]
        },
        Builtin("pop", [.init("list", .list)], doc: "Remove and return the last item of the list.") { a in
            let l = try a.list(0)
            guard let last = l.items.popLast() else { throw a.bad(0, "non-empty list expected") }
            return last
        },
        Builtin("keys", [.init("record", .record)], doc: "The field names of a record, in order.") { a in
            .list(List(try a.record(0).keys.map { .string($0) }))
        },
        Builtin("has", [.init("record", .record), .init("name", .string)], doc: "Whether the record has the field.") { a in
            .bool(try a.record(0)[a.string(1)] != nil)
        },
        Builtin("join", [.init("items", .list), .init("separator", .string, default: .string(""))],
                doc: "The items as text, joined by separator.") { a in
            let separator = try a.string(1)
            var text = ""
            for (i, item) in try a.list(0).items.enumerated() {
                if i > 0 { text += separator }
                text += item.description
                try Interpreter.checkLength(text.utf8.count, "string")  // a list may hold one long string many times
            }
            return .string(text)
        },
        Builtin("split", [.init("text", .string), .init("separator", .string, default: .string(" "))],
                doc: "The pieces of text between separators.") { a in
            let sep = try a.string(1)
            guard !sep.isEmpty else { throw a.bad(1, "non-empty string expected") }
            return .list(List(try a.string(0).components(separatedBy: sep).map { .string($0) }))
        },
        Builtin("sort", [.init("items", .list), .init("key", .function, default: .nil)],
                doc: "A sorted copy of a list of numbers or strings, optionally by key(item).") { a in
            let items = try a.list(0).items
            let keys = isNil(a[1]) ? items : try items.map { try a.call(a[1], [$0]) }
            var failure: ScriptError?
            let order = keys.indices.sorted { i, j in
                switch (keys[i], keys[j]) {
                case (.number(let x), .number(let y)): return x < y
                case (.string(let x), .string(let y)): return x < y
                default:
                    failure = a.bad(0, "numbers or strings expected, got \(keys[i].typeName) and \(keys[j].typeName)")
                    return false
                }
            }
            if let failure { throw failure }
            return .list(List(order.map { items[$0] }))
        },
        Builtin("number", [.init("text", .string)], doc: "The decimal number a string spells (spaces and newlines around it ignored), or nil.") { a in
            let text = try a.string(0).trimmingCharacters(in: .whitespacesAndNewlines)
            // Decimal only: Swift's Double(String) also reads hexadecimal ("0x10" is 16).
            if text.lowercased().contains("x") { return .nil }
            // Underscores between digits group them, as in a literal (1_000_000).
            let chars = Array(text)
            let grouped = chars.indices.allSatisfy { i in
                chars[i] != "_" || (i > 0 && i < chars.count - 1 && chars[i - 1].isNumber && chars[i + 1].isNumber)
            }
            guard grouped else { return .nil }
            return Double(text.replacingOccurrences(of: "_", with: "")).map { .number($0) } ?? .nil
        },
    ] }

    static func unary(_ name: String, _ doc: String, _ f: @escaping (Double) -> Double) -> Builtin {
        Builtin(name, [.init("x", .number)], doc: doc) { a in .number(f(try a.number(0))) }
    }

    static var math: [Builtin] { [
        unary("abs", "Absolute value.") { Swift.abs($0) },
        unary("floor", "Largest whole number ≤ x.") { $0.rounded(.down) },
        unary("ceil", "Smallest whole number ≥ x.") { $0.rounded(.up) },
        Builtin("round", [.init("x", .number), .init("digits", .integer, default: .number(0))],
                doc: "x rounded to digits decimal places (halves away from zero); round(x) is the nearest whole number.") { a in
            let x = try a.number(0), digits = try a.integer(1)
            guard (-15...15).contains(digits) else { throw a.bad(1, "digits between -15 and 15 expected, got \(digits)") }
            let scale = Foundation.pow(10, Double(digits))
            return .number(digits == 0 ? x.rounded() : (x * scale).rounded() / scale)
        },
        unary("sqrt", "Square root (nan for negative x).") { $0.squareRoot() },
        unary("exp", "e to the power x.") { Foundation.exp($0) },
        unary("log", "Natural logarithm (-inf at 0, nan below).") { Foundation.log($0) },
        Builtin("min", [.init("a", .number)], variadic: BuiltinParameter("rest", .number), doc: "The smallest of the numbers.") { a in
            .number(try a.rest.reduce(a.number(0)) { if case .number(let x) = $1 { Swift.min($0, x) } else { $0 } })
        },
        Builtin("max", [.init("a", .number)], variadic: BuiltinParameter("rest", .number), doc: "The largest of the numbers.") { a in
            .number(try a.rest.reduce(a.number(0)) { if case .number(let x) = $1 { Swift.max($0, x) } else { $0 } })
        },
    ] }
}
