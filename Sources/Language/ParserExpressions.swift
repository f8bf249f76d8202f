// Expressions, by precedence climbing. Lowest to highest:
//   |>   x if c else y   or   and   not   == != < <= > >=   ..< ..   + -   * / % @   unary -   **   postfix

extension Parser {
    /// Binding power of an infix token, and whether it groups to the right.
    private func infix(_ k: TokenKind) -> (Int, Bool)? {
        switch k {
        case .pipe: return (1, false)
        case .kwIf: return (2, true)
        case .kwOr: return (3, false)
        case .kwAnd: return (4, false)
        case .equalEqual, .bangEqual, .less, .lessEqual, .greater, .greaterEqual: return (6, false)
        case .dotDot, .dotDotLess: return (7, false)
        case .plus, .minus: return (8, false)
        case .star, .slash, .percent, .at: return (9, false)
        case .starStar: return (11, true)
        default: return nil
        }
    }

    private static let binaryOperators: [TokenKind: BinaryOperator] = [
        .plus: .add, .minus: .subtract, .star: .multiply, .slash: .divide, .percent: .remainder,
        .starStar: .power, .at: .matmul, .equalEqual: .equal, .bangEqual: .notEqual, .less: .less,
        .lessEqual: .lessEqual, .greater: .greater, .greaterEqual: .greaterEqual,
    ]

    mutating func expression() throws(ParseError) -> Expr { try binary(0) }

    mutating func binary(_ minPower: Int) throws(ParseError) -> Expr {
        let savedDepth = depth
        defer { depth = savedDepth }
        var lhs = try prefix()
        var compared = false  // lhs is a comparison made in this loop, not a parenthesised one
        while true {
            // A pipeline may continue on the next line: `x\n  |> f()`.
            if kind == .newline, minPower <= 1 {
                var look = p
                while tokens[look].kind == .newline { look += 1 }
                if tokens[look].kind == .pipe { p = look }
            }
            guard let (power, right) = infix(kind), power >= minPower else { return lhs }
            try nest()  // each operator adds a level to the tree, even in a flat chain
            let comparison = power == 6
            if comparison && compared {
                // Python reads `a < b < c` as a chain, so `3 == 3 == 3` would silently be false here.
                throw error("comparisons do not chain: write 'a < b and b < c', or parenthesise '(a == b) == c'")
            }
            compared = comparison
            let op = advance()
            skipNewlines()
            switch op.kind {
            case .pipe:
                let rhs = try binary(power + 1)
                let span = lhs.span.to(rhs.span)
                if case .call(let callee, let args, _) = rhs {
                    lhs = .call(callee, [Argument(label: nil, value: lhs, span: lhs.span)] + args, span)
                } else {
                    lhs = .call(rhs, [Argument(label: nil, value: lhs, span: lhs.span)], span)
                }
            case .kwIf:
                let condition = try binary(3)
                skipNewlines()
                try expect(.kwElse, "'else' in a conditional expression")
                skipNewlines()
                let other = try binary(power)
                lhs = .conditional(condition: condition, then: lhs, else: other, lhs.span.to(other.span))
            default:
                let rhs = try binary(right ? power : power + 1)
                let span = lhs.span.to(rhs.span)
                switch op.kind {
                case .kwAnd: lhs = .and(lhs, rhs, span)
                case .kwOr: lhs = .or(lhs, rhs, span)
                case .dotDot, .dotDotLess: lhs = .range(lhs, rhs, inclusive: op.kind == .dotDot, span)
                default: lhs = .binary(Parser.binaryOperators[op.kind]!, lhs, rhs, span)
                }
            }
        }
    }

    mutating func prefix() throws(ParseError) -> Expr {
        let start = current.span
        switch kind {
        case .minus:
            advance()
            try nest()
            let operand = try binary(10)
            depth -= 1
            if case .number(let x, let s) = operand { return .number(-x, start.to(s)) }
            return .unary(.negate, operand, start.to(operand.span))
        case .kwNot:
            advance()
            try nest()
            let operand = try binary(5)
            depth -= 1
            return .unary(.not, operand, start.to(operand.span))
        default:
            return try postfix()
        }
    }

