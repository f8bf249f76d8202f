import Foundation

/// A dense row-major Float32 array with value semantics: copies share storage until
/// one of them is written (copy-on-write). A tensor watched by a `Tape`, or computed
/// from one that is, carries its node so operations on it are recorded.
public struct Tensor: @unchecked Sendable {
    var storage: Storage
    public private(set) var shape: [Int]
    /// Set when this value is a node of a tape.
    public internal(set) var node: Node?

    /// Number of elements.
    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// Uninitialised tensor; every caller writes all elements before reading.
    init(uninitialized shape: [Int]) throws {
        let count = try Tensor.elementCount(shape)
        storage = Storage(count: count)
        self.shape = shape
    }

    init(storage: Storage, shape: [Int]) {
        self.storage = storage
        self.shape = shape
    }

    public init(shape: [Int], repeating value: Float) throws {
        try self.init(uninitialized: shape)
        storage.pointer.initialize(repeating: value, count: count)
    }

    public static func zeros(_ shape: [Int]) throws -> Tensor { try Tensor(shape: shape, repeating: 0) }
    public static func ones(_ shape: [Int]) throws -> Tensor { try Tensor(shape: shape, repeating: 1) }

    public init(shape: [Int], scalars: [Float]) throws {
        let n = try Tensor.elementCount(shape)
        guard n == scalars.count else {
            throw TensorError.shapeMismatch(op: "tensor", "shape \(shape) holds \(n) values, got \(scalars.count)")
        }
        try self.init(uninitialized: shape)
        scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: n) }
    }

    /// A rank-0 tensor.
    public init(_ scalar: Float) {
        storage = Storage(count: 1)
        storage.pointer.pointee = scalar
        shape = []
    }

    /// A rank-1 tensor.
    public init(_ scalars: [Float]) {
        // A 1-D array of any length that fits in memory is within the cap's spirit.
        let st = Storage(count: scalars.count)
        scalars.withUnsafeBufferPointer { if let b = $0.baseAddress { st.pointer.update(from: b, count: scalars.count) } }
        storage = st
        shape = [scalars.count]
    }

    /// Checked product of a shape's sizes, enforcing the memory cap.
    public static func elementCount(_ shape: [Int]) throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { throw TensorError.invalidArgument(op: "tensor", "negative size in shape \(shape)") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { throw TensorError.tooLarge(shape: shape, limitBytes: TensorLimits.maxBytes) }
            n = p
        }
        guard n <= TensorLimits.maxBytes / MemoryLayout<Float>.stride else {
            throw TensorError.tooLarge(shape: shape, limitBytes: TensorLimits.maxBytes)
        }
        return n
    }

    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The value of a one-element tensor.
    public var scalar: Float? { count == 1 ? storage.pointer.pointee : nil }

    /// Flat element access (row-major). Writing detaches the tensor from its tape.
    public subscript(flat i: Int) -> Float {
        get { storage.pointer[i] }
        set { makeUnique(); node = nil; storage.pointer[i] = newValue }
    }

    /// The same values, no longer attached to any tape.
    public var detached: Tensor { Tensor(storage: storage, shape: shape) }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Mutable access; copies the storage first if it is shared. Detaches from the tape.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        node = nil
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = Storage(count: storage.count)
            copy.pointer.update(from: storage.pointer, count: storage.count)
            storage = copy
        }
    }

    var pointer: UnsafeMutablePointer<Float> { storage.pointer }
}

extension Tensor: CustomStringConvertible {
    /// One element as printed: whole numbers below 10^9 in full (100001, not 1e+05); others
    /// to 4 significant digits, or as many more as it takes not to pass for a whole number
    /// (1070.5, 2.0001). nan has a sign bit that %g shows ("-nan" for 0/0); it prints as
    /// numbers do.
    public static func shortText(_ x: Float) -> String {
        if x.isNaN { return "nan" }
        let d = Double(x)
        let whole = d == d.rounded()
        if whole, d.magnitude < 1e9 { return String(format: "%.0f", d) }
        var digits = 4, text = String(format: "%.4g", d)
        while !whole, digits < 9, !text.contains("."), !text.contains("e") {
            digits += 1
            text = String(format: "%.\(digits)g", d)
        }
        return text
    }

    /// Compact rendering: tensors of up to 16 numbers in full (an 11-dimensional
    /// observation reads whole), long axes of larger ones abbreviated with "…".
    public var description: String {
        let fmt = Tensor.shortText
        if rank == 0 { return fmt(pointer.pointee) }
        func render(_ dim: Int, _ offset: Int, _ stride: Int) -> String {
            let n = shape[dim]
            let inner = stride / Swift.max(n, 1)
            let show: [Int] = n > 8 && count > 16 ? Array(0..<3) + [-1] + Array(n - 3..<n) : Array(0..<n)
            let parts = show.map { i -> String in
                if i < 0 { return "…" }
                return dim == rank - 1 ? fmt(pointer[offset + i]) : render(dim + 1, offset + i * inner, inner)
            }
            return "[" + parts.joined(separator: ", ") + "]"
        }
        return render(0, 0, count)
    }
}
