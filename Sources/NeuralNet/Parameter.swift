import Autodiff

/// A trainable tensor with its PyTorch-style name (`net.0.weight`). A class, so a
/// network, its optimiser and a gradient computation all see the same value.
public final class Parameter {
    public let name: String
    public var value: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
    }
}

/// Anything that owns parameters: layers, networks, whole agents.
public protocol Module: AnyObject {
    /// Parameters in a fixed order, named as PyTorch's `state_dict` would name them.
    var parameters: [Parameter] { get }
}

extension Module {
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Name → value, for saving.
    public var stateDict: [String: Tensor] {
        Dictionary(parameters.map { ($0.name, $0.value.detached) }, uniquingKeysWith: { a, _ in a })
    }

    /// Loads values by name; every parameter must be present with its shape.
    public func load(stateDict: [String: Tensor]) throws {
        for p in parameters {
            guard let t = stateDict[p.name] else {
                throw TensorError.invalidArgument(op: "load", "missing tensor '\(p.name)'")
            }
            guard t.shape == p.value.shape else {
                throw TensorError.shapeMismatch(op: "load", "'\(p.name)' has shape \(t.shape), expected \(p.value.shape)")
            }
        }
        for p in parameters { p.value = stateDict[p.name]!.detached }
    }
}

/// Runs `body` with `parameters` watched by a fresh tape and returns the scalar it
/// computes with the gradient for each parameter, in order. The parameters hold their
/// plain values again afterwards.
public func valueWithGradients(at parameters: [Parameter], _ body: () throws -> Tensor) throws -> (value: Float, gradients: [Tensor]) {
    let tape = Tape()
    let saved = parameters.map(\.value)
    for p in parameters { p.value = tape.watch(p.value) }
    defer { for (p, v) in zip(parameters, saved) { p.value = v.detached } }
    let loss = try body()
    guard let value = loss.scalar else {
        throw TensorError.invalidArgument(op: "gradient", "the loss must be a scalar, got shape \(loss.shape)")
    }
    let gradients = try tape.gradients(of: loss)
    return (value, try parameters.map { try gradients[$0.value] })
}
