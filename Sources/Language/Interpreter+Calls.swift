// Calls. A positional call of a cdsa function with exactly its parameter count writes the
// arguments straight into the callee's slots (on the value stack, or in a heap frame when
// the callee makes closures); anything else (keywords, defaults, built-ins, foreign
// callables) goes through the shared binder in Library.swift.

/// Where a call site finds its callee. A generic parameter, so each kind of call site is
/// compiled separately and a global callee is read in place rather than through a node.
protocol Callee {
    /// The callee if it is a cdsa function taking `arity` arguments, unretained (kept alive
    /// by its global, or by `other`); else nil, with the callee in `other`. Pair with `done`.
    func load(_ f: Env, arity: Int, _ other: inout Value) throws -> Unmanaged<Function>?
    func done(_ fn: Unmanaged<Function>)
}

/// `f(…)` where `f` is a global (the common case: top-level `fn`s and built-ins). The
/// function is borrowed from the global (see Globals.swift), not retained.
struct GlobalCallee: Callee {
    let globals: Globals
    let index: Int
    @inline(__always) func load(_ f: Env, arity: Int, _ other: inout Value) -> Unmanaged<Function>? {
        if let fn = globals.functions[index], fn._withUnsafeGuaranteedRef({ $0.arity }) == arity {
            fn._withUnsafeGuaranteedRef { $0.borrows &+= 1 }
            return fn
        }
        other = globals.values[index]
        return nil
    }
    @inline(__always) func done(_ fn: Unmanaged<Function>) { fn._withUnsafeGuaranteedRef { $0.borrows &-= 1 } }
}

/// Any other callee expression.
struct ComputedCallee: Callee {
    let node: Node
    @inline(__always) func load(_ f: Env, arity: Int, _ other: inout Value) throws -> Unmanaged<Function>? {
        other = try node.eval(f)
        if case .function(let fn) = other, fn.arity == arity { return .passUnretained(fn) }
        return nil
    }
    @inline(__always) func done(_ fn: Unmanaged<Function>) {}
}

/// A positional call: the callee (a global's index, or a node), the arguments, and the
/// call itself for each arity, generic over where the callee comes from. The one-line
/// subclasses below pick the callee kind and arity, so each runs a specialised copy.
/// Arguments are evaluated before the callee's slots are reserved, so calls nested in
/// them use the value stack first.
class CallNode: Node {
    let globals: Globals, index: Int
    let callee: Node?
    let name: String?
    let site: Site
    let machine: Machine
    unowned(unsafe) let interpreter: Interpreter
    let a0: Node, a1: Node, a2: Node
    let arguments: [Node]

    required init(_ compiler: Compiler, global: Int?, callee: Node?, name: String?, _ values: [ResolvedExpr], _ span: Span) {
        globals = compiler.interpreter.globals
        index = global ?? -1
        self.callee = callee
        self.name = name
        site = Site(compiler.source, span)
        machine = compiler.interpreter.machine
        interpreter = compiler.interpreter
        let nodes = values.map { compiler.node($0) }
        let none = ConstantNode(.nil)
        a0 = nodes.count > 0 ? nodes[0] : none
        a1 = nodes.count > 1 ? nodes[1] : none
        a2 = nodes.count > 2 ? nodes[2] : none
        arguments = nodes
    }

    @inline(__always) final var global: GlobalCallee { GlobalCallee(globals: globals, index: index) }
    @inline(__always) final var computed: ComputedCallee { ComputedCallee(node: callee.unsafelyUnwrapped) }

    @inline(__always) final func call0<C: Callee>(_ callee: C, _ f: Env) throws -> Value {
        var c = Value.nil
        guard let fn = try callee.load(f, arity: 0, &c) else { return try other(c, []) }
        defer { callee.done(fn); withExtendedLifetime(c) {} }  // c owns a computed callee
        return try machine.run(fn, try machine.reserve(fn, site), site)
    }

    @inline(__always) final func call1<C: Callee>(_ callee: C, _ f: Env) throws -> Value {
        var c = Value.nil
        guard let fn = try callee.load(f, arity: 1, &c) else { return try other(c, [try a0.eval(f)]) }
        defer { callee.done(fn); withExtendedLifetime(c) {} }  // c owns a computed callee
        let x0 = try a0.eval(f)
        let env = try machine.reserve(fn, site)
        env.slots.initialize(to: consume x0)
        return try machine.run(fn, env, site)
    }

