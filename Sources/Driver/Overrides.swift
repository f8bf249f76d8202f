// Overrides: `cdsa run script.cdsa --set name=value`. The rule, precisely:
//
// - A script's settable names are its top-level `let name = literal` statements (in the
//   file itself, not in imports; the first `let` of a name counts), where a literal is a
//   number (optionally negative), a string without interpolation, true, false, nil, or a
//   list or record of literals. A literal field of a record is settable as `name.field`
//   (`cfg.steps`, nested records as `cfg.adam.lr`), also in a record with computed fields
//   (`{lr: 0.01, n: 2 * 3}`: `cfg.lr` is settable; `cfg` and `cfg.n` are not, and setting
//   them says why).
// - VALUE is read as a cdsa literal; if it is not one, it is taken as text, so
//   `--set env=hopper` gives the string "hopper". It must be one line.
// - The value must have the type of the literal it replaces (a nil literal takes anything;
//   a string takes any text as written). A list or record may be replaced by any list or
//   record.
// - The literal's text in the script is replaced before the script is parsed again and
//   run, so the rest of the script sees the new value from its first line. If a name is
//   set twice the last one wins; setting both `cfg` and `cfg.steps` is an error, and so is
//   setting a name the script binds again later at top level (the value set would be lost).
// - Every violation (no `=`, unknown name, wrong type) is a usage error (exit 64); an
//   unknown name lists the script's settable names.

import Language

struct Override: Equatable {
    var path: [String]
    var text: String

    /// Parses `name=value` or `name.field=value`.
    init(_ argument: String) throws(UsageError) {
        guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex else {
            throw UsageError("--set expects name=value, got '\(argument)'")
        }
        path = argument[..<eq].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        text = String(argument[argument.index(after: eq)...])
        if path.contains(where: \.isEmpty) { throw UsageError("--set expects name=value, got '\(argument)'") }
        if text.contains("\n") { throw UsageError("--set \(path.joined(separator: ".")): the value must be one line") }
    }
}

struct UsageError: Error, CustomStringConvertible, Equatable {
    var description: String
    init(_ message: String) { description = message }
}

enum Overrides {
    /// A config value: its dotted name, span in the script and value syntax. A computed one
    /// (a record with a computed field, or that field) is listed so that setting it can say
    /// why it cannot be set.
    struct Setting {
        var name: String
        var span: Span
        var value: Expr
        var isComputed: Bool { !Overrides.isLiteral(value) }
    }

    /// Every config value of a parsed script, in order (a record, then its fields).
    static func settings(of syntax: Syntax) -> [Setting] {
        var found: [Setting] = []
        var seen: Set<String> = []
        func visit(_ name: String, _ e: Expr) {
            found.append(Setting(name: name, span: e.span, value: e))
            if case .record(let fields, _) = e {
                for field in fields { visit(name + "." + field.key, field.value) }
            }
        }
        for case .let(let name, _, let value) in syntax.statements where !seen.contains(name) {
            guard isLiteral(value) || isRecord(value) else { continue }
            seen.insert(name)
            visit(name, value)
        }
        return found
    }

    static func isRecord(_ e: Expr) -> Bool { if case .record = e { true } else { false } }

    /// `cfg.model.lr` as ["cfg", "model", "lr"]; nil for a target that is not a name or fields.
    static func fieldPath(_ target: Expr) -> [String]? {
        switch target {
        case .name(let n, _): return [n]
        case .field(let base, let name, _): return fieldPath(base).map { $0 + [name] }
        default: return nil
        }
    }

