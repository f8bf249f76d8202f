// Resolver: Syntax → ResolvedProgram. Binds every name to a slot (frame depth + index)
// ahead of time; unknown names are compile errors with a "did you mean".

public struct Resolver {
    private struct FunctionScope {
        var blocks: [[String: Int]] = [[:]]
        var slotCount = 0
        var loops = 0
        var hasClosure = false
    }

    private let source: Source
    private let globals: Globals
    private var functions: [FunctionScope] = [FunctionScope()]
    /// The parameters a default being resolved comes before (or is): not yet bound.
    private var laterParameters: Set<String> = []
    private(set) var diagnostics: [Diagnostic] = []

    /// Resolves a parsed file against a session's globals (declaring its top-level names).
    public static func resolve(_ syntax: Syntax, globals: Globals) -> (ResolvedProgram, [Diagnostic]) {
        var r = Resolver(source: syntax.source, globals: globals)
        let statements = r.block(syntax.statements, newScope: false)
        let program = ResolvedProgram(source: syntax.source, statements: statements, slotCount: r.functions[0].slotCount)
        return (program, r.diagnostics)
    }

    private init(source: Source, globals: Globals) {
        self.source = source
        self.globals = globals
    }

    private mutating func error(_ message: String, _ span: Span) {
        diagnostics.append(Diagnostic(phase: .resolve, message: message, source: source, span: span))
    }

    private var atTopLevel: Bool { functions.count == 1 && functions[0].blocks.count == 1 }

    // MARK: names

    private mutating func declare(_ name: String) -> Slot {
        if atTopLevel { return .global(globals.declare(name)) }
        let f = functions.count - 1
        let index = functions[f].slotCount
        functions[f].slotCount += 1
        functions[f].blocks[functions[f].blocks.count - 1][name] = index
        return .local(index)
    }

    private func lookup(_ name: String) -> Slot? {
        for (depth, function) in functions.reversed().enumerated() {
            for block in function.blocks.reversed() {
                if let index = block[name] { return depth == 0 ? .local(index) : .captured(depth: depth, index: index) }
            }
        }
        return globals.index(of: name).map { .global($0) }
    }

    private mutating func variable(_ name: String, _ span: Span) -> Slot {
        if let slot = lookup(name) { return slot }
        if laterParameters.contains(name) {
            error("a default may use the parameters before its own, not '\(name)'", span)
            return .global(0)
        }
        var locals = Set<String>()
        for function in functions { for block in function.blocks { locals.formUnion(block.keys) } }
        // The user's own names first: `los` is more likely `loss` than the built-in `log`.
        // (Never `_`, the REPL's last value: it is one edit from every one-letter name.)
        let (library, user) = globals.names.filter { $0 != "_" }.partitioned(by: globals.isLibrary)
        var message = "unknown name '\(name)'"
        if let guess = Resolver.closest(to: name, in: [locals, Set(user), Set(library)]) {
            message += " (did you mean '\(guess)'?)"
        }
        error(message, span)
        return .global(0)
    }

    /// The candidate with the smallest edit distance, if it is close enough to be a typo.
    public static func closest(to name: String, in candidates: Set<String>) -> String? {
        closest(to: name, in: [candidates])
    }

    /// The closest candidate over groups in order of preference: at equal distance, one from
    /// an earlier group wins (then the alphabetically first).
    public static func closest(to name: String, in groups: [Set<String>]) -> String? {
        let limit = max(1, name.count / 3)
        var best: (name: String, distance: Int, group: Int)?
        for (group, candidates) in groups.enumerated() {
            for c in candidates.sorted() {
                let d = editDistance(Array(name.utf8), Array(c.utf8))
                guard d <= limit else { continue }
                if best == nil || (d, group) < (best!.distance, best!.group) { best = (c, d, group) }
            }
        }
        return best?.name
    }

    /// Edits (insert, delete, substitute, swap two neighbours) turning a into b.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }

