// The strict JSON reader behind `JSON.parse`: RFC 8259 plus NaN, Infinity and -Infinity
// (which Python's json module writes), duplicate keys refused, nesting limited so a
// hostile file cannot exhaust the stack. Errors name the line and column.

struct JSONReader {
    let text: [UInt8]
    let source: String
    var index = 0
    static let maxDepth = 512

    init(text: [UInt8], source: String) {
        self.text = text
        self.source = source
    }

    /// The error at the current position (1-based line and column, counting characters).
    func fail(_ reason: String, at position: Int? = nil) -> FileFormatError {
        let end = min(position ?? index, text.count)
        var line = 1, lineStart = 0
        for i in 0..<end where text[i] == 0x0A { line += 1; lineStart = i + 1 }
        let column = 1 + String(decoding: text[lineStart..<end], as: UTF8.self).count
        return FileFormatError(path: source, line: line, column: column, reason: reason)
    }

    var peek: UInt8? { index < text.count ? text[index] : nil }

    mutating func skipWhitespace() {
        while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { index += 1 }
    }

    mutating func document() throws -> JSON {
        skipWhitespace()
        guard peek != nil else { throw fail("empty file, expected a JSON value") }
        let value = try self.value(depth: 0)
        skipWhitespace()
        guard peek == nil else { throw fail("unexpected text after the JSON value") }
        return value
    }

    private func describe(_ c: UInt8?) -> String {
        guard let c else { return "the end of the file" }
        return c < 0x80 && c >= 0x20 ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
    }

    mutating func value(depth: Int) throws -> JSON {
        guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
        guard let c = peek else { throw fail("unexpected end of the file, expected a value") }
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try word("true"); return .bool(true)
        case UInt8(ascii: "f"): try word("false"); return .bool(false)
        case UInt8(ascii: "n"): try word("null"); return .null
        case UInt8(ascii: "N"): try word("NaN"); return .number(.nan)
        case UInt8(ascii: "I"): try word("Infinity"); return .number(.infinity)
        case UInt8(ascii: "-") where text.count > index + 1 && text[index + 1] == UInt8(ascii: "I"):
            index += 1
            try word("Infinity")
            return .number(-.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected \(describe(c)), expected a value")
        }
    }

    mutating func object(depth: Int) throws -> JSON {
        index += 1
        var members: [(key: String, value: JSON)] = []
        var seen = Set<String>()
        skipWhitespace()
        if peek == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw fail("expected a string key, found \(describe(peek))") }
            let start = index
            let key = try string()
            guard seen.insert(key).inserted else { throw fail("duplicate key \(jsonQuoted(key))", at: start) }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw fail("expected ':' after the key, found \(describe(peek))") }
            index += 1
            skipWhitespace()
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            if peek == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw fail("expected ',' or '}' in an object, found \(describe(peek))")
        }
    }

    mutating func array(depth: Int) throws -> JSON {
        index += 1
        var items: [JSON] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            if peek == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw fail("expected ',' or ']' in an array, found \(describe(peek))")
        }
    }

    mutating func word(_ w: String) throws {
        let start = index
        for c in w.utf8 {
            guard peek == c else { throw fail("unexpected \(describe(text[start])), expected a value", at: start) }
            index += 1
        }
    }

    mutating func number() throws -> Double {
        let start = index
        func digits() -> Int {
            let s = index
            while let c = peek, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") { index += 1 }
            return index - s
        }
        if peek == UInt8(ascii: "-") { index += 1 }
        if peek == UInt8(ascii: "0") { index += 1 } else if digits() == 0 { throw fail("invalid number", at: start) }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("invalid number: digits expected after '.'", at: start) }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("invalid number: digits expected in the exponent", at: start) }
        }
        return Double(String(decoding: text[start..<index], as: UTF8.self)) ?? .nan
    }

    mutating func string() throws -> String {
        let start = index
        index += 1
        var out = [UInt8]()
        while true {
            guard let c = peek else { throw fail("unterminated string", at: start) }
            index += 1
            switch c {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let e = peek else { throw fail("unterminated string", at: start) }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), peek == UInt8(ascii: "\\"), index + 1 < text.count,
                       text[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("unpaired surrogate in \\u escape") }
                    out.append(contentsOf: String(Character(scalar)).utf8)
                default:
                    throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))' in a string", at: index - 2)
                }
            case 0x0A:
                throw fail("unterminated string (a string cannot span lines)", at: start)
            default:
                guard c >= 0x20 else { throw fail("control character in a string", at: index - 1) }
                out.append(c)
            }
        }
    }

    mutating func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = peek, let d = Character(Unicode.Scalar(c)).hexDigitValue else { throw fail("invalid \\u escape") }
            value = value << 4 | UInt32(d)
            index += 1
        }
        return value
    }
}

/// A string quoted for JSON; non-ASCII characters are written as UTF-8.
func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
