// CSV tables (RFC 4180): a header row of column names, then rows of cells. Reading types
// each unquoted cell — empty is `.empty`, `true`/`false` a bool, a decimal number (or
// nan, inf) a number, anything else a string — and a quoted cell is always a string, so
// the writer quotes exactly the strings that would read back as something else and a
// table round-trips. Errors name the line.

public struct CSV: Equatable, Sendable {
    public enum Cell: Equatable, Sendable {
        case empty
        case bool(Bool)
        case number(Double)
        case string(String)

        public static func == (a: Cell, b: Cell) -> Bool {
            switch (a, b) {
            case (.empty, .empty): return true
            case (.bool(let x), .bool(let y)): return x == y
            case (.number(let x), .number(let y)): return x == y || (x.isNaN && y.isNaN)
            case (.string(let x), .string(let y)): return x == y
            default: return false
            }
        }
    }

    public var header: [String]
    /// Every row has one cell per column.
    public var rows: [[Cell]]

    public init(header: [String], rows: [[Cell]]) {
        self.header = header
        self.rows = rows
    }

    // MARK: Writing

    /// The table as text, one line per row, `\n` line endings.
    public var text: String {
        var out = header.map { Self.field($0, quoteIfTyped: false) }.joined(separator: ",") + "\n"
        for row in rows {
            out += row.map { cell -> String in
                switch cell {
                case .empty: return ""
                case .bool(let b): return b ? "true" : "false"
                case .number(let x): return formatNumber(x)
                case .string(let s): return Self.field(s, quoteIfTyped: true)
                }
            }.joined(separator: ",")
            out += "\n"
        }
        return out
    }

    /// `s` as a field: quoted when it holds a separator, quote or line break, has
    /// surrounding spaces, or (for a cell) would read back as another type.
    static func field(_ s: String, quoteIfTyped: Bool) -> String {
        let special = s.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || s.first?.isWhitespace == true || s.last?.isWhitespace == true
        let typed = quoteIfTyped && !(Self.cell(unquoted: s) == .string(s))
        guard special || typed else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public func write(to path: String) throws {
        try writeText(text, to: path)
    }

    // MARK: Reading

    /// What an unquoted field means.
    static func cell(unquoted raw: String) -> Cell {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return .empty }
        if s == "true" { return .bool(true) }
        if s == "false" { return .bool(false) }
        if let x = number(s) { return .number(x) }
        return .string(raw)
    }

    /// A decimal number (sign, digits, fraction, exponent) or nan/inf in any case; not the
    /// hexadecimal and other forms Swift's `Double(_:)` also accepts.
    static func number(_ s: String) -> Double? {
        switch s.lowercased() {
        case "nan", "+nan", "-nan": return .nan
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: break
        }
        var digits = false, seenDot = false, seenE = false, previous: Character = " "
        for c in s {
            switch c {
            case "0"..."9": digits = true
            case "+", "-": guard previous == " " || previous == "e" || previous == "E" else { return nil }
            case ".": guard !seenDot, !seenE else { return nil }; seenDot = true
            case "e", "E": guard digits, !seenE else { return nil }; seenE = true; digits = false
            default: return nil
            }
            previous = c
        }
        return digits ? Double(s) : nil
    }

    public static func read(from path: String) throws -> CSV {
        try parse(readText(path), source: path)
    }

    /// Parses a table; blank lines are skipped (in a one-column table a blank line is one
    /// empty cell). `source` names the text in errors.
    public static func parse(_ text: String, source: String = "<text>") throws -> CSV {
        var records: [(line: Int, fields: [(text: String, quoted: Bool)])] = []
        var fields: [(text: String, quoted: Bool)] = []
        var field = "", quoted = false, inQuotes = false, afterQuote = false
        var line = 1, recordLine = 1, quoteLine = 1
        func fail(_ reason: String, _ at: Int) -> FileFormatError { FileFormatError(path: source, line: at, reason: reason) }
        func endField() {
            fields.append((field, quoted))
            field = ""; quoted = false; afterQuote = false
        }
        func endRecord() {
            endField()
            records.append((recordLine, fields))
            fields = []
        }
        var chars = text.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    let next = chars.next()
                    if next == "\"" { field.append("\"") } else { inQuotes = false; afterQuote = true; pending = next }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case ",": endField()
            case "\n", "\r\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            case "\"":
                guard field.isEmpty, !afterQuote else {
                    throw fail("a quote inside an unquoted field (quote the whole field and write each quote in it twice)", line)
                }
                inQuotes = true; quoted = true; quoteLine = line
            default:
                if afterQuote {
                    guard c == " " || c == "\t" else { throw fail("text after the closing quote of a field", line) }
                } else {
                    field.append(c)
                }
            }
        }
        if inQuotes { throw fail("unterminated quoted field", quoteLine) }
        if !field.isEmpty || quoted || !fields.isEmpty { endRecord() }

        guard let first = records.first else { throw FileFormatError(path: source, reason: "empty file, expected a header row") }
        let header = first.fields.map(\.text)
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            throw fail("column name \(jsonQuoted(name)) appears twice in the header", first.line)
        }
        var rows: [[Cell]] = []
        for record in records.dropFirst() {
            let blank = record.fields.count == 1 && record.fields[0].text.isEmpty && !record.fields[0].quoted
            if blank && header.count > 1 { continue }
            guard record.fields.count == header.count else {
                throw fail("\(record.fields.count) field\(record.fields.count == 1 ? "" : "s"), but the header has \(header.count)", record.line)
            }
            rows.append(record.fields.map { $0.quoted ? .string($0.text) : cell(unquoted: $0.text) })
        }
        return CSV(header: header, rows: rows)
    }
}
