// Statements → closures. A block runs its statements in order until one breaks, continues
// or returns; loops poll for cancellation every `pollInterval` iterations.

/// A compiled statement in a block's array (see `Compiler.block`).
final class Step {
    let exec: Exec
    init(_ exec: @escaping Exec) { self.exec = exec }
}

/// Turns resolved code into nodes and closures. One per file (it knows the file for error
/// locations).
struct Compiler {
    unowned(unsafe) let interpreter: Interpreter
    let source: Source

    /// Statements are compiled one by one, and a long block keeps them in boxes: a closure
    /// taken out of an array is called through a reabstraction thunk (two, here).
    func block(_ statements: [ResolvedStmt]) -> Exec {
        switch statements.count {
        case 0: return { _ in .next }
        case 1: return stmt(statements[0])
        case 2:
            let a = stmt(statements[0]), b = stmt(statements[1])
            return { f in
                let flow = try a(f)
                return flow == .next ? try b(f) : flow
            }
        case 3:
            let a = stmt(statements[0]), b = stmt(statements[1]), c = stmt(statements[2])
            return { f in
                var flow = try a(f)
                guard flow == .next else { return flow }
                flow = try b(f)
                return flow == .next ? try c(f) : flow
            }
        default:
            let compiled = statements.map { Step(stmt($0)) }
            return { f in
                for s in compiled {
                    let flow = try s.exec(f)
                    if flow != .next { return flow }
                }
                return .next
            }
        }
    }

    func stmt(_ s: ResolvedStmt) -> Exec {
        let interp = interpreter
        let source = source
        switch s {
        case .expression(let e):
            let n = node(e)
            return { f in _ = try n.eval(f); return .next }
        case .define(let slot, let e), .assign(.variable(let slot), let e, _):
            return store(slot, node(e))
        case .assign(.item(let base, let items, let span), let e, _):
            return assignItem(base, items, e, span)
        case .assign(.field(let base, let name, let span), let e, _):
            let b = node(base), v = node(e)
            return { [unowned(unsafe) interp] f in
                try interp.setField(try b.eval(f), name, try v.eval(f), source, span)
                return .next
            }
        case .if(let condition, let then, let otherwise):
            let c = tested(condition), t = block(then), o = block(otherwise)
            return { f in try c.test(f) ? try t(f) : try o(f) }
        case .while(let condition, let body):
            let c = tested(condition), b = block(body)
            let machine = interp.machine, site = self.site(condition)
            return { f in
                while try c.test(f) {
                    try machine.tick(site)
                    switch try b(f) {
                    case .breakLoop: return .next
                    case .returned: return .returned
                    case .next, .continueLoop: break
                    }
                }
                return .next
            }
        case .for(let slot, let sequence, let body, let span):
            return forLoop(slot, node(sequence), block(body), span)
        case .return(let value):
            let state = interp.machine.state
            guard let value else { return { _ in state.pointee.returnValue = .nil; return .returned } }
            let v = node(value)
            return { f in state.pointee.returnValue = try v.eval(f); return .returned }
        case .break: return { _ in .breakLoop }
        case .continue: return { _ in .continueLoop }
        }
    }

    func store(_ slot: Slot, _ value: Node) -> Exec {
        switch slot {
        case .local(let i):
            return { f in
                let v = try value.eval(f)
                (f.slots + i).destroy()
                (f.slots + i).initialize(to: v)
                return .next
            }
        case .captured(let depth, let i): return store(CapturedSetter(depth: depth, index: i), value)
        case .global(let i): return store(GlobalSetter(globals: interpreter.globals, index: i), value)
        }
    }

    /// `store` for a captured or global slot.
    private func store(_ set: some SlotSetter, _ value: Node) -> Exec {
        return { f in
            set(f, try value.eval(f))
            return .next
        }
    }

    /// Stores a value in a slot. The closures capture the slot's numbers, not a setter:
    /// copying a struct out of a closure's context costs a for loop 8 instructions an
    /// iteration (callgrind).
    func setter(_ slot: Slot) -> (Env, Value) -> Void {
        switch slot {
        case .local(let i): return { f, v in f[i] = v }
        case .captured(let depth, let i): return { f, v in CapturedSetter(depth: depth, index: i)(f, v) }
        case .global(let i):
            let globals = interpreter.globals
            return { f, v in GlobalSetter(globals: globals, index: i)(f, v) }
        }
    }

