// Lexer: bytes → tokens. Newlines are tokens (they end statements); the parser skips them
// inside brackets. Errors are collected and lexing goes on.

struct Lexer {
    let source: Source
    private let b: [UInt8]
    private var i: Int
    private let end: Int
    private(set) var diagnostics: [Diagnostic] = []

    /// Lexes `range` of the source (the whole file, or an interpolated `\(…)`).
    init(source: Source, range: Span? = nil) {
        self.source = source
        b = source.bytes
        i = range?.start ?? 0
        end = range?.end ?? source.bytes.count
    }

    mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        while true {
            let t = next()
            if t.kind == .newline, tokens.last?.kind == .newline || tokens.isEmpty { continue }
            tokens.append(t)
            if t.kind == .eof { return tokens }
        }
    }

    private func peek(_ k: Int = 0) -> UInt8 { i + k < end ? b[i + k] : 0 }

    private mutating func error(_ message: String, _ span: Span, atEnd: Bool = false) {
        var d = Diagnostic(phase: .syntax, message: message, source: source, span: span)
        d.isAtEndOfInput = atEnd
        diagnostics.append(d)
    }

    private mutating func next() -> Token {
        while i < end {
            let c = b[i]
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1; continue }
            if c == UInt8(ascii: "#") { while i < end && b[i] != 0x0A { i += 1 }; continue }
            if c == UInt8(ascii: "\\"), peek(1) == 0x0A { i += 2; continue }  // line continuation
            break
        }
        let start = i
        guard i < end else { return Token(kind: .eof, span: Span(end, end)) }
        let c = b[i]
        i += 1
        func tok(_ k: TokenKind) -> Token { Token(kind: k, span: Span(start, i)) }
        func two(_ second: UInt8, _ yes: TokenKind, _ no: TokenKind) -> Token {
            if peek() == second { i += 1; return tok(yes) }
            return tok(no)
        }
        switch c {
        case 0x0A: return tok(.newline)
        case UInt8(ascii: "("): return tok(.leftParen)
        case UInt8(ascii: ")"): return tok(.rightParen)
        case UInt8(ascii: "["): return tok(.leftBracket)
        case UInt8(ascii: "]"): return tok(.rightBracket)
        case UInt8(ascii: "{"): return tok(.leftBrace)
        case UInt8(ascii: "}"): return tok(.rightBrace)
        case UInt8(ascii: ","): return tok(.comma)
        case UInt8(ascii: ":"): return tok(.colon)
        case UInt8(ascii: ";"): return tok(.semicolon)
        case UInt8(ascii: "@"): return tok(.at)
        case UInt8(ascii: "%"): return tok(.percent)
        case UInt8(ascii: "+"): return two(UInt8(ascii: "="), .plusEqual, .plus)
        case UInt8(ascii: "-"): return two(UInt8(ascii: "="), .minusEqual, .minus)
        case UInt8(ascii: "/"): return two(UInt8(ascii: "="), .slashEqual, .slash)
        case UInt8(ascii: "="): return two(UInt8(ascii: "="), .equalEqual, .equal)
        case UInt8(ascii: "<"): return two(UInt8(ascii: "="), .lessEqual, .less)
        case UInt8(ascii: ">"): return two(UInt8(ascii: "="), .greaterEqual, .greater)
        case UInt8(ascii: "*"):
            if peek() == UInt8(ascii: "*") { i += 1; return tok(.starStar) }
            return two(UInt8(ascii: "="), .starEqual, .star)
        case UInt8(ascii: "!"):
            if peek() == UInt8(ascii: "=") { i += 1; return tok(.bangEqual) }
        case UInt8(ascii: "|"):
            if peek() == UInt8(ascii: ">") { i += 1; return tok(.pipe) }
        case UInt8(ascii: "."):
            if peek() == UInt8(ascii: ".") {
                i += 1
                return two(UInt8(ascii: "<"), .dotDotLess, .dotDot)
            }
            return tok(.dot)
        case UInt8(ascii: "\""): return string(start)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return number(start)
        default:
            if isIdentStart(c) {
                while i < end && (isIdentStart(b[i]) || isDigit(b[i])) { i += 1 }
                let name = String(decoding: b[start..<i], as: UTF8.self)
                var t = tok(TokenKind.keywords[name] ?? .identifier)
                t.text = name
                return t
            }
        }
        // Skip the whole scalar so a multi-byte character is one error.
        while i < end && b[i] & 0xC0 == 0x80 { i += 1 }
        let shown = String(decoding: b[start..<i], as: UTF8.self)
        error("unexpected character '\(shown)'", Span(start, i))
        return Token(kind: .invalid, span: Span(start, i))
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F
    }

    private mutating func number(_ start: Int) -> Token {
        func digits() { while i < end && (isDigit(b[i]) || b[i] == UInt8(ascii: "_")) { i += 1 } }
        digits()
        if peek() == UInt8(ascii: "."), isDigit(peek(1)) { i += 1; digits() }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            let sign = peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-") ? 1 : 0
            if isDigit(peek(1 + sign)) { i += 1 + sign; digits() }
        }
        let text = String(decoding: b[start..<i].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        var t = Token(kind: .number, span: Span(start, i))
        t.number = Double(text) ?? 0
        if isIdentStart(peek()) {
            let s = i
            while i < end && (isIdentStart(b[i]) || isDigit(b[i])) { i += 1 }
            error("invalid number literal", Span(start, i))
            _ = s
        }
        return t
    }

    /// A string literal; `\(` starts an interpolation that runs to the matching `)`.
    private mutating func string(_ start: Int) -> Token {
        var pieces: [StringPiece] = []
        var bytes: [UInt8] = []
        var terminated = true
        func flush() {
            if !bytes.isEmpty { pieces.append(.text(String(decoding: bytes, as: UTF8.self))); bytes = [] }
        }
        while true {
            guard i < end, b[i] != 0x0A else {
                error("unterminated string", Span(start, i), atEnd: i >= end)
                terminated = false
                break
            }
            let c = b[i]
            i += 1
            if c == UInt8(ascii: "\"") { break }
            guard c == UInt8(ascii: "\\") else { bytes.append(c); continue }
            let e = peek()
            i += 1
            switch e {
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(e)
            case UInt8(ascii: "("):
                flush()
                let codeStart = i
                guard let (close, colon) = matchingParen(from: i) else {
                    error("unterminated interpolation", Span(codeStart - 2, codeStart), atEnd: true)
                    i = end
                    return Token(kind: .string, span: Span(start, i), pieces: pieces)
                }
                pieces.append(.code(Span(codeStart, colon ?? close), spec: colon.map { Span($0 + 1, close) }))
                i = close + 1
            default:
                i = min(i, end)
                error("unknown escape '\\\(String(decoding: [e], as: UTF8.self))'", Span(i - 2, i))
            }
        }
        flush()
        var t = Token(kind: terminated ? .string : .invalid, span: Span(start, i))
        if pieces.count == 1, case .text(let s) = pieces[0] { t.text = s } else if !pieces.isEmpty { t.pieces = pieces }
        return t
    }

    /// The offset of the `)` closing an interpolation, skipping nested strings and parens,
    /// and of the `:` starting its format spec: the first outside any bracket of the
    /// interpolation's own code (a slice's or a record's colon is inside one), after which
    /// the spec is plain text up to the `)`. Iterative, so deeply nested interpolations
    /// cannot overflow the stack here.
    private func matchingParen(from: Int) -> (close: Int, colon: Int?)? {
        var j = from
        var stack: [Bool] = [false]  // true: inside a string; false: inside parens
        var parens: [Int] = [0]
        var brackets = 0  // `[` and `{` open in the interpolation's own code
        while j < end {
            let c = b[j]
            if stack.last! {
                if c == UInt8(ascii: "\"") { stack.removeLast(); parens.removeLast() }
                else if c == 0x0A { return nil }
                else if c == UInt8(ascii: "\\") {
                    if j + 1 < end, b[j + 1] == UInt8(ascii: "(") { stack.append(false); parens.append(0) }
                    j += 1
                }
            } else {
                if c == UInt8(ascii: "\"") { stack.append(true); parens.append(0) }
                else if c == UInt8(ascii: "(") { parens[parens.count - 1] += 1 }
                else if c == UInt8(ascii: ")") {
                    if parens.last! == 0 {
                        stack.removeLast(); parens.removeLast()
                        if stack.isEmpty { return (j, nil) }
                    } else { parens[parens.count - 1] -= 1 }
                } else if stack.count == 1, c == UInt8(ascii: "[") || c == UInt8(ascii: "{") {
                    brackets += 1
                } else if stack.count == 1, c == UInt8(ascii: "]") || c == UInt8(ascii: "}") {
                    brackets -= 1
                } else if stack.count == 1, parens[0] == 0, brackets <= 0, c == UInt8(ascii: ":") {
                    var k = j + 1
                    while k < end, b[k] != UInt8(ascii: ")"), b[k] != 0x0A { k += 1 }
                    return k < end && b[k] == UInt8(ascii: ")") ? (k, j) : nil
                } else if c == UInt8(ascii: "#") {
                    while j < end && b[j] != 0x0A { j += 1 }
                    continue
                }
            }
            j += 1
        }
        return nil
    }
}
