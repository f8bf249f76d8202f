/// Everything a tensor operation can refuse. Scripts reach the engine, so shape
/// mistakes and oversized requests are errors a user sees, never traps.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// Two shapes that an operation needs to agree do not.
    case shapeMismatch(op: String, String)
    /// A shape or argument that is invalid on its own (negative size, bad axis…).
    case invalidArgument(op: String, String)
    /// The tensor would exceed the configured size cap.
    case tooLarge(shape: [Int], limitBytes: Int)
    /// The cancellation token was set (Ctrl-C) while a long loop ran.
    case cancelled

    public var description: String {
        switch self {
        case .shapeMismatch(let op, let message): return "\(op): \(message)"
        case .invalidArgument(let op, let message): return "\(op): \(message)"
        case .tooLarge(let shape, let limit):
            return "tensor of shape \(shape) exceeds the memory cap of \(formatBytes(limit))"
        case .cancelled: return "interrupted"
        }
    }
}

func formatBytes(_ n: Int) -> String {
    if n >= 1 << 30, n % (1 << 30) == 0 { return "\(n >> 30) GiB" }
    if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
    return "\(n) bytes"
}
