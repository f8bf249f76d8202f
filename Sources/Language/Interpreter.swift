// Interpreter: runs resolved code. Each resolved node is turned once into a Swift closure
// (the tree-walker's `eval` for that node, with its slot, operator and constants already
// decided), then the tree of closures runs. Numbers stay unboxed in `Value`; locals live in
// one heap frame per call. Statements here; expressions, calls and operators in the
// Interpreter+*.swift files.

typealias Eval = (Env) throws -> Value
typealias Exec = (Env) throws -> Flow

/// How a statement finished.
enum Flow { case next, breakLoop, continueLoop, returned }

/// A runtime error on its way out; it collects the cdsa call stack as calls unwind.
struct RuntimeError: Error {
    var message: String
    var source: Source
    var span: Span
    var stack: [Diagnostic.Frame] = []
    /// Where execution was in the frame being unwound (starts at the error itself).
    var pendingSource: Source
    var pendingSpan: Span

    init(_ message: String, _ source: Source, _ span: Span) {
        self.message = message
        self.source = source
        self.span = span
        pendingSource = source
        pendingSpan = span
    }

    /// Leaves a call of `function` made at `source`/`span`.
    mutating func unwind(through function: String, callSite source: Source, _ span: Span) {
        let (line, column) = pendingSource.location(of: pendingSpan.start)
        stack.append(Diagnostic.Frame(function: function, path: pendingSource.path, line: line, column: column))
        pendingSource = source
        pendingSpan = span
    }

    func diagnostic() -> Diagnostic {
        var e = self
        e.unwind(through: "<script>", callSite: source, span)
        var d = Diagnostic(phase: .runtime, message: message, source: source, span: span)
        d.stack = e.stack
        return d
    }
}

public final class Interpreter {
    public let globals: Globals
    /// Where `print` writes.
    public var output: (String) -> Void
    /// Calls nested deeper than this stop with "stack overflow".
    public var maxCallDepth: Int {
        get { state.pointee.maxDepth }
        set { state.pointee.maxDepth = newValue }
    }
    /// Polled every `pollInterval` loop iterations and calls; returning true stops the run
    /// with "interrupted" (Ctrl-C, or a fuzzer's step budget).
    public var isCancelled: (() -> Bool)?
    public var pollInterval = 4096 {
        didSet { state.pointee.countdown = pollInterval }
    }
    public private(set) var libraries: [Library] = []
    /// The longest string (in UTF-8 bytes) or list one operation may make. Longer results
    /// are a runtime error ("string too long", "list too long") instead of an allocation
    /// the process cannot survive: `list(0..<1e12)`, `"x" * 1e9`, or a string doubled in a
    /// loop would otherwise trap in the allocator (fuzzer finding; see docs/FUZZING.md).
    /// Process-wide; an embedder (the fuzzer) may lower it before running scripts.
    nonisolated(unsafe) public static var maxLength = 1 << 27

    /// Throws "string too long" / "list too long" when `count` exceeds `maxLength`.
    static func checkLength(_ count: Int, _ what: String) throws(ScriptError) {
        if count > maxLength { throw tooLong(what) }
    }
    static func tooLong(_ what: String) -> ScriptError {
        ScriptError("\(what) too long (more than \(maxLength) \(what == "string" ? "bytes" : "items"))")
    }

    /// Mutable run state behind a pointer: hot paths touch it without exclusivity checks.
    struct State {
        var depth = 0
        var maxDepth = 1000
        var countdown = 4096
        var returnValue: Value = .nil
        /// The value stack: slots of calls that no closure can capture.
        var top: UnsafeMutablePointer<Value>
        var stackEnd: UnsafeMutablePointer<Value>
    }
    static let valueStackSize = 1 << 18
    let state: UnsafeMutablePointer<State>

    public init(globals: Globals = Globals(), output: @escaping (String) -> Void = { Swift.print($0, terminator: "") }) {
        self.globals = globals
        self.output = output
        state = .allocate(capacity: 1)
        let stack = UnsafeMutablePointer<Value>.allocate(capacity: Interpreter.valueStackSize)
        state.initialize(to: State(top: stack, stackEnd: stack + Interpreter.valueStackSize))
        stackBase = stack
    }

    let stackBase: UnsafeMutablePointer<Value>