    mutating func postfix() throws(ParseError) -> Expr {
        var e = try primary()
        while true {
            switch kind {
            case .leftParen:
                try nest()
                let open = advance()
                let args = try arguments()
                let close = try closing(.rightParen, "')' after the arguments", open: open)
                e = .call(e, args, e.span.to(close.span))
            case .leftBracket:
                try nest()
                let open = advance()
                var items: [SubscriptSyntax] = []
                repeat {
                    skipNewlines()
                    var lo: Expr?
                    if kind != .colon { lo = try expression(); skipNewlines() }
                    if match(.colon) {
                        skipNewlines()
                        let hi: Expr? = kind == .rightBracket || kind == .comma ? nil : try expression()
                        skipNewlines()
                        items.append(.slice(lo, hi))
                    } else {
                        items.append(.index(lo!))
                    }
                } while match(.comma)
                switch items.count == 1 ? items[0] : nil {
                case .index(let i)?:
                    let close = try closing(.rightBracket, "']' after the index", open: open)
                    e = .index(e, i, e.span.to(close.span))
                case .slice(let lo, let hi)?:
                    let close = try closing(.rightBracket, "']' after the slice", open: open)
                    e = .slice(e, lo, hi, e.span.to(close.span))
                case nil:
                    let close = try closing(.rightBracket, "']' after the subscripts", open: open)
                    e = .subscripts(e, items, e.span.to(close.span))
                }
            case .dot:
                try nest()
                advance()
                // A keyword is a field name here too: trace_correction(…).return.
                let name = TokenKind.keywords[current.text] != nil ? advance() : try expect(.identifier, "a field name after '.'")
                e = .field(e, name.text, e.span.to(name.span))
            default:
                return e
            }
        }
    }

    mutating func arguments() throws(ParseError) -> [Argument] {
        var args: [Argument] = []
        skipNewlines()
        // At the end of input the caller reports the '(' as never closed.
        while kind != .rightParen, kind != .eof {
            let start = current.span
            if kind == .identifier, peekKind(1) == .equal {
                let label = advance().text
                advance()
                skipNewlines()
                if args.contains(where: { $0.label == label }) {
                    _ = error("argument '\(label)' given twice", at: start)
                }
                let value = try expression()
                args.append(Argument(label: label, value: value, span: start.to(value.span)))
            } else {
                let value = try expression()
                if args.last?.label != nil {
                    _ = error("positional argument follows a keyword argument", at: value.span)
                }
                args.append(Argument(label: nil, value: value, span: value.span))
            }
            skipNewlines()
            if !match(.comma) { break }
            skipNewlines()
        }
        return args
    }

    mutating func primary() throws(ParseError) -> Expr {
        let t = current
        switch t.kind {
        case .number: advance(); return .number(t.number, t.span)
        case .string: advance(); return try stringLiteral(t)
        case .kwTrue: advance(); return .bool(true, t.span)
        case .kwFalse: advance(); return .bool(false, t.span)
        case .kwNil: advance(); return .nil(t.span)
        case .identifier: advance(); return .name(t.text, t.span)
        case .kwFn:
            advance()
            try nest()
            defer { depth -= 1 }
            return .function(try functionRest(start: t.span))
        case .leftParen:
            advance()
            try nest()
            defer { depth -= 1 }
            skipNewlines()
            let e = try expression()
            skipNewlines()
            try closing(.rightParen, "')'", open: t)
            return e
        case .leftBracket:
            advance()
            try nest()
            defer { depth -= 1 }
            var items: [Expr] = []
            skipNewlines()
            while kind != .rightBracket, kind != .eof {
                items.append(try expression())
                skipNewlines()
                if items.count == 1, kind == .kwFor { return try comprehension(items[0], open: t) }
                if !match(.comma) { break }
                skipNewlines()
            }
            let close = try closing(.rightBracket, "']' after the list", open: t)
            return .list(items, t.span.to(close.span))
        case .leftBrace:
            advance()
            try nest()
            defer { depth -= 1 }
            var fields: [(key: String, value: Expr)] = []
            skipNewlines()
            while kind != .rightBrace, kind != .eof {
                let key = current
                guard key.kind == .identifier || (key.kind == .string && key.pieces.isEmpty)
                        || TokenKind.keywords[key.text] != nil else {
                    throw error("expected a field name, found \(key.display)")
                }
                advance()
                if fields.contains(where: { $0.key == key.text }) {
                    _ = error("duplicate field '\(key.text)'", at: key.span)
                }
                try expect(.colon, "':' after the field name")
                skipNewlines()
                fields.append((key.text, try expression()))
                skipNewlines()
                if !match(.comma) { break }
                skipNewlines()
            }
            let close = try closing(.rightBrace, "'}' after the record", open: t)
            return .record(fields, t.span.to(close.span))
        default:
            throw error("expected an expression, found \(t.display)")
        }
    }