    /// `for x in seq`: a range counts here without a closure per item; other sequences go
    /// through `Interpreter.forEach`, which list comprehensions share.
    func forLoop(_ slot: Slot, _ sequence: Node, _ body: @escaping Exec, _ span: Span) -> Exec {
        let interp = interpreter
        let source = source
        let setter = self.setter(slot)
        let machine = interp.machine, site = Site(source, span)
        return { [unowned(unsafe) interp] f in
            let items = try sequence.eval(f)
            guard case .range(let start, let count) = items else {
                var flow = Flow.next
                try interp.forEach(items, site) { item in
                    setter(f, item)
                    switch try body(f) {
                    case .breakLoop: return false
                    case .returned: flow = .returned; return false
                    case .next, .continueLoop: return true
                    }
                }
                return flow
            }
            var k = 0
            while k < count {
                setter(f, .number(start + Double(k)))
                try machine.tick(site)
                let flow = try body(f)
                if flow == .breakLoop { break }
                if flow == .returned { return .returned }
                k += 1
            }
            return .next
        }
    }

    /// `[element for x in xs if c …]`: the clauses, innermost first, become nested loops
    /// around appending the element to the result.
    func comprehension(_ element: ResolvedExpr, _ clauses: [ResolvedClause], _ span: Span) -> Node {
        let interp = interpreter
        let value = node(element)
        let resultSite = Site(source, span)
        var emit: (Env, List) throws -> Void = { f, out in
            try Interpreter.checkLength(out.items.count + 1, "list", at: resultSite)
            out.items.append(try value.eval(f))
        }
        for clause in clauses.reversed() {
            let inner = emit
            switch clause {
            case .if(let condition):
                let test = tested(condition)
                emit = { f, out in if try test.test(f) { try inner(f, out) } }
            case .for(let slot, let sequence, let clauseSpan):
                let items = node(sequence), setter = self.setter(slot), site = Site(source, clauseSpan)
                emit = { [unowned(unsafe) interp] f, out in
                    try interp.forEach(try items.eval(f), site) { item in
                        setter(f, item)
                        try inner(f, out)
                        return true
                    }
                }
            }
        }
        return ClosureNode { [emit] f in
            let out = List([])
            try emit(f, out)
            return .list(out)
        }
    }
}

extension Interpreter {
    /// Calls `body` with each item `for x in sequence` visits, until it returns false: the
    /// numbers of a range, a snapshot of a list's items, a string's characters, a record's
    /// field names, a foreign value's items (made one at a time). Polls for cancellation.
    func forEach(_ sequence: Value, _ site: Site, _ body: (Value) throws -> Bool) throws {
        let items: [Value]
        switch sequence {
        case .range(let start, let count):
            var k = 0
            while k < count {
                try machine.tick(site)
                guard try body(.number(start + Double(k))) else { return }
                k += 1
            }
            return
        case .list(let l): items = l.items
        case .string(let s): items = s.map { .string(String($0)) }
        case .record(let r): items = r.keys.map { .string($0) }
        default:
            let source = site.source.takeUnretainedValue()
            let next = try iterator(sequence, source, site.span)
            while let item = try foreign(next, source, site.span) {
                try machine.tick(site)
                guard try body(item) else { return }
            }
            return
        }
        for item in items {
            try machine.tick(site)
            guard try body(item) else { return }
        }
    }

    static func checkLength(_ count: Int, _ what: String, at site: Site) throws {
        if count > maxLength { throw site.error(tooLong(what).message) }
    }
}

/// Stores a value in a captured or global slot, for `setter` and `store` (a local has its
/// own store). Structs, so that `store` is specialised for each kind of slot: calling a
/// closure from `setter` there instead costs 40 instructions per store (callgrind).
protocol SlotSetter {
    func callAsFunction(_ f: Env, _ v: Value)
}

struct CapturedSetter: SlotSetter {
    let depth: Int, index: Int
    @inline(__always) func callAsFunction(_ f: Env, _ v: Value) { f.ancestor(depth)[index] = v }
}

struct GlobalSetter: SlotSetter {
    let globals: Globals
    let index: Int
    @inline(__always) func callAsFunction(_ f: Env, _ v: Value) { globals.set(index, v) }
}
