// Help text, one implementation for the REPL's `:help name` and the `help` built-in: a
// built-in's signature and doc from its registration table, a cdsa function's signature
// with its defaults and the `#` comment above its definition, a variable's type and value.

import Foundation

extension Interpreter {
    /// What `:help name` and `help("name")` show.
    public func help(for name: String) -> String {
        if let b = builtin(named: name) { return help(for: b) }
        guard let value = globals[name] else {
            if TokenKind.keywords[name] != nil { return "'\(name)' is a keyword; see docs/language.md" }
            let close = globals.names.filter { $0.hasPrefix(String(name.prefix(2))) }.sorted().prefix(8)
            return "no built-in or variable named '\(name)'" + (close.isEmpty ? "" : " (names like it: \(close.joined(separator: ", ")))")
        }
        return help(for: value, named: name)
    }

    /// What `help(x)` shows for a value (`name`: what the caller calls it, if known).
    public func help(for value: Value, named name: String? = nil) -> String {
        switch value {
        case .builtin(let b):
            return help(for: b)
        case .function(let f):
            return f.signature(as: name) + (f.comment.map { "\n  " + $0 } ?? "")
        case .foreign(let x):
            let fields = x.fieldNames.isEmpty ? "" : "\n  fields: " + x.fieldNames.joined(separator: ", ")
            return (name.map { "\($0): " } ?? "") + "\(x.typeName) = \(Interpreter.short(value))" + fields
        default:
            return (name.map { "\($0): " } ?? "") + "\(value.typeName) = \(Interpreter.short(value))"
        }
    }

    func help(for b: Builtin) -> String {
        let library = libraries.first { $0.entries.contains { $0 === b } }?.name
        return "\(b.signature)\n  \(b.doc)" + (library.map { "  [\($0) library]" } ?? "")
    }

    /// What `help()` shows: how to ask, then the built-ins by library and the prelude's
    /// functions, wrapped.
    public var helpOverview: String {
        var lines = ["help(name) or help(value): a built-in's signature and doc, a function's parameters, a value's type."]
        var groups = libraries.map { ($0.name, $0.entries.map(\.name)) }
        let prelude = globals.names.prefix(globals.libraryCount).filter {
            if case .function = globals[$0] { true } else { false }
        }
        groups.append(("prelude", prelude))
        for (name, names) in groups where !names.isEmpty {
            var line = name + ":"
            let sorted = Set(names).sorted()  // a shared name (`max`) may be registered twice
            for (k, word) in sorted.enumerated() {
                let item = " " + word + (k < sorted.count - 1 ? "," : "")
                if line.count + item.count > 90 { lines.append(line); line = "   " }
                line += item
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// A value's REPL form, cut to one screen line.
    public static func short(_ value: Value) -> String {
        let text = value.repr
        return text.count > 100 ? String(text.prefix(97)) + "..." : text
    }
}

extension Function {
    /// The `#` comment lines just above the function's definition, joined (the prelude
    /// documents its functions this way), or nil.
    var comment: String? {
        let source = code.source
        var line = source.location(of: code.span.start).line - 1
        var doc: [String] = []
        while line >= source.firstLine {
            let text = source.lineText(line).trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("#") else { break }
            doc.insert(String(text.dropFirst()).trimmingCharacters(in: .whitespaces), at: 0)
            line -= 1
        }
        return doc.isEmpty ? nil : doc.joined(separator: " ")
    }
}
