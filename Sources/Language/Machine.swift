// Machine: the run state that hot paths touch (call depth, the cancellation countdown, the
// value stack), behind a pointer that compiled closures capture. A pointer is not
// reference counted, so a call or a loop iteration reaches it retaining nothing; going
// through the Interpreter object instead cost a retain and a release each time.

struct Machine {
    struct State {
        var depth = 0
        var maxDepth = 1000
        var countdown = 4096
        var pollInterval = 4096
        var returnValue: Value = .nil
        /// The value stack: slots of calls that no closure can capture.
        var top: UnsafeMutablePointer<Value>
        var stackEnd: UnsafeMutablePointer<Value>
        /// For the poll's slow path; set once the interpreter exists, which outlives this.
        unowned(unsafe) var interpreter: Interpreter?
    }

    let state: UnsafeMutablePointer<State>
}

/// Where a call or a loop is, for its errors. The source is not retained: compiled code
/// holding a `Site` is owned by what keeps its source alive (a `FunctionCode`, or a run).
struct Site {
    let source: Unmanaged<Source>
    let span: Span
    init(_ source: Source, _ span: Span) {
        self.source = .passUnretained(source)
        self.span = span
    }

    @inline(never) func error(_ message: String) -> RuntimeError {
        RuntimeError(message, source.takeUnretainedValue(), span)
    }
}

extension Machine {
    /// Counts down to the next cancellation poll (every `pollInterval` calls and iterations).
    @inline(__always) func tick(_ site: Site) throws {
        state.pointee.countdown &-= 1
        if state.pointee.countdown <= 0 { try poll(site) }
    }

    @inline(never) func poll(_ site: Site) throws {
        state.pointee.countdown = state.pointee.pollInterval
        if state.pointee.interpreter?.isCancelled?() == true { throw site.error("interrupted") }
    }

    // The calls below take the function unretained (`Unmanaged`): the caller keeps it
    // alive. Its fields are read through `_withUnsafeGuaranteedRef`, which retains nothing;
    // each closure is kept tiny so that it is inlined.

    /// The slots for a call of `fn`, the parameters' left uninitialized for the caller to
    /// write (nothing may throw in between) and the rest nil: on the value stack, or in a
    /// heap frame when a closure made during the call may capture them. Pair with `run`.
    @inline(__always)
    func reserve(_ fn: Unmanaged<Function>, _ site: Site) throws -> Env {
        let (count, arity, needsFrame) = fn._withUnsafeGuaranteedRef { ($0.slotCount, $0.arity, $0.needsFrame) }
        if needsFrame { return heapSlots(fn) }
        let base = state.pointee.top
        guard base + count <= state.pointee.stackEnd else { throw site.error("stack overflow") }
        var i = arity
        while i < count { (base + i).initialize(to: .nil); i &+= 1 }
        state.pointee.top = base + count
        return fn._withUnsafeGuaranteedRef { Env(slots: base, frame: nil, parent: $0.parent) }
    }

    @inline(never) func heapSlots(_ fn: Unmanaged<Function>) -> Env {
        let fn = fn.takeUnretainedValue()
        let frame = Frame.make(parent: fn.env, count: fn.slotCount, from: fn.arity)
        return Env(slots: frame.elements, frame: frame, parent: fn.parent)
    }

    /// Runs `fn` in slots from `reserve` that now hold its arguments, then frees them.
    @inline(__always)
    func run(_ fn: Unmanaged<Function>, _ env: Env, _ site: Site) throws -> Value {
        defer { leave(fn, env) }
        return try invoke(fn, env, site)
    }

    /// Frees slots from `reserve` (a heap frame frees itself).
    @inline(__always)
    func leave(_ fn: Unmanaged<Function>, _ env: Env) {
        guard env.frame == nil else { return }
        let count = fn._withUnsafeGuaranteedRef { $0.slotCount }
        var i = 0
        while i < count { (env.slots + i).destroy(); i &+= 1 }
        state.pointee.top = env.slots
    }

    /// Runs a cdsa function whose slots hold its arguments. Bounds the depth, polls for
    /// cancellation, and records this call in the stack of an error passing through.
    @inline(__always)
    func invoke(_ fn: Unmanaged<Function>, _ env: Env, _ site: Site) throws -> Value {
        if state.pointee.depth >= state.pointee.maxDepth { throw site.error("stack overflow") }
        state.pointee.depth &+= 1
        defer { state.pointee.depth &-= 1 }
        try tick(site)
        do {
            return try fn._withUnsafeGuaranteedRef { try $0.body.eval(env) }
        } catch {
            throw RuntimeError.unwinding(error, through: fn.takeUnretainedValue(), site)
        }
    }
}

extension UnsafeMutablePointer where Pointee == Value {
    /// Deinitializes the value here, skipping the outlined destroy for plain data.
    @inline(__always) func destroy() {
        switch pointee {
        case .nil, .bool, .number, .range: break
        default: deinitialize(count: 1)
        }
    }
}