    /// Applies the overrides: the script's source with each literal replaced.
    static func apply(_ overrides: [Override], to source: Source) throws(UsageError) -> Source {
        if overrides.isEmpty { return source }
        let (syntax, _) = Parser.parse(source)
        let settings = settings(of: syntax)
        var edits: [(setting: Setting, text: String)] = []
        for o in overrides {
            let name = o.path.joined(separator: ".")
            let names = settings.filter { !$0.isComputed }.map(\.name)
            let settable = names.isEmpty
                ? " (it has none: settable names are top-level `let name = literal`)"
                : "; settable: " + names.joined(separator: ", ")
            guard let setting = settings.first(where: { $0.name == name }) else {
                throw UsageError("--set \(name): '\(name)' is not a top-level config value of \(source.path)" + settable)
            }
            if setting.isComputed {
                let what = isRecord(setting.value) ? "a record with computed fields" : "computed (`\(source.text(of: setting.span))`)"
                throw UsageError("--set \(name): '\(name)' is \(what), not a literal, so it cannot be replaced" + settable)
            }
            // A later top-level `let` or assignment of the name — or of a field on the way to
            // it (`cfg.lr = …` after `--set cfg.lr=…`) — would replace the value set.
            let root = o.path[0]
            for statement in syntax.statements {
                var again: (at: Int, what: String)?
                if case .let(root, let span, _) = statement, span.start > setting.span.start { again = (span.start, root) }
                if case .assign(let target, _, let span) = statement, span.start > setting.span.start,
                   let path = fieldPath(target), o.path.starts(with: path) { again = (span.start, path.joined(separator: ".")) }
                if let again {
                    throw UsageError("--set \(name): \(source.path) binds '\(again.what)' again on line \(source.location(of: again.at).line), so the value set would not be the one it uses")
                }
            }
            let text = try literalText(o.text, replacing: setting.value, name: name)
            edits.removeAll { $0.setting.name == name }
            for other in edits where overlaps(other.setting.span, setting.span) {
                throw UsageError("--set \(other.setting.name) and --set \(name) overlap; set one of them")
            }
            edits.append((setting, text))
        }
        var bytes = Array(source.text.utf8)
        for edit in edits.sorted(by: { $0.setting.span.start > $1.setting.span.start }) {
            bytes.replaceSubrange(edit.setting.span.start..<edit.setting.span.end, with: Array(edit.text.utf8))
        }
        do { return try Source(path: source.path, bytes: bytes) } catch {
            throw UsageError("--set: \(error.message)")
        }
    }

    /// The cdsa text of VALUE for a literal of the same type as `old`.
    static func literalText(_ value: String, replacing old: Expr, name: String) throws(UsageError) -> String {
        let parsed = parseLiteral(value)
        if case .string = old {
            if let parsed, case .string = parsed { return value }
            return quote(value)
        }
        guard let parsed else {
            if case .nil = old { return quote(value) }
            throw UsageError("--set \(name): expected a \(typeName(old)), got '\(value)'")
        }
        if case .nil = old { return value }
        guard typeName(parsed) == typeName(old) else {
            throw UsageError("--set \(name): expected a \(typeName(old)), got a \(typeName(parsed)) ('\(value)')")
        }
        return value
    }

    /// VALUE as a literal expression, or nil if it is not exactly one literal.
    static func parseLiteral(_ text: String) -> Expr? {
        guard let source = try? Source(path: "--set", text: "let value = " + text) else { return nil }
        let (syntax, errors) = Parser.parse(source)
        guard errors.isEmpty, syntax.statements.count == 1,
              case .let(_, _, let e) = syntax.statements[0], isLiteral(e) else { return nil }
        return e
    }

    static func isLiteral(_ e: Expr) -> Bool {
        switch e {
        case .number, .string, .bool, .nil: return true
        case .unary(.negate, .number, _): return true
        case .list(let items, _): return items.allSatisfy(isLiteral)
        case .record(let fields, _): return fields.allSatisfy { isLiteral($0.value) }
        default: return false
        }
    }

    static func typeName(_ e: Expr) -> String {
        switch e {
        case .number, .unary: return "number"
        case .string: return "string"
        case .bool: return "bool"
        case .nil: return "nil"
        case .list: return "list"
        case .record: return "record"
        default: return "literal"
        }
    }

    /// A cdsa string literal spelling `text` (the language's own rendering of a string).
    static func quote(_ text: String) -> String { Value.string(text).repr }

    static func overlaps(_ a: Span, _ b: Span) -> Bool { a.start < b.end && b.start < a.end }
}
