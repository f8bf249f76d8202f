// Format specs: Python's format-spec mini-language, the part researchers use, for
// `format(x, spec)` and `"\(x:spec)"`:
//   [[fill]align][sign][0][width][,|_][.precision][type]
// align `<` `>` `^` `=`, sign `+` `-` or space, type `f F e E g G d %` for numbers and `s`
// for text. `format(0.12345, ".3f")` is "0.123", `format(3, ">5")` is "    3".

import Foundation

public struct FormatSpec: Sendable, Equatable {
    var fill: Character = " "
    /// Nil: numbers to the right, text to the left.
    var align: Character?
    var sign: Character = "-"
    var width = 0
    /// "," or "_" between groups of three digits.
    var grouping: Character?
    var precision: Int?
    var type: Character?
    let text: String

    static let maxWidth = 1000, maxPrecision = 100

    public init(_ text: String) throws(ScriptError) {
        self.text = text
        let c = Array(text)
        var i = 0
        func bad(_ why: String) -> ScriptError { ScriptError("bad format spec '\(text)': \(why)") }
        func number() -> Int? {
            var n: Int?
            while i < c.count, let d = c[i].wholeNumberValue, c[i].isASCII {
                n = min((n ?? 0) * 10 + d, 1 << 20)
                i += 1
            }
            return n
        }
        var explicitFill = false
        if c.count >= 2, "<>^=".contains(c[1]) {
            (fill, align, i, explicitFill) = (c[0], c[1], 2, true)
        } else if let first = c.first, "<>^=".contains(first) {
            (align, i) = (first, 1)
        }
        if i < c.count, "+- ".contains(c[i]) { sign = c[i]; i += 1 }
        if i < c.count, c[i] == "0" {
            // Python: zero padding after the sign, or zeros as the fill of an explicit alignment.
            if align == nil { (fill, align) = ("0", "=") } else if !explicitFill { fill = "0" }
            i += 1
        }
        width = number() ?? 0
        if i < c.count, c[i] == "," || c[i] == "_" { grouping = c[i]; i += 1 }
        if i < c.count, c[i] == "." {
            i += 1
            guard let p = number() else { throw bad("a precision must follow '.'") }
            precision = p
        }
        if i < c.count, "fFeEgGd%s".contains(c[i]) { type = c[i]; i += 1 }
        guard i == c.count else { throw bad("unexpected '\(c[i])'") }
        guard width <= FormatSpec.maxWidth else { throw bad("width at most \(FormatSpec.maxWidth)") }
        if let precision, precision > FormatSpec.maxPrecision { throw bad("precision at most \(FormatSpec.maxPrecision)") }
        if type == "d", precision != nil { throw bad("'d' takes no precision") }
        if type == "s", sign != "-" || grouping != nil { throw bad("'s' takes no sign or grouping") }
    }

    /// `v` formatted: numbers (and foreign values standing for one, like a one-element
    /// tensor) by the spec's type, text and other values padded and aligned.
    public func format(_ v: Value) throws(ScriptError) -> String {
        switch v {
        case .number(let x): return try format(number: x)
        case .string(let s): return try format(text: s)
        case .foreign(let f):
            if let x = f.scalar() { return try format(number: x) }
            return try format(text: f.summary, typeName: f.typeName)
        default: return try format(text: v.description, typeName: v.typeName)
        }
    }

    func format(number x: Double) throws(ScriptError) -> String {
        if type == "s" { throw ScriptError("format '\(text)' needs text, got number") }
        let negative = x.sign == .minus && !x.isNaN
        let magnitude = Swift.abs(x)
        var body: String
        if !x.isFinite {
            body = x.isNaN ? "nan" : "inf"
            if let type, type.isUppercase { body = body.uppercased() }
            if type == "%" { body += "%" }
        } else {
            switch type {
            case "d":
                guard x == x.rounded() else { throw ScriptError("format '\(text)' needs a whole number, got \(Value.format(x))") }
                body = String(format: "%.0f", magnitude)
            case "f", "F": body = String(format: "%.*f", precision ?? 6, magnitude)
            case "e", "E": body = String(format: type == "e" ? "%.*e" : "%.*E", precision ?? 6, magnitude)
            case "g", "G": body = String(format: type == "g" ? "%.*g" : "%.*G", precision ?? 6, magnitude)
            case "%": body = String(format: "%.*f", precision ?? 6, magnitude * 100) + "%"
            default: body = precision.map { String(format: "%.*g", $0, magnitude) } ?? Value.format(magnitude)
            }
        }
        let signText = negative ? "-" : sign == "+" ? "+" : sign == " " ? " " : ""
        if let grouping, x.isFinite {
            if fill == "0", align == "=" {
                // Python groups the padding zeros too: format(12, "010,d") is "00,000,012".
                var digits = String(body.prefix { $0.isASCII && $0.isNumber })
                let rest = body.dropFirst(digits.count)
                while signText.count + FormatSpec.group(digits + rest, grouping).count < width { digits = "0" + digits }
                body = digits + rest
            }
            body = FormatSpec.group(body, grouping)
        }
        return pad(signText, body, defaultAlign: ">")
    }

    func format(text: String, typeName: String = "string") throws(ScriptError) -> String {
        guard type == nil || type == "s" else {
            throw ScriptError("format '\(self.text)' needs a number, got \(typeName)")
        }
        guard sign == "-", grouping == nil, align != "=" else {
            throw ScriptError("format '\(self.text)' needs a number, got \(typeName)")
        }
        let shown = precision.map { String(text.prefix($0)) } ?? text
        return pad("", shown, defaultAlign: "<")
    }

    /// Sign and body padded to the width with the fill, by the alignment.
    func pad(_ sign: String, _ body: String, defaultAlign: Character) -> String {
        let missing = width - sign.count - body.count
        guard missing > 0 else { return sign + body }
        let padding = { (n: Int) in String(repeating: fill, count: n) }
        switch align ?? defaultAlign {
        case "<": return sign + body + padding(missing)
        case "^": return padding(missing / 2) + sign + body + padding(missing - missing / 2)
        case "=": return sign + padding(missing) + body
        default: return padding(missing) + sign + body
        }
    }

    /// The digits before the first non-digit, in groups of three: "1234567.5" → "1,234,567.5".
    static func group(_ body: String, _ separator: Character) -> String {
        let digits = body.prefix { $0.isASCII && $0.isNumber }
        var out = ""
        for (k, d) in digits.enumerated() {
            if k > 0, (digits.count - k) % 3 == 0 { out.append(separator) }
            out.append(d)
        }
        return out + body.dropFirst(digits.count)
    }
}
