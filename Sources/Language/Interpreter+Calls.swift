// Calls. A positional call of a cdsa function with exactly its parameter count builds the
// callee's frame directly; anything else (keywords, defaults, built-ins, foreign
// callables) goes through the shared binder in Library.swift.

extension Compiler {
    func call(_ calleeExpr: ResolvedExpr, _ args: [ResolvedArgument], _ span: Span) -> Eval {
        let interp = interpreter
        let source = source
        let callee = expr(calleeExpr)
        var calleeName: String?
        var calleeGlobal: Int?
        if case .variable(let slot, let name, _) = calleeExpr {
            calleeName = name
            if case .global(let g) = slot { calleeGlobal = g }
        }
        let positional = args.filter { $0.label == nil }.map { expr($0.value) }
        let keywords = args.compactMap { a in a.label.map { ($0, expr(a.value)) } }
        if !keywords.isEmpty {
            return { [unowned(unsafe) interp] f in
                let c = try callee(f)
                var values: [Value] = []
                for p in positional { values.append(try p(f)) }
                var named: [(name: String, value: Value)] = []
                for (name, k) in keywords { named.append((name, try k(f))) }
                return try interp.callValue(c, CallArguments(values, keywords: named), calleeName, source, span)
            }
        }
        // Arguments compiled one by one: a closure taken out of an array is called through a thunk.
        let values = args.map(\.value)
        switch positional.count {
        case 1 where calleeGlobal != nil:
            // The commonest call in a hot loop: a global function, one argument.
            let a0 = expr(values[0])
            let globals = interp.globals, g = calleeGlobal!
            return { [unowned(unsafe) interp] f in
                let c = globals.values[g]
                if case .function(let fn) = c, fn.arity == 1 {
                    let env = try interp.enter(fn, source, span)
                    defer { interp.leave(fn, env) }
                    env[0] = try a0(f)
                    return try interp.invoke(fn, env, source, span)
                }
                return try interp.callValue(c, CallArguments([try a0(f)]), calleeName, source, span)
            }
        case 1:
            let a0 = expr(values[0])
            return { [unowned(unsafe) interp] f in
                let c = try callee(f)
                if case .function(let fn) = c, fn.arity == 1 {
                    let env = try interp.enter(fn, source, span)
                    defer { interp.leave(fn, env) }
                    env[0] = try a0(f)
                    return try interp.invoke(fn, env, source, span)
                }
                return try interp.callValue(c, CallArguments([try a0(f)]), calleeName, source, span)
            }
        case 2:
            let a0 = expr(values[0]), a1 = expr(values[1])
            return { [unowned(unsafe) interp] f in
                let c = try callee(f)
                if case .function(let fn) = c, fn.arity == 2 {
                    let env = try interp.enter(fn, source, span)
                    defer { interp.leave(fn, env) }
                    env[0] = try a0(f)
                    env[1] = try a1(f)
                    return try interp.invoke(fn, env, source, span)
                }
                return try interp.callValue(c, CallArguments([try a0(f), try a1(f)]), calleeName, source, span)
            }
        default:
            return { [unowned(unsafe) interp] f in
                let c = try callee(f)
                if case .function(let fn) = c, fn.arity == positional.count {
                    let env = try interp.enter(fn, source, span)
                    defer { interp.leave(fn, env) }
                    for (i, p) in positional.enumerated() { env[i] = try p(f) }
                    return try interp.invoke(fn, env, source, span)
                }
                var values: [Value] = []
                for p in positional { values.append(try p(f)) }
                return try interp.callValue(c, CallArguments(values), calleeName, source, span)
            }
        }
    }
}

extension Interpreter {
    /// Runs a cdsa function whose frame holds its arguments. Bounds the depth, polls for
    /// cancellation, and records this call in the stack of an error passing through.
    /// Makes the slots for a call of `fn`: on the value stack, or in a heap frame when a
    /// closure made during the call may capture them. Pair with `leave`.
    @inline(__always)
    func enter(_ fn: Function, _ source: Source, _ span: Span) throws -> Env {
        if fn.needsFrame {
            let frame = Frame.make(parent: fn.env, count: fn.slotCount)
            return Env(slots: frame.elements, frame: frame, parent: fn.env)
        }
        let s = state
        let base = s.pointee.top
        guard s.pointee.stackEnd - base >= fn.slotCount else { throw RuntimeError("stack overflow", source, span) }
        for i in 0..<fn.slotCount { (base + i).initialize(to: .nil) }
        s.pointee.top = base + fn.slotCount
        return Env(slots: base, frame: nil, parent: fn.env)
    }