    @inline(__always) final func call2<C: Callee>(_ callee: C, _ f: Env) throws -> Value {
        var c = Value.nil
        guard let fn = try callee.load(f, arity: 2, &c) else { return try other(c, [try a0.eval(f), try a1.eval(f)]) }
        defer { callee.done(fn); withExtendedLifetime(c) {} }  // c owns a computed callee
        let x0 = try a0.eval(f), x1 = try a1.eval(f)
        let env = try machine.reserve(fn, site)
        env.slots.initialize(to: consume x0)
        (env.slots + 1).initialize(to: consume x1)
        return try machine.run(fn, env, site)
    }

    @inline(__always) final func call3<C: Callee>(_ callee: C, _ f: Env) throws -> Value {
        var c = Value.nil
        guard let fn = try callee.load(f, arity: 3, &c) else {
            return try other(c, [try a0.eval(f), try a1.eval(f), try a2.eval(f)])
        }
        defer { callee.done(fn); withExtendedLifetime(c) {} }  // c owns a computed callee
        let x0 = try a0.eval(f), x1 = try a1.eval(f), x2 = try a2.eval(f)
        let env = try machine.reserve(fn, site)
        env.slots.initialize(to: consume x0)
        (env.slots + 1).initialize(to: consume x1)
        (env.slots + 2).initialize(to: consume x2)
        return try machine.run(fn, env, site)
    }

    final func callN<C: Callee>(_ callee: C, _ f: Env) throws -> Value {
        var c = Value.nil
        let fn = try callee.load(f, arity: arguments.count, &c)
        defer { if let fn { callee.done(fn) }; withExtendedLifetime(c) {} }  // c owns a computed callee
        var xs: [Value] = []
        xs.reserveCapacity(arguments.count)
        for a in arguments { xs.append(try a.eval(f)) }
        guard let fn else { return try other(c, xs) }
        let env = try machine.reserve(fn, site)
        env.slots.initialize(from: xs, count: xs.count)
        return try machine.run(fn, env, site)
    }

    /// Anything but a cdsa function of that arity: built-ins, foreign callables, errors.
    @inline(never) final func other(_ c: Value, _ xs: [Value]) throws -> Value {
        try interpreter.callValue(c, CallArguments(xs), name, site.source.takeUnretainedValue(), site.span)
    }
}

final class GlobalCall0: CallNode { override func eval(_ f: Env) throws -> Value { try call0(global, f) } }
final class GlobalCall1: CallNode { override func eval(_ f: Env) throws -> Value { try call1(global, f) } }
final class GlobalCall2: CallNode { override func eval(_ f: Env) throws -> Value { try call2(global, f) } }
final class GlobalCall3: CallNode { override func eval(_ f: Env) throws -> Value { try call3(global, f) } }
final class GlobalCallN: CallNode { override func eval(_ f: Env) throws -> Value { try callN(global, f) } }
final class ComputedCall0: CallNode { override func eval(_ f: Env) throws -> Value { try call0(computed, f) } }
final class ComputedCall1: CallNode { override func eval(_ f: Env) throws -> Value { try call1(computed, f) } }
final class ComputedCall2: CallNode { override func eval(_ f: Env) throws -> Value { try call2(computed, f) } }
final class ComputedCall3: CallNode { override func eval(_ f: Env) throws -> Value { try call3(computed, f) } }
final class ComputedCallN: CallNode { override func eval(_ f: Env) throws -> Value { try callN(computed, f) } }

extension Compiler {
    func call(_ calleeExpr: ResolvedExpr, _ args: [ResolvedArgument], _ span: Span) -> Node {
        var name: String?, global: Int?
        if case .variable(let slot, let n, _) = calleeExpr {
            name = n
            if case .global(let g) = slot { global = g }
        }
        let callee = global == nil ? node(calleeExpr) : nil
        guard args.allSatisfy({ $0.label == nil }) else { return keywordCall(callee ?? node(calleeExpr), name, args, span) }
        let kinds: [CallNode.Type] = global != nil
            ? [GlobalCall0.self, GlobalCall1.self, GlobalCall2.self, GlobalCall3.self, GlobalCallN.self]
            : [ComputedCall0.self, ComputedCall1.self, ComputedCall2.self, ComputedCall3.self, ComputedCallN.self]
        return kinds[min(args.count, 4)].init(self, global: global, callee: callee, name: name, args.map(\.value), span)
    }