    // MARK: statements

    private mutating func block(_ statements: [Stmt], newScope: Bool = true) -> [ResolvedStmt] {
        let f = functions.count - 1
        if newScope { functions[f].blocks.append([:]) }
        defer { if newScope { functions[f].blocks.removeLast() } }
        // Named functions are visible in their whole block, so they can call each other.
        for case .function(let decl) in statements { _ = declare(decl.name!) }
        return statements.compactMap { statement($0) }
    }

    private mutating func statement(_ s: Stmt) -> ResolvedStmt? {
        switch s {
        case .expression(let e):
            return .expression(expr(e))
        case .let(let name, _, let value):
            let v = expr(value)
            return .define(declare(name), v)
        case .function(let decl):
            let slot = lookup(decl.name!)!
            return .define(slot, .function(function(decl)))
        case .assign(let target, let value, let span):
            let v = expr(value)
            switch target {
            case .name(let name, let nameSpan):
                return .assign(.variable(variable(name, nameSpan)), v, span)
            case .index(let base, let index, let s):
                return .assign(.item(expr(base), [.index(expr(index))], s), v, span)
            case .subscripts(let base, let items, let s):
                return .assign(.item(expr(base), items.map { subscriptItem($0) }, s), v, span)
            case .field(let base, let name, let s):
                return .assign(.field(expr(base), name, s), v, span)
            default:
                return nil  // the parser only produces the three target forms
            }
        case .if(let condition, let then, let otherwise, _):
            return .if(expr(condition), block(then), block(otherwise ?? []))
        case .while(let condition, let body, _):
            let c = expr(condition)
            functions[functions.count - 1].loops += 1
            defer { functions[functions.count - 1].loops -= 1 }
            return .while(c, block(body))
        case .for(let name, _, let sequence, let body, let span):
            let seq = expr(sequence)
            let f = functions.count - 1
            functions[f].blocks.append([:])
            functions[f].loops += 1
            defer { functions[f].blocks.removeLast(); functions[f].loops -= 1 }
            let slot = declare(name)
            return .for(slot, seq, block(body), span)
        case .return(let value, let span):
            if functions.count == 1 { error("'return' outside a function", span) }
            return .return(value.map { expr($0) })
        case .break(let span):
            if functions[functions.count - 1].loops == 0 { error("'break' outside a loop", span) }
            return .break
        case .continue(let span):
            if functions[functions.count - 1].loops == 0 { error("'continue' outside a loop", span) }
            return .continue
        case .import(_, let span):
            // The session runs top-level imports before resolving the file.
            if !atTopLevel { error("'import' must be at the top level of a file", span) }
            return nil
        }
    }

    private mutating func function(_ decl: FunctionDecl) -> ResolvedFunction {
        functions[functions.count - 1].hasClosure = true
        functions.append(FunctionScope())
        for p in decl.parameters { _ = declare(p.name) }
        // A default sees the parameters before its own; the others are hidden while it is
        // resolved, so `fn f(a=b, b=1)` reads an outer `b` (or is an error), never b's empty slot.
        var parameters: [ResolvedParameter] = []
        let f = functions.count - 1
        for (i, p) in decl.parameters.enumerated() {
            let later = decl.parameters[i...].map(\.name)
            let hidden = later.compactMap { name in functions[f].blocks[0].removeValue(forKey: name).map { (name, $0) } }
            laterParameters = Set(later)
            parameters.append(ResolvedParameter(name: p.name, defaultValue: p.defaultValue.map { expr($0) }))
            laterParameters = []
            for (name, slot) in hidden { functions[f].blocks[0][name] = slot }
        }
        let body: ResolvedBody
        switch decl.body {
        case .expression(let e): body = .expression(expr(e))
        case .block(let statements): body = .block(block(statements))
        }
        let scope = functions.removeLast()
        return ResolvedFunction(name: decl.name ?? "<fn>", parameters: parameters, slotCount: scope.slotCount,
                                needsFrame: scope.hasClosure, body: body, span: decl.span)
    }

