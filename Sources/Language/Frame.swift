// Runtime storage: heap frames (the slots of calls whose locals closures may capture), and
// function values that close over the frame they were made in. Globals are in Globals.swift.

struct FrameHeader {
    let parent: Frame?
    let count: Int
}

/// The slots of one call. Closures keep their defining frame alive through `parent`.
final class Frame: ManagedBuffer<FrameHeader, Value> {
    /// A frame whose slots from `first` on hold nil; the caller initializes those before it.
    @inline(__always)
    static func make(parent: Frame?, count: Int, from first: Int = 0) -> Frame {
        let buffer = Frame.create(minimumCapacity: count) { _ in FrameHeader(parent: parent, count: count) }
        let frame = unsafeDowncast(buffer, to: Frame.self)
        frame.withUnsafeMutablePointerToElements { ($0 + first).initialize(repeating: .nil, count: count - first) }
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

/// A compiled function body and what a call needs to bind its arguments.
final class FunctionCode {
    let name: String
    let parameterNames: [String]
    /// Default-value code, evaluated in the callee's frame when an argument is missing.
    let defaults: [Node?]
    /// Where each default is written, for the signature `:help` and `help` show.
    let defaultSpans: [Span?]
    let slotCount: Int
    let needsFrame: Bool
    let body: Node
    let source: Source
    let span: Span

    init(name: String, parameterNames: [String], defaults: [Node?], defaultSpans: [Span?], slotCount: Int,
         needsFrame: Bool, body: Node, source: Source, span: Span) {
        self.needsFrame = needsFrame
        self.name = name
        self.parameterNames = parameterNames
        self.defaults = defaults
        self.defaultSpans = defaultSpans
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
    let body: Node
    /// `env`, for `Env.parent`: read without a retain (`env` keeps the frame alive).
    unowned(unsafe) let parent: Frame?
    /// Calls running this function that read it from a global without retaining it (see
    /// Globals.swift). Not atomic: an interpreter runs on one thread.
    @exclusivity(unchecked) var borrows = 0
    init(code: FunctionCode, env: Frame?) {
        needsFrame = code.needsFrame
        self.code = code
        self.env = env
        parent = env
        arity = code.parameterNames.count
        slotCount = code.slotCount
        body = code.body
    }
    public var name: String { code.name }
    public var parameterNames: [String] { code.parameterNames }

    /// `name(a, b=1, c=a / 3)`, defaults as written; `name` replaces the function's own
    /// (an anonymous function's is `<fn>`).
    public func signature(as name: String? = nil) -> String {
        let parts = zip(code.parameterNames, code.defaultSpans).map { p, span in
            span.map { "\(p)=\(code.source.text(of: $0))" } ?? p
        }
        return "\(name ?? code.name)(\(parts.joined(separator: ", ")))"
    }
}
