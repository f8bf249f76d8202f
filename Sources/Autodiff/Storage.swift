import Synchronization

/// The size cap for one tensor, in bytes; creating a larger tensor is an error.
/// Default 4 GiB (a sixth of this machine). Process-wide because it is a policy of
/// the host process, like a ulimit.
public enum TensorLimits {
    private static let cap = Atomic<Int>(4 << 30)
    public static var maxBytes: Int {
        get { cap.load(ordering: .relaxed) }
        set { cap.store(newValue, ordering: .relaxed) }
    }
}

/// Reference-counted float buffer behind a tensor. Buffers of 4K floats or more are
/// recycled through a small pool: training loops allocate the same sizes every step,
/// and fresh large allocations would page-fault on every use.
final class Storage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// Uninitialised storage for `count` floats.
    init(count: Int) {
        self.count = count
        if count >= BufferPool.minimum, let p = BufferPool.shared.take(count) {
            pointer = p
        } else {
            var raw: UnsafeMutableRawPointer?
            // 64-byte alignment for AVX loads; a failed allocation is out of memory.
            let status = posix_memalign(&raw, 64, Swift.max(count, 1) * MemoryLayout<Float>.stride)
            guard status == 0, let raw else { fatalError("out of memory allocating \(count) floats") }
            pointer = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
        }
    }

    deinit {
        if count >= BufferPool.minimum, BufferPool.shared.give(pointer, count) { return }
        free(pointer)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Free lists of buffers keyed by exact size, bounded in total bytes.
final class BufferPool: Sendable {
    static let minimum = 4096
    static let shared = BufferPool()
    private static let budgetFloats = 64 << 20 / 4

    private struct State {
        var lists: [Int: [Int]] = [:]  // addresses, to keep the state Sendable
        var held = 0
    }
    private let state = Mutex(State())

    func take(_ count: Int) -> UnsafeMutablePointer<Float>? {
        let address = state.withLock { s -> Int? in
            guard let address = s.lists[count]?.popLast() else { return nil }
            s.held -= count
            return address
        }
        return address.flatMap { UnsafeMutablePointer(bitPattern: $0) }
    }

    func give(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> Bool {
        let p = Int(bitPattern: p)
        return state.withLock { s -> Bool in
            guard s.held + count <= Self.budgetFloats else { return false }
            s.lists[count, default: []].append(p)
            s.held += count
            return true
        }
    }
}
