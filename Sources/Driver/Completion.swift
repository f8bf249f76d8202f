// Completion: what Tab offers in the REPL — commands, keywords, every global name (built-ins
// from the registration tables, prelude functions, the user's variables), the fields of a
// record or engine object after a dot (`cfg.<TAB>`), and file paths inside a string.

import Language

enum Completion: Equatable {
    /// Readline's own filename completion (the cursor is inside a string literal).
    case files
    case words([String])
}

struct Completer {
    let session: Session

    static let keywords = ["let", "fn", "if", "else", "for", "in", "while", "return", "break", "continue",
                           "true", "false", "nil", "and", "or", "not", "import"]

    /// `before` is the line up to the word being completed; `word` is that word.
    func complete(before: String, word: String) -> Completion {
        if Completer.isInsideString(before) { return .files }
        let lead = before.drop { $0 == " " }
        if lead.isEmpty, word.hasPrefix(":") {
            return .words(REPL.commands.map { ":" + $0.name }.filter { $0.hasPrefix(word) })
        }
        if let dot = word.lastIndex(of: ".") {
            let base = String(word[..<dot]), prefix = String(word[word.index(after: dot)...])
            return .words(fields(of: base).filter { $0.hasPrefix(prefix) }.map { base + "." + $0 })
        }
        let names = Set(session.globals.names.filter { !$0.isEmpty } + Completer.keywords)
        return .words(names.filter { $0.hasPrefix(word) }.sorted())
    }

    /// The field names of `a.b.c` looked up (never evaluated) through globals and records.
    func fields(of path: String) -> [String] {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, var value = session.globals[first] else { return [] }
        for part in parts.dropFirst() {
            switch value {
            case .record(let r):
                guard let next = r[part] else { return [] }
                value = next
            case .foreign(let f):
                guard let next = try? f.field(part) else { return [] }
                value = next
            default: return []
            }
        }
        switch value {
        case .record(let r): return r.keys
        case .foreign(let f): return f.fieldNames
        default: return []
        }
    }

    /// Whether the end of `text` is inside a string literal (an odd number of unescaped quotes).
    static func isInsideString(_ text: String) -> Bool {
        var inside = false, escaped = false
        for ch in text.unicodeScalars {
            if escaped { escaped = false; continue }
            if ch == "\\" && inside { escaped = true } else if ch == "\"" { inside.toggle() }
            else if ch == "#" && !inside { return false }
        }
        return inside
    }

    /// The longest common prefix of the candidates (what Tab inserts when several match).
    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for w in words.dropFirst() {
            while !w.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}
