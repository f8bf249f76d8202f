// Parser: tokens → Syntax, by recursive descent (statements here, expressions in
// ParserExpressions.swift). A syntax error abandons the statement, skips to the next
// statement boundary and goes on, so one run reports every error. Nesting is bounded so
// hostile input gets an error, not a stack overflow.

/// Thrown to abandon the current statement; the diagnostic is already recorded.
struct ParseError: Error {}

public struct Parser {
    /// Brackets, blocks and operator chains nested deeper than this are an error.
    public static let maxDepth = 200

    let source: Source
    var tokens: [Token]
    var p = 0
    var depth = 0
    var diagnostics: [Diagnostic] = []
    /// Set by a nesting error: the rest of the input is skipped, with no further errors.
    var abandoned = false

    init(source: Source, tokens: [Token]) {
        self.source = source
        self.tokens = tokens
    }

    /// Lexes and parses a whole file. Returns the syntax and every error found.
    public static func parse(_ source: Source) -> (Syntax, [Diagnostic]) {
        var lexer = Lexer(source: source)
        let tokens = lexer.tokenize()
        var parser = Parser(source: source, tokens: tokens)
        let statements = parser.program()
        let all = (lexer.diagnostics + parser.diagnostics).sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        return (Syntax(source: source, statements: statements), all)
    }

    // MARK: tokens

    var current: Token { tokens[p] }
    var kind: TokenKind { tokens[p].kind }
    func peekKind(_ k: Int) -> TokenKind { tokens[min(p + k, tokens.count - 1)].kind }

    @discardableResult
    mutating func advance() -> Token {
        let t = tokens[p]
        if p < tokens.count - 1 { p += 1 }
        return t
    }

    mutating func match(_ k: TokenKind) -> Bool {
        if kind == k { advance(); return true }
        return false
    }

    mutating func skipNewlines() { while kind == .newline { advance() } }

    @discardableResult
    mutating func expect(_ k: TokenKind, _ what: String) throws(ParseError) -> Token {
        if kind == k { return advance() }
        throw error("expected \(what), found \(current.display)")
    }

    /// Records an error at the current token (or the given span) and returns the unwinder.
    /// `atEnd`: the input ended too soon (a REPL asks for another line); by default, when
    /// the error is at the end of input.
    mutating func error(_ message: String, at span: Span? = nil, atEnd: Bool? = nil) -> ParseError {
        // An invalid token was reported by the lexer; don't pile a second error on it.
        if abandoned || (span == nil && kind == .invalid) { return ParseError() }
        var d = Diagnostic(phase: .syntax, message: message, source: source, span: span ?? current.span)
        d.isAtEndOfInput = atEnd ?? (span == nil && kind == .eof)
        diagnostics.append(d)
        return ParseError()
    }

    /// Expects the token that closes the bracket `open`. When the input ends first, or a
    /// statement starts (`let`, `while`… cannot be inside an expression), the bracket was
    /// never closed: the error is at it, the one place that says which bracket that is.
    /// Any other token is the error, and the message says where the bracket opened.
    @discardableResult
    mutating func closing(_ k: TokenKind, _ what: String, open: Token) throws(ParseError) -> Token {
        if kind == k { return advance() }
        let bracket = "'\(TokenKind.spelling[open.kind] ?? "?")'"
        let (line, column) = source.location(of: open.span.start)
        switch kind {
        case .eof:
            throw error("\(bracket) is never closed: expected \(what) before the end of input", at: open.span, atEnd: true)
        case .kwLet, .kwWhile, .kwReturn, .kwBreak, .kwContinue, .kwImport:
            let at = source.location(of: current.span.start).line
            throw error("\(bracket) is never closed: expected \(what) before \(current.display) on line \(at)", at: open.span)
        default:
            throw error("expected \(what), found \(current.display) (to close the \(bracket) at \(line):\(column))")
        }
    }

    /// Enters one level of nesting; too deep is an error.
    mutating func nest() throws(ParseError) {
        depth += 1
        if depth > Parser.maxDepth {
            let e = error("nesting is too deep (more than \(Parser.maxDepth) levels)")
            abandoned = true
            p = tokens.count - 1
            throw e
        }
    }

    /// Skips to the next statement boundary at this block's level: past a newline or `;`,
    /// or up to (not past) the `}` closing the block.
    mutating func synchronize() {
        var braces = 0
        while kind != .eof {
            switch kind {
            case .leftBrace: braces += 1
            case .rightBrace:
                if braces == 0 { return }
                braces -= 1
            case .newline, .semicolon:
                if braces == 0 { advance(); return }
            default: break
            }
            advance()
        }
    }

    // MARK: statements

    mutating func program() -> [Stmt] {
        var statements: [Stmt] = []
        while true {
            while kind == .newline || kind == .semicolon { advance() }
            if kind == .eof { return statements }
            if kind == .rightBrace {
                _ = error("unexpected '}'")
                advance()
                continue
            }
            statementInto(&statements)
        }
    }

    /// Parses one statement and its terminator, recovering on error.
    mutating func statementInto(_ statements: inout [Stmt]) {
        let savedDepth = depth
        do {
            statements.append(try statement())
            switch kind {
            case .newline, .semicolon: advance()
            case .rightBrace, .eof: break
            default: throw error("expected end of statement, found \(current.display)")
            }
        } catch {
            depth = savedDepth
            synchronize()
        }
    }