    /// After `[element`, at `for`: the clauses `for x in xs` and `if cond`, then `]`. A
    /// sequence or condition is parsed above the conditional expression (as Python does),
    /// so the `if` of a following clause is not taken for `a if c else b`.
    mutating func comprehension(_ element: Expr, open: Token) throws(ParseError) -> Expr {
        var clauses: [ComprehensionClause] = []
        while true {
            skipNewlines()
            let start = current.span
            if match(.kwFor) {
                let name = try expect(.identifier, "a loop variable after 'for'")
                try expect(.kwIn, "'in' after the loop variable")
                skipNewlines()
                let sequence = try binary(3)
                clauses.append(.for(name: name.text, sequence: sequence, start.to(sequence.span)))
            } else if match(.kwIf) {
                skipNewlines()
                clauses.append(.if(try binary(3)))
            } else {
                break
            }
        }
        let close = try closing(.rightBracket, "']' after the list comprehension", open: open)
        return .comprehension(element, clauses, open.span.to(close.span))
    }

    /// A string with `\(expr)` pieces: each piece is lexed and parsed on its own.
    mutating func stringLiteral(_ t: Token) throws(ParseError) -> Expr {
        if t.pieces.isEmpty { return .string(t.text, t.span) }
        var parts: [InterpolationPart] = []
        for piece in t.pieces {
            switch piece {
            case .text(let s): parts.append(.text(s))
            case .code(let span, let specSpan):
                try nest()
                defer { depth -= 1 }
                var lexer = Lexer(source: source, range: span)
                let tokens = lexer.tokenize()
                diagnostics += lexer.diagnostics
                if !lexer.diagnostics.isEmpty { throw ParseError() }
                var sub = Parser(source: source, tokens: tokens)
                sub.depth = depth + 1
                sub.skipNewlines()
                if sub.kind == .eof { throw error("empty interpolation", at: Span(span.start - 2, span.end + 1)) }
                let e: Expr
                do throws(ParseError) {
                    e = try sub.expression()
                    sub.skipNewlines()
                    if sub.kind != .eof { throw sub.error("expected ')' to end the interpolation, found \(sub.current.display)") }
                } catch {
                    diagnostics += sub.diagnostics
                    // `self.tokens`: the local `tokens` is the interpolation's, and its end is
                    // not this parser's (a 250-deep `\((((…` indexed past the end and trapped).
                    if sub.abandoned { abandoned = true; p = self.tokens.count - 1 }
                    throw error
                }
                guard let specSpan else { parts.append(.expression(e)); continue }
                let text = String(decoding: source.bytes[specSpan.start..<specSpan.end], as: UTF8.self)
                do { parts.append(.formatted(e, try FormatSpec(text))) } catch {
                    throw self.error(error.message, at: specSpan.start == specSpan.end ? Span(specSpan.start - 1, specSpan.end) : specSpan)
                }
            }
        }
        return .interpolation(parts, t.span)
    }
}
