// Globals: the session's top-level names and their values, shared by the resolver (names)
// and the interpreter (values), so a REPL line sees what earlier lines defined.
//
// Beside each value the table keeps, unretained, the cdsa function it holds (if any). A
// call of a global function (`fib(n - 1)`) reads it there and runs it without copying the
// value or retaining the function, which is most of what a call would otherwise cost: it
// counts itself in the function's `borrows` instead (a plain, non-atomic count). A global
// that stops holding a function still borrowed keeps it in `retired` until it is not.

public final class Globals {
    public private(set) var names: [String] = []
    private var indices: [String: Int] = [:]

    struct Tables {
        var values: UnsafeMutablePointer<Value>
        var functions: UnsafeMutablePointer<Unmanaged<Function>?>
    }
    /// The tables, behind a fixed pointer: compiled code reads them through a `let`, which
    /// needs no exclusivity check, and growth swaps the tables underneath.
    private let tables: UnsafeMutablePointer<Tables>
    private var capacity = 64
    /// Functions that globals stopped holding while calls still borrowed them.
    private var retired: [Value] = []

    /// Read-only outside: a value written here directly would leave `functions` naming a
    /// function it no longer holds. Every write goes through `set`.
    @inline(__always) var values: UnsafePointer<Value> { UnsafePointer(tables.pointee.values) }
    @inline(__always) private var storage: UnsafeMutablePointer<Value> { tables.pointee.values }
    @inline(__always) var functions: UnsafeMutablePointer<Unmanaged<Function>?> { tables.pointee.functions }

    public init() {
        tables = .allocate(capacity: 1)
        tables.initialize(to: Tables(values: .allocate(capacity: capacity), functions: .allocate(capacity: capacity)))
    }

    deinit {
        storage.deinitialize(count: names.count)
        storage.deallocate()
        functions.deallocate()
        tables.deallocate()
    }

    public func index(of name: String) -> Int? { indices[name] }

    /// Names declared before this count belong to the libraries (the core built-ins, the
    /// prelude); set once a session has loaded them (`markLibraries`).
    public private(set) var libraryCount = 0

    /// Marks every name declared so far as the libraries'.
    public func markLibraries() { libraryCount = names.count }

    /// Whether `name` is a library's (a built-in, or defined before `markLibraries`) rather
    /// than the user's, for ranking "did you mean" guesses.
    public func isLibrary(_ name: String) -> Bool {
        guard let i = indices[name] else { return false }
        if i < libraryCount { return true }
        if case .builtin = values[i] { return true }
        return false
    }

    /// The slot of `name`, created (holding nil) if it is new.
    public func declare(_ name: String) -> Int {
        if let i = indices[name] { return i }
        let n = names.count
        if n == capacity {
            let values = UnsafeMutablePointer<Value>.allocate(capacity: capacity * 2)
            values.moveInitialize(from: storage, count: n)
            let functions = UnsafeMutablePointer<Unmanaged<Function>?>.allocate(capacity: capacity * 2)
            functions.moveInitialize(from: self.functions, count: n)
            storage.deallocate()
            self.functions.deallocate()
            tables.pointee = Tables(values: values, functions: functions)
            capacity *= 2
        }
        (storage + n).initialize(to: .nil)
        (functions + n).initialize(to: nil)
        indices[name] = n
        names.append(name)
        return n
    }

    /// Stores `v` in global `i`.
    @inline(__always)
    func set(_ i: Int, _ v: Value) {
        if let old = functions[i], old._withUnsafeGuaranteedRef({ $0.borrows > 0 }) {
            // The same function stored again (`f = f` while f runs) changes nothing.
            if case .function(let new) = v, new === old.takeUnretainedValue() { return }
            retire(i, v)
        } else {
            storage[i] = v
        }
        if case .function(let fn) = v { functions[i] = .passUnretained(fn) } else { functions[i] = nil }
    }

    @inline(never) private func retire(_ i: Int, _ v: Value) {
        retired.append((storage + i).move())
        (storage + i).initialize(to: v)
        if retired.count >= 64 { releaseRetired() }
    }

    /// Releases the retired functions no call borrows any more (at the end of a run, all).
    func releaseRetired() {
        guard !retired.isEmpty else { return }
        var free: [Value] = []
        var kept: [Value] = []
        for v in retired {
            if case .function(let fn) = v, fn.borrows > 0 { kept.append(v) } else { free.append(v) }
        }
        retired = kept
        releaseIteratively(&free)
    }

    public subscript(name: String) -> Value? {
        get { indices[name].map { values[$0] } }
        set {
            // Declare first: `declare` may grow (reallocate) the tables.
            let i = declare(name)
            set(i, newValue ?? .nil)
        }
    }
}
