// Interpreter: runs resolved code. Each resolved expression is turned once into a node
// (Node.swift: the tree-walker's `eval` for it, with its slot, operator and constants
// already decided) and each statement into a Swift closure, then that tree runs. Numbers
// stay unboxed in `Value`; a call's locals live on the machine's value stack, or in a heap
// frame when a closure may capture them (Machine.swift). The compiler is in the
// Interpreter+*.swift files: statements, expressions, calls, operators.

typealias Eval = (Env) throws -> Value
typealias Exec = (Env) throws -> Flow

/// How a statement finished.
enum Flow { case next, breakLoop, continueLoop, returned }

/// A runtime error on its way out; it collects the cdsa call stack as calls unwind.
struct RuntimeError: Error {
    var message: String
    /// Raised by Ctrl-C (`ScriptError.interrupted`), not by the script.
    var interrupted = false
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

    /// Runs a built-in or foreign call made at `source`/`span`: its errors point there
    /// (a RuntimeError it raised keeps its own stack; anything else becomes one).
    static func at<R>(_ source: Source, _ span: Span, _ body: () throws -> R) throws -> R {
        do { return try body() } catch var e as RuntimeError {
            e.pendingSource = source
            e.pendingSpan = span
            throw e
        } catch {
            var e = RuntimeError("\(error)", source, span)
            e.interrupted = (error as? ScriptError)?.interrupted ?? false
            throw e
        }
    }

    /// `error` leaving a call of `fn` made at `site`, with that call on its stack.
    @inline(never) static func unwinding(_ error: any Error, through fn: Function, _ site: Site) -> any Error {
        guard var e = error as? RuntimeError else { return error }
        e.unwind(through: fn.code.name, callSite: site.source.takeUnretainedValue(), site.span)
        return e
    }

    func diagnostic() -> Diagnostic {
        var e = self
        e.unwind(through: "<script>", callSite: source, span)
        var d = Diagnostic(phase: .runtime, message: message, source: source, span: span)
        d.stack = e.stack
        d.interrupted = interrupted
        return d
    }
}

public final class Interpreter {
    public let globals: Globals
    /// Where `print` writes.
    public var output: (String) -> Void
    /// Calls nested deeper than this stop with "stack overflow".
    public var maxCallDepth: Int {
        get { machine.state.pointee.maxDepth }
        set { machine.state.pointee.maxDepth = newValue }
    }
    /// Polled every `pollInterval` loop iterations and calls; returning true stops the run
    /// with "interrupted" (Ctrl-C, or a fuzzer's step budget).
    public var isCancelled: (() -> Bool)?
    public var pollInterval: Int {
        get { machine.state.pointee.pollInterval }
        set {
            machine.state.pointee.pollInterval = newValue
            machine.state.pointee.countdown = newValue
        }
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

    static let valueStackSize = 1 << 18
    /// Call depth, the poll countdown and the value stack, for compiled code.
    let machine: Machine

    public init(globals: Globals = Globals(), output: @escaping (String) -> Void = { Swift.print($0, terminator: "") }) {
        self.globals = globals
        self.output = output
        let stack = UnsafeMutablePointer<Value>.allocate(capacity: Interpreter.valueStackSize)
        let state = UnsafeMutablePointer<Machine.State>.allocate(capacity: 1)
        state.initialize(to: Machine.State(top: stack, stackEnd: stack + Interpreter.valueStackSize))
        machine = Machine(state: state)
        stackBase = stack
        state.pointee.interpreter = self
    }

    let stackBase: UnsafeMutablePointer<Value>

    deinit {
        stackBase.deallocate()
        machine.state.deinitialize(count: 1)
        machine.state.deallocate()
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
        var last: Node?
        if case .expression(let e)? = statements.last {
            statements.removeLast()
            last = compiler.node(e)
        }
        let body = compiler.block(statements)
        let frame = Frame.make(parent: nil, count: program.slotCount)
        let env = Env(slots: frame.elements, frame: frame, parent: nil)
        machine.state.pointee.countdown = pollInterval
        defer { globals.releaseRetired() }
        do {
            _ = try body(env)
            return try last?.eval(env)
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
            throw ScriptError("cannot call \(withArticle(f.typeName))")
        default:
            throw ScriptError("cannot call \(withArticle(callee.typeName))")
        }
    }

    /// Throws "interrupted" if the cancellation hook says so.
    public func checkCancellation() throws {
        if isCancelled?() == true { throw ScriptError("interrupted") }
    }
}