    // MARK: expressions

    private mutating func expr(_ e: Expr) -> ResolvedExpr {
        switch e {
        case .number(let x, let s): return .constant(.number(x), s)
        case .string(let x, let s): return .constant(.string(x), s)
        case .bool(let x, let s): return .constant(.bool(x), s)
        case .nil(let s): return .constant(.nil, s)
        case .interpolation(let parts, let s):
            return .interpolation(parts.map {
                switch $0 {
                case .text(let t): return .text(t)
                case .expression(let e): return .expression(expr(e))
                case .formatted(let e, let spec): return .formatted(expr(e), spec)
                }
            }, s)
        case .name(let name, let s): return .variable(variable(name, s), name: name, s)
        case .list(let items, let s): return .list(items.map { expr($0) }, s)
        case .record(let fields, let s): return .record(keys: fields.map(\.key), values: fields.map { expr($0.value) }, s)
        case .unary(let op, let x, let s): return .unary(op, expr(x), s)
        case .binary(let op, let l, let r, let s): return .binary(op, expr(l), expr(r), s)
        case .and(let l, let r, let s): return .and(expr(l), expr(r), s)
        case .or(let l, let r, let s): return .or(expr(l), expr(r), s)
        case .conditional(let c, let t, let f, let s): return .conditional(expr(c), expr(t), expr(f), s)
        case .range(let l, let r, let inclusive, let s): return .range(expr(l), expr(r), inclusive: inclusive, s)
        case .call(let callee, let args, let s):
            return .call(expr(callee), args.map { ResolvedArgument(label: $0.label, value: expr($0.value)) }, s)
        case .index(let b, let i, let s): return .index(expr(b), expr(i), s)
        case .slice(let b, let lo, let hi, let s): return .slice(expr(b), lo.map { expr($0) }, hi.map { expr($0) }, s)
        case .subscripts(let b, let items, let s): return .subscripts(expr(b), items.map { subscriptItem($0) }, s)
        case .field(let b, let name, let s): return .field(expr(b), name, s)
        case .function(let decl): return .function(function(decl))
        case .comprehension(let element, let clauses, let s): return comprehension(element, clauses, s)
        }
    }

    /// `[e for x in xs if c …]` is a block of its own, as a `for` statement is: its loop
    /// variables are locals of the enclosing function (so closures in `e` capture them as a
    /// `for` body's would) and are not visible after it. Each sequence is resolved before
    /// its variable is declared, so `[x * 2 for x in x]` reads the outer `x`.
    private mutating func comprehension(_ element: Expr, _ clauses: [ComprehensionClause], _ span: Span) -> ResolvedExpr {
        let f = functions.count - 1
        functions[f].blocks.append([:])
        defer { functions[f].blocks.removeLast() }
        var resolved: [ResolvedClause] = []
        for clause in clauses {
            switch clause {
            case .for(let name, let sequence, let clauseSpan):
                let seq = expr(sequence)
                resolved.append(.for(declare(name), seq, clauseSpan))
            case .if(let condition):
                resolved.append(.if(expr(condition)))
            }
        }
        return .comprehension(expr(element), resolved, span)
    }

    private mutating func subscriptItem(_ item: SubscriptSyntax) -> ResolvedSubscript {
        switch item {
        case .index(let i): return .index(expr(i))
        case .slice(let lo, let hi): return .slice(lo.map { expr($0) }, hi.map { expr($0) })
        }
    }
}

extension Array {
    /// The elements for which `belongs` holds, then the others, each in order.
    func partitioned(by belongs: (Element) -> Bool) -> ([Element], [Element]) {
        var yes: [Element] = [], no: [Element] = []
        for e in self { if belongs(e) { yes.append(e) } else { no.append(e) } }
        return (yes, no)
    }
}
