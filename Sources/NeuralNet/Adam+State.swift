// Adam's state as values: the step count and the moment estimates m and v of every
// parameter, by parameter name, so a training loop can stop, save and resume bit for bit
// (the bias corrections depend on the step count, the update on m and v).

import Autodiff

extension Adam {
    /// Everything an update depends on besides the parameters and the config.
    public struct State {
        /// Updates applied so far: t in the bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ.
        public var steps: Int
        /// m, the first-moment estimate, by parameter name.
        public var firstMoment: [String: Tensor]
        /// v, the second-moment estimate, by parameter name.
        public var secondMoment: [String: Tensor]

        public init(steps: Int, firstMoment: [String: Tensor], secondMoment: [String: Tensor]) {
            self.steps = steps
            self.firstMoment = firstMoment
            self.secondMoment = secondMoment
        }
    }

    /// A copy of the current state (later steps do not change it).
    public func state() -> State {
        func copy(_ buffer: UnsafeMutablePointer<Float>, like p: Parameter) -> Tensor {
            // The shape is the parameter's, so this cannot fail.
            try! Tensor(shape: p.value.shape, scalars: Array(UnsafeBufferPointer(start: buffer, count: p.value.count)))
        }
        var first: [String: Tensor] = [:], second: [String: Tensor] = [:]
        for (i, p) in parameters.enumerated() {
            first[p.name] = copy(m[i], like: p)
            second[p.name] = copy(v[i], like: p)
        }
        return State(steps: steps, firstMoment: first, secondMoment: second)
    }

    /// Replaces the state with `state`, which must have m and v for every parameter with
    /// its shape (extra names are an error too: they mean a different network). Nothing
    /// changes if it throws.
    public func restore(_ state: State) throws {
        let names = parameters.map(\.name)
        guard Set(names).count == names.count else {
            throw TensorError.invalidArgument(op: "adam", "parameter names are not unique, so the state cannot be matched by name")
        }
        guard state.steps >= 0 else { throw TensorError.invalidArgument(op: "adam", "negative step count \(state.steps)") }
        for (what, moments) in [("m", state.firstMoment), ("v", state.secondMoment)] {
            for p in parameters {
                guard let t = moments[p.name] else {
                    throw TensorError.invalidArgument(op: "adam", "the state has no \(what) for parameter '\(p.name)'")
                }
                guard t.shape == p.value.shape else {
                    throw TensorError.shapeMismatch(op: "adam", "\(what) for '\(p.name)' has shape \(t.shape), expected \(p.value.shape)")
                }
            }
            if let extra = moments.keys.sorted().first(where: { !names.contains($0) }) {
                throw TensorError.invalidArgument(op: "adam", "the state has \(what) for '\(extra)', which is not a parameter")
            }
        }
        for (i, p) in parameters.enumerated() where p.value.count > 0 {
            state.firstMoment[p.name]!.withUnsafeBufferPointer { m[i].update(from: $0.baseAddress!, count: $0.count) }
            state.secondMoment[p.name]!.withUnsafeBufferPointer { v[i].update(from: $0.baseAddress!, count: $0.count) }
        }
        steps = state.steps
    }
}