    /// A call with keyword arguments: bound by name in Library.swift's `bindArguments`.
    func keywordCall(_ callee: Node, _ name: String?, _ args: [ResolvedArgument], _ span: Span) -> Node {
        let interp = interpreter
        let source = source
        let positional = args.filter { $0.label == nil }.map { node($0.value) }
        let keywords = args.compactMap { a in a.label.map { ($0, node(a.value)) } }
        return ClosureNode { [unowned(unsafe) interp] f in
            let c = try callee.eval(f)
            var values: [Value] = []
            for p in positional { values.append(try p.eval(f)) }
            var named: [(name: String, value: Value)] = []
            for (name, k) in keywords { named.append((name, try k.eval(f))) }
            return try interp.callValue(c, CallArguments(values, keywords: named), name, source, span)
        }
    }
}

extension Interpreter {
    /// Binds arguments to a cdsa function's parameters (keywords, defaults) and runs it.
    func callFunction(_ fn: Function, _ args: CallArguments, _ source: Source, _ span: Span) throws -> Value {
        let code = fn.code
        let site = Site(source, span)
        let bound: [Value?]
        do {
            bound = try bindArguments(function: code.name, parameters: code.parameterNames, acceptsRest: false, args).bound
        } catch let e as ScriptError {
            throw RuntimeError(e.message, source, span)
        }
        let callee = Unmanaged.passUnretained(fn)  // `fn` is ours until we return
        let frame = try machine.reserve(callee, site)
        var missing: [Int] = []
        for (i, v) in bound.enumerated() {
            (frame.slots + i).initialize(to: v ?? .nil)
            if v == nil { missing.append(i) }
        }
        defer { machine.leave(callee, frame) }
        if !missing.isEmpty {
            // Defaults run before `invoke` counts the call, and may call the function again
            // (`fn f(a = f()) = a`): count them as a level, or that recursion is unbounded and
            // overflows the thread's stack (fuzzer finding; see docs/FUZZING.md).
            let state = machine.state
            if state.pointee.depth >= state.pointee.maxDepth { throw RuntimeError("stack overflow", source, span) }
            state.pointee.depth += 1
            defer { state.pointee.depth -= 1 }
            for i in missing {
                guard let d = code.defaults[i] else {
                    throw RuntimeError(badArgument(i + 1, code.name, "value expected, got no value").message, source, span)
                }
                do { frame[i] = try d.eval(frame) } catch var e as RuntimeError {
                    e.unwind(through: code.name, callSite: source, span)  // the default runs inside the call
                    throw e
                }
            }
        }
        return try machine.invoke(callee, frame, site)
    }

    /// Any call that is not the positional fast path.
    func callValue(_ callee: Value, _ args: CallArguments, _ name: String?, _ source: Source, _ span: Span) throws -> Value {
        switch callee {
        case .function(let fn):
            return try callFunction(fn, args, source, span)
        case .builtin(let b):
            return try RuntimeError.at(source, span) {
                if args.keywords.isEmpty { return try b.invokePositional(args.positional, interpreter: self) }
                return try b.invoke(args, interpreter: self)
            }
        case .foreign(let object):
            if let v = try RuntimeError.at(source, span, { try object.call(args, interpreter: self) }) { return v }
            throw RuntimeError("cannot call \(withArticle(object.typeName))", source, span)
        default:
            let what = name.map { "'\($0)' (\(withArticle(callee.typeName)))" } ?? withArticle(callee.typeName)
            // Names are visible in their whole block, values only once bound: fn later() is
            // nil until its line runs.
            let hint = name != nil && isNil(callee) ? "; a function exists once its fn line has run" : ""
            throw RuntimeError("cannot call \(what)\(hint)", source, span)
        }
    }
}