    deinit {
        stackBase.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Makes a library's built-ins global names.
    public func register(_ library: Library) {
        for b in library.entries { globals[b.name] = .builtin(b) }
        libraries.append(library)
    }

    /// The registered built-in of that name, for `:help`.
    public func builtin(named name: String) -> Builtin? {
        for library in libraries.reversed() { if let b = library.entries.first(where: { $0.name == name }) { return b } }
        return nil
    }

    /// Runs a resolved file. Returns the value of its last statement if that is an
    /// expression (what a REPL prints), else nil.
    public func run(_ program: ResolvedProgram) throws(Diagnostic) -> Value? {
        let compiler = Compiler(interpreter: self, source: program.source)
        var statements = program.statements
        var last: Eval?
        if case .expression(let e)? = statements.last {
            statements.removeLast()
            last = compiler.expr(e)
        }
        let body = compiler.block(statements)
        let frame = Frame.make(parent: nil, count: program.slotCount)
        let env = Env(slots: frame.elements, frame: frame, parent: nil)
        state.pointee.countdown = pollInterval
        do {
            _ = try body(env)
            return try last?(env)
        } catch let e as RuntimeError {
            throw e.diagnostic()
        } catch {
            throw Diagnostic(phase: .runtime, message: "\(error)", source: program.source, span: Span(0, 0))
        }
    }

    /// Calls a cdsa value from Swift (a built-in's callback, a binding).
    public func call(_ callee: Value, _ arguments: CallArguments) throws -> Value {
        switch callee {
        case .function(let f):
            return try callFunction(f, arguments, f.code.source, f.code.span)
        case .builtin(let b):
            return try b.invoke(arguments, interpreter: self)
        case .foreign(let f):
            if let v = try f.call(arguments, interpreter: self) { return v }
            throw ScriptError("cannot call a \(f.typeName)")
        default:
            throw ScriptError("cannot call a \(callee.typeName)")
        }
    }

    /// Throws "interrupted" if the cancellation hook says so.
    public func checkCancellation() throws {
        if isCancelled?() == true { throw ScriptError("interrupted") }
    }

    @inline(__always) func tick(_ source: Source, _ span: Span) throws {
        state.pointee.countdown &-= 1
        if state.pointee.countdown <= 0 {
            state.pointee.countdown = pollInterval
            if isCancelled?() == true { throw RuntimeError("interrupted", source, span) }
        }
    }
}

/// Turns resolved code into closures. One per file (it knows the file for error locations).
struct Compiler {
    unowned(unsafe) let interpreter: Interpreter
    let source: Source

    func block(_ statements: [ResolvedStmt]) -> Exec {
        let compiled = statements.map { stmt($0) }
        switch compiled.count {
        case 0: return { _ in .next }
        case 1: return compiled[0]
        case 2:
            let a = compiled[0], b = compiled[1]
            return { f in
                let flow = try a(f)
                return flow == .next ? try b(f) : flow
            }
        default:
            return { f in
                for s in compiled {
                    let flow = try s(f)
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
            let eval = expr(e)
            return { f in _ = try eval(f); return .next }
        case .define(let slot, let e), .assign(.variable(let slot), let e, _):
            return store(slot, expr(e))
        case .assign(.index(let base, let index, let span), let e, _):
            let b = expr(base), i = expr(index), v = expr(e)
            return { [unowned(unsafe) interp] f in
                try interp.setIndex(try b(f), try i(f), try v(f), source, span)
                return .next
            }
        case .assign(.field(let base, let name, let span), let e, _):
            let b = expr(base), v = expr(e)
            return { [unowned(unsafe) interp] f in
                try interp.setField(try b(f), name, try v(f), source, span)
                return .next
            }
        case .if(let condition, let then, let otherwise):
            let c = expr(condition), t = block(then), o = block(otherwise)
            return { f in try c(f).isTruthy ? try t(f) : try o(f) }
        case .while(let condition, let body):
            let c = expr(condition), b = block(body)
            let span = condition.span
            return { [unowned(unsafe) interp] f in
                while try c(f).isTruthy {
                    try interp.tick(source, span)
                    switch try b(f) {
                    case .breakLoop: return .next
                    case .returned: return .returned
                    case .next, .continueLoop: break
                    }
                }
                return .next
            }
        case .for(let slot, let sequence, let body, let span):
            return forLoop(slot, expr(sequence), block(body), span)
        case .return(let value):
            guard let value else { return { [unowned(unsafe) interp] _ in interp.state.pointee.returnValue = .nil; return .returned } }
            let v = expr(value)
            return { [unowned(unsafe) interp] f in interp.state.pointee.returnValue = try v(f); return .returned }
        case .break: return { _ in .breakLoop }
        case .continue: return { _ in .continueLoop }
        }
    }

    func store(_ slot: Slot, _ value: @escaping Eval) -> Exec {
        switch slot {
        case .local(let i):
            return { f in f[i] = try value(f); return .next }
        case .captured(let depth, let i):
            return { f in
                let v = try value(f)
                f.ancestor(depth)[i] = v
                return .next
            }
        case .global(let i):
            let globals = interpreter.globals
            return { f in
                let v = try value(f)
                globals.values[i] = v
                return .next
            }
        }
    }

    /// `for x in seq`: ranges count without building a list; lists iterate over a snapshot.
    func forLoop(_ slot: Slot, _ sequence: @escaping Eval, _ body: @escaping Exec, _ span: Span) -> Exec {
        let interp = interpreter
        let source = source
        let setter: (Env, Value) -> Void
        switch slot {
        case .local(let i): setter = { f, v in f[i] = v }
        case .captured(let d, let i): setter = { f, v in f.ancestor(d)[i] = v }
        case .global(let i):
            let globals = interp.globals
            setter = { _, v in globals.values[i] = v }
        }
        return { [unowned(unsafe) interp] f in
            let items: [Value]
            switch try sequence(f) {
            case .range(let start, let count):
                var k = 0
                while k < count {
                    setter(f, .number(start + Double(k)))
                    try interp.tick(source, span)
                    let flow = try body(f)
                    if flow == .breakLoop { break }
                    if flow == .returned { return .returned }
                    k += 1
                }
                return .next
            case .list(let l): items = l.items
            case .string(let s): items = s.map { .string(String($0)) }
            case .record(let r): items = r.keys.map { .string($0) }
            case let other:
                throw RuntimeError("cannot iterate over a \(other.typeName)", source, span)
            }
            for item in items {
                setter(f, item)
                try interp.tick(source, span)
                let flow = try body(f)
                if flow == .breakLoop { break }
                if flow == .returned { return .returned }
            }
            return .next
        }
    }
}