    @inline(__always)
    func leave(_ fn: Function, _ env: Env) {
        if env.frame == nil {
            // One by one: the bulk form goes through the runtime's generic array destroy.
            for i in 0..<fn.slotCount { (env.slots + i).deinitialize(count: 1) }
            state.pointee.top = env.slots
        }
    }

    @inline(__always)
    func invoke(_ fn: Function, _ frame: Env, _ source: Source, _ span: Span) throws -> Value {
        let state = self.state
        if state.pointee.depth >= state.pointee.maxDepth { throw RuntimeError("stack overflow", source, span) }
        state.pointee.depth += 1
        defer { state.pointee.depth -= 1 }
        try tick(source, span)
        do {
            return try fn.body(frame)
        } catch var e as RuntimeError {
            e.unwind(through: fn.code.name, callSite: source, span)
            throw e
        }
    }

    /// Binds arguments to a cdsa function's parameters (keywords, defaults) and runs it.
    func callFunction(_ fn: Function, _ args: CallArguments, _ source: Source, _ span: Span) throws -> Value {
        let code = fn.code
        let frame = try enter(fn, source, span)
        defer { leave(fn, frame) }
        let bound: [Value?]
        do {
            bound = try bindArguments(function: code.name, parameters: code.parameterNames, acceptsRest: false, args).bound
        } catch let e as ScriptError {
            throw RuntimeError(e.message, source, span)
        }
        var missing: [Int] = []
        for (i, v) in bound.enumerated() {
            if let v { frame[i] = v } else { missing.append(i) }
        }
        if !missing.isEmpty {
            // Defaults run before `invoke` counts the call, and may call the function again
            // (`fn f(a = f()) = a`): count them as a level, or that recursion is unbounded and
            // overflows the thread's stack (fuzzer finding; see docs/FUZZING.md).
            let state = self.state
            if state.pointee.depth >= state.pointee.maxDepth { throw RuntimeError("stack overflow", source, span) }
            state.pointee.depth += 1
            defer { state.pointee.depth -= 1 }
            for i in missing {
                guard let d = code.defaults[i] else {
                    throw RuntimeError(badArgument(i + 1, code.name, "value expected, got no value").message, source, span)
                }
                do { frame[i] = try d(frame) } catch var e as RuntimeError {
                    e.unwind(through: code.name, callSite: source, span)  // the default runs inside the call
                    throw e
                }
            }
        }
        return try invoke(fn, frame, source, span)
    }

    /// Any call that is not the positional fast path.
    func callValue(_ callee: Value, _ args: CallArguments, _ name: String?, _ source: Source, _ span: Span) throws -> Value {
        switch callee {
        case .function(let fn):
            return try callFunction(fn, args, source, span)
        case .builtin(let b):
            do {
                if args.keywords.isEmpty { return try b.invokePositional(args.positional, interpreter: self) }
                return try b.invoke(args, interpreter: self)
            } catch var e as RuntimeError {
                e.pendingSource = source
                e.pendingSpan = span
                throw e
            } catch {
                throw RuntimeError("\(error)", source, span)
            }
        case .foreign(let object):
            do {
                if let v = try object.call(args, interpreter: self) { return v }
            } catch var e as RuntimeError {
                e.pendingSource = source
                e.pendingSpan = span
                throw e
            } catch {
                throw RuntimeError("\(error)", source, span)
            }
            throw RuntimeError("cannot call a \(object.typeName)", source, span)
        default:
            let what = name.map { "'\($0)' (a \(callee.typeName))" } ?? "a \(callee.typeName)"
            throw RuntimeError("cannot call \(what)", source, span)
        }
    }
}
