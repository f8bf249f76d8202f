// Token: the lexer's output, one kind per keyword, operator and literal.

public enum TokenKind: Sendable, Equatable {
    case identifier, number, string
    // keywords
    case kwLet, kwFn, kwIf, kwElse, kwFor, kwIn, kwWhile, kwReturn, kwBreak, kwContinue
    case kwTrue, kwFalse, kwNil, kwAnd, kwOr, kwNot, kwImport
    // punctuation
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case comma, dot, colon, semicolon, newline
    case equal, plusEqual, minusEqual, starEqual, slashEqual
    case equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case plus, minus, star, slash, percent, starStar, at, pipe, dotDot, dotDotLess
    /// Something the lexer already reported (a stray character, an unterminated string).
    case invalid
    case eof

    static let keywords: [String: TokenKind] = [
        "let": .kwLet, "fn": .kwFn, "if": .kwIf, "else": .kwElse, "for": .kwFor, "in": .kwIn,
        "while": .kwWhile, "return": .kwReturn, "break": .kwBreak, "continue": .kwContinue,
        "true": .kwTrue, "false": .kwFalse, "nil": .kwNil, "and": .kwAnd, "or": .kwOr,
        "not": .kwNot, "import": .kwImport,
    ]
}

/// A piece of a string literal: literal text, or the byte range of an interpolated `\(expr)`
/// and of its format spec (`\(x:.3f)`), if it has one.
public enum StringPiece: Sendable, Equatable {
    case text(String)
    case code(Span, spec: Span?)
}

public struct Token: Sendable {
    public var kind: TokenKind
    public var span: Span
    /// The identifier's name, or the string's text when it has no interpolation.
    public var text: String = ""
    public var number: Double = 0
    public var pieces: [StringPiece] = []

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .eof: return "end of input"
        case .invalid: return "invalid token"
        case .newline: return "end of line"
        case .identifier: return "'\(text)'"
        case .number: return "number"
        case .string: return "string"
        default: return "'\(TokenKind.spelling[kind] ?? "?")'"
        }
    }
}

extension TokenKind {
    static let spelling: [TokenKind: String] = {
        var table: [TokenKind: String] = [
            .leftParen: "(", .rightParen: ")", .leftBracket: "[", .rightBracket: "]",
            .leftBrace: "{", .rightBrace: "}", .comma: ",", .dot: ".", .colon: ":", .semicolon: ";",
            .equal: "=", .plusEqual: "+=", .minusEqual: "-=", .starEqual: "*=", .slashEqual: "/=",
            .equalEqual: "==", .bangEqual: "!=", .less: "<", .lessEqual: "<=", .greater: ">",
            .greaterEqual: ">=", .plus: "+", .minus: "-", .star: "*", .slash: "/", .percent: "%",
            .starStar: "**", .at: "@", .pipe: "|>", .dotDot: "..", .dotDotLess: "..<",
        ]
        for (word, kind) in keywords { table[kind] = word }
        return table
    }()
}

extension TokenKind: Hashable {}
