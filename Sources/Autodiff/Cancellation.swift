import Synchronization

/// Cooperative cancellation: one flag that Ctrl-C sets and every long engine loop
/// polls between steps (`try token.check()`), so an interrupted run stops where its
/// state is consistent. The flag is lock-free, so a signal handler may set it.
public final class CancellationToken: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// The process-wide token that the REPL's SIGINT handler sets.
    public static let interrupt = CancellationToken()

    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public func reset() { flag.store(false, ordering: .relaxed) }

    /// Throws `TensorError.cancelled` once the token is set (and clears it, so the
    /// next evaluation starts fresh).
    public func check() throws {
        if flag.load(ordering: .relaxed) {
            flag.store(false, ordering: .relaxed)
            throw TensorError.cancelled
        }
    }
}
