// Runtime storage: one heap frame per call (parameters and locals, one allocation), the
// session's global table, and function values that close over the frame they were made in.

struct FrameHeader {
    let parent: Frame?
    let count: Int
}

/// The slots of one call. Closures keep their defining frame alive through `parent`.
final class Frame: ManagedBuffer<FrameHeader, Value> {
    @inline(__always)
    static func make(parent: Frame?, count: Int) -> Frame {
        let buffer = Frame.create(minimumCapacity: count) { _ in FrameHeader(parent: parent, count: count) }
        let frame = unsafeDowncast(buffer, to: Frame.self)
        frame.withUnsafeMutablePointerToElements { $0.initialize(repeating: .nil, count: count) }
        return frame
    }

    deinit {
        // Slots that hold lists, records or closures are released flat (`releaseIteratively`),
        // so a long chain of closures, each capturing the previous one, cannot overflow the stack.
        var work: [Value] = []
        withUnsafeMutablePointers { header, elements in
            for i in 0..<header.pointee.count {
                if elements[i].holdsObjects { work.append((elements + i).move()) }
                else { (elements + i).deinitialize(count: 1) }
            }
        }
        if !work.isEmpty { releaseIteratively(&work) }
    }

    /// For `releaseIteratively`: hands the slots over, leaving nil in each.
    func moveSlots(into work: inout [Value]) {
        withUnsafeMutablePointers { header, elements in
            for i in 0..<header.pointee.count where elements[i].holdsObjects {
                work.append((elements + i).move())
                (elements + i).initialize(to: .nil)
            }
        }
    }

    @inline(__always) var parent: Frame? { header.parent }

    /// The slots; stable for the frame's lifetime (they are tail-allocated in the object).
    @inline(__always) var elements: UnsafeMutablePointer<Value> { withUnsafeMutablePointerToElements { $0 } }

    @inline(__always) subscript(i: Int) -> Value {
        get { withUnsafeMutablePointerToElements { $0[i] } }
        set { withUnsafeMutablePointerToElements { $0[i] = newValue } }
    }

    @inline(__always) func ancestor(_ depth: Int) -> Frame {
        var f = self
        for _ in 0..<depth { f = f.header.parent! }
        return f
    }
}

/// What compiled code runs against: the running call's slots, its heap frame if it has one,
/// and the frame its function closes over (for captured variables).
struct Env {
    let slots: UnsafeMutablePointer<Value>
    /// Owns the slots when they are on the heap; nil when they are on the value stack.
    let frame: Frame?
    /// Kept alive by the function being called, so not retained here.
    unowned(unsafe) let parent: Frame?

    @inline(__always) subscript(i: Int) -> Value {
        get { slots[i] }
        nonmutating set { slots[i] = newValue }
    }

    /// The frame `depth` lexical levels out (depth ≥ 1).
    @inline(__always) func ancestor(_ depth: Int) -> Frame {
        parent.unsafelyUnwrapped.ancestor(depth - 1)
    }
}

/// The session's top-level names and their values, shared by the resolver (names) and the
/// interpreter (values), so a REPL line sees what earlier lines defined.
public final class Globals {
    public private(set) var names: [String] = []
    private var indices: [String: Int] = [:]
    /// The value array, behind a fixed pointer: compiled code reads `values` through a
    /// `let`, which needs no exclusivity check, and growth swaps the array underneath.
    private let table: UnsafeMutablePointer<UnsafeMutablePointer<Value>>
    private var capacity = 64

    @inline(__always) var values: UnsafeMutablePointer<Value> { table.pointee }

    public init() {
        table = .allocate(capacity: 1)
        table.initialize(to: .allocate(capacity: capacity))
    }

    deinit {
        values.deinitialize(count: names.count)
        values.deallocate()
        table.deallocate()
    }

    public func index(of name: String) -> Int? { indices[name] }

    /// The slot of `name`, created (holding nil) if it is new.
    public func declare(_ name: String) -> Int {
        if let i = indices[name] { return i }
        if names.count == capacity {
            let bigger = UnsafeMutablePointer<Value>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: values, count: names.count)
            values.deallocate()
            table.pointee = bigger
            capacity *= 2
        }
        (values + names.count).initialize(to: .nil)
        indices[name] = names.count
        names.append(name)
        return names.count - 1
    }

    public subscript(name: String) -> Value? {
        get { indices[name].map { values[$0] } }
        set {
            // Declare first: `declare` may grow (reallocate) `values`, which the subscript
            // below must not have read yet.
            let i = declare(name)
            values[i] = newValue ?? .nil
        }
    }
}

/// A compiled function body and what a call needs to bind its arguments.
final class FunctionCode {
    let name: String
    let parameterNames: [String]
    /// Default-value code, evaluated in the callee's frame when an argument is missing.
    let defaults: [Eval?]
    let slotCount: Int
    let needsFrame: Bool
    let body: Eval
    let source: Source
    let span: Span

    init(name: String, parameterNames: [String], defaults: [Eval?], slotCount: Int, needsFrame: Bool,
         body: @escaping Eval, source: Source, span: Span) {
        self.needsFrame = needsFrame
        self.name = name
        self.parameterNames = parameterNames
        self.defaults = defaults
        self.slotCount = slotCount
        self.body = body
        self.source = source
        self.span = span
    }
}

/// A function value: code plus the frame it closes over.
public final class Function {
    let code: FunctionCode
    let env: Frame?
    // Copied from `code` so a call reaches them with one indirection.
    let arity: Int
    let slotCount: Int
    let needsFrame: Bool
    let body: Eval
    init(code: FunctionCode, env: Frame?) {
        needsFrame = code.needsFrame
        self.code = code
        self.env = env
        arity = code.parameterNames.count
        slotCount = code.slotCount
        body = code.body
    }
    public var name: String { code.name }
    public var parameterNames: [String] { code.parameterNames }
}