    mutating func block() throws(ParseError) -> [Stmt] {
        let open = try expect(.leftBrace, "'{'")
        try nest()
        defer { depth -= 1 }
        var statements: [Stmt] = []
        while true {
            while kind == .newline || kind == .semicolon { advance() }
            if kind == .rightBrace { advance(); return statements }
            if kind == .eof { try closing(.rightBrace, "'}' to close the block", open: open) }
            statementInto(&statements)
        }
    }

    mutating func statement() throws(ParseError) -> Stmt {
        let start = current.span
        switch kind {
        case .kwLet:
            advance()
            let name = try expect(.identifier, "a name after 'let'")
            try expect(.equal, "'=' after the name")
            skipNewlines()
            return .let(name: name.text, nameSpan: name.span, value: try expression())
        case .kwFn where peekKind(1) == .identifier:
            advance()
            return .function(try functionRest(start: start))
        case .kwIf:
            return try ifStatement()
        case .kwWhile:
            advance()
            let condition = try expression()
            let body = try block()
            return .while(condition: condition, body: body, start.to(condition.span))
        case .kwFor:
            advance()
            let name = try expect(.identifier, "a loop variable after 'for'")
            try expect(.kwIn, "'in' after the loop variable")
            let sequence = try expression()
            let body = try block()
            return .for(name: name.text, nameSpan: name.span, sequence: sequence, body: body, start.to(sequence.span))
        case .kwReturn:
            advance()
            if [.newline, .semicolon, .rightBrace, .eof].contains(kind) { return .return(nil, start) }
            let value = try expression()
            return .return(value, start.to(value.span))
        case .kwBreak: advance(); return .break(start)
        case .kwContinue: advance(); return .continue(start)
        case .kwImport:
            advance()
            let name = try expect(.string, "a module name in quotes after 'import'")
            guard name.pieces.isEmpty else { throw error("a module name cannot be interpolated", at: name.span) }
            return .import(name.text, start.to(name.span))
        default:
            var target = try expression()
            let compound: [TokenKind: BinaryOperator] = [.plusEqual: .add, .minusEqual: .subtract,
                                                         .starEqual: .multiply, .slashEqual: .divide]
            guard kind == .equal || compound[kind] != nil else { return .expression(target) }
            let op = advance()
            switch target {
            case .name, .index, .subscripts, .field: break
            case .slice(let b, let lo, let hi, let span): target = .subscripts(b, [SubscriptSyntax.slice(lo, hi)], span)   // t[1:3] = v
            default: throw error("cannot assign to this expression", at: target.span)
            }
            skipNewlines()
            var value = try expression()
            if let binary = compound[op.kind] {
                value = .binary(binary, target, value, target.span.to(value.span))
            }
            return .assign(target: target, value: value, target.span.to(value.span))
        }
    }

    mutating func ifStatement() throws(ParseError) -> Stmt {
        let start = advance().span
        let condition = try expression()
        let then = try block()
        // `else` may start the next line.
        var look = p
        while tokens[look].kind == .newline { look += 1 }
        guard tokens[look].kind == .kwElse else { return .if(condition: condition, then: then, else: nil, start.to(condition.span)) }
        p = look
        advance()
        if kind == .kwIf {
            try nest()
            defer { depth -= 1 }
            return .if(condition: condition, then: then, else: [try ifStatement()], start.to(condition.span))
        }
        return .if(condition: condition, then: then, else: try block(), start.to(condition.span))
    }

    /// After `fn` (and the name, if any): parameters, then `= expr` or a block.
    mutating func functionRest(start: Span) throws(ParseError) -> FunctionDecl {
        let name: String? = kind == .identifier ? advance().text : nil
        let open = try expect(.leftParen, "'(' to start the parameters")
        var parameters: [Parameter] = []
        skipNewlines()
        while kind != .rightParen, kind != .eof {
            let pname = try expect(.identifier, "a parameter name")
            if parameters.contains(where: { $0.name == pname.text }) {
                _ = error("duplicate parameter '\(pname.text)'", at: pname.span)
            }
            var defaultValue: Expr?
            if match(.equal) {
                skipNewlines()
                defaultValue = try expression()
            } else if parameters.last?.defaultValue != nil {
                _ = error("parameter '\(pname.text)' needs a default: it follows one that has a default", at: pname.span)
            }
            parameters.append(Parameter(name: pname.text, span: pname.span, defaultValue: defaultValue))
            skipNewlines()
            if !match(.comma) { break }
            skipNewlines()
        }
        try closing(.rightParen, "')' after the parameters", open: open)
        if match(.equal) {
            skipNewlines()
            let body = try expression()
            return FunctionDecl(name: name, parameters: parameters, body: .expression(body), span: start.to(body.span))
        }
        guard kind == .leftBrace else { throw error("expected '=' or '{' after the parameters, found \(current.display)") }
        let end = current.span
        return FunctionDecl(name: name, parameters: parameters, body: .block(try block()), span: start.to(end))
    }
}
