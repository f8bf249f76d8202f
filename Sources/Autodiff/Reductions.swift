// Sum and max over axes. `mean` and friends are composites in Composite.swift.

extension Tensor {
    /// Normalises axes (negative counts from the end), rejecting out-of-range ones.
    func normalizedAxes(_ axes: [Int]?, op: String) throws -> [Int] {
        guard let axes else { return Array(0..<rank) }
        return try axes.map { a in
            let b = a < 0 ? a + rank : a
            guard b >= 0 && b < rank else {
                throw TensorError.invalidArgument(op: op, "axis \(a) out of range for shape \(shape)")
            }
            return b
        }.uniqued(op: op, shape: shape)
    }

    /// How many elements each result of a reduction over `axes` (all when nil) gathers.
    public func reducedCount(axes: [Int]?, op: String) throws -> Int {
        try normalizedAxes(axes, op: op).reduce(1) { $0 * shape[$1] }
    }

    /// `shape` with the reduced axes set to 1.
    private func keptShape(_ axes: [Int]) -> [Int] {
        var s = shape
        for a in axes { s[a] = 1 }
        return s
    }

    private func dropped(_ kept: [Int], _ axes: [Int]) -> [Int] {
        kept.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Sum over `axes` (all when nil); reduced axes are kept as size 1 when `keepDims`.
    /// `wide` accumulates in double precision, as every reduction a script calls does: a
    /// float32 running sum stops growing at 2^24 and drifts percents off over a million
    /// terms. The engine's own losses keep the float32 running sum — over a batch it loses
    /// nothing that matters, and the recorded training runs (SAC's behaviour policies,
    /// which medium-replay's remake must retrain bit for bit) depend on its bits.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false, wide: Bool = false) throws -> Tensor {
        let ax = try normalizedAxes(axes, op: "sum")
        let kept = keptShape(ax)
        let total = wide ? try sumReduce(self, to: kept) : try Autodiff.reduce(self, to: kept, initial: 0, +)
        let y = try total.reshaped(keepDims ? kept : dropped(kept, ax))
        guard let tape = Tape.of(self) else { return y }
        let xs = shape
        return tape.record(y, [self]) { g, _ in [try g.reshaped(kept).broadcast(to: xs)] }
    }

    /// Euclidean norm over `axes` (all when nil), its squares summed in double precision.
    /// The gradient is x / ‖x‖, taken as 0 where ‖x‖ = 0 (PyTorch's subgradient; through
    /// √ of the sum it would be 0 · ∞ = nan).
    public func norm(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let x0 = detached
        let y = try (x0 * x0).sum(axes: axes, keepDims: keepDims, wide: true).sqrt()
        guard let tape = Tape.of(self) else { return y }
        let kept = keptShape(try normalizedAxes(axes, op: "norm"))
        let yk = try y.reshaped(kept)
        return tape.record(y, [self]) { g, _ in
            let scale = try broadcastZip(g.reshaped(kept), yk, op: "norm") { $1 == 0 ? 0 : $0 / $1 }
            return [try broadcastZip(x0, scale, op: "norm", *)]
        }
    }

    /// Maximum over `axes`, nan where any element is (numpy's `amax`, PyTorch's `max`); the
    /// gradient is shared evenly among tied maxima.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxes(axes, op: "max")
        guard count > 0 else { throw TensorError.invalidArgument(op: "max", "empty tensor of shape \(shape)") }
        let kept = keptShape(ax)
        let m = try Autodiff.reduce(self, to: kept, initial: -.infinity) { $1 > $0 || $1.isNaN ? $1 : $0 }
        let y = try m.reshaped(keepDims ? kept : dropped(kept, ax))
        guard let tape = Tape.of(self) else { return y }
        let x0 = detached
        return tape.record(y, [self]) { g, _ in
            let mask = try broadcastZip(x0, m, op: "max") { $0 == $1 ? 1 : 0 }
            let ties = try Autodiff.reduce(mask, to: kept, initial: 0, +)
            let share = try g.reshaped(kept).zip(ties, /)
            return [try broadcastZip(mask, share, op: "max", *)]
        }
    }
}

private extension Array where Element == Int {
    func uniqued(op: String, shape: [Int]) throws -> [Int] {
        guard Set(self).count == count else {
            throw TensorError.invalidArgument(op: op, "repeated axis in \(self) for shape \(shape)")
        }
        return self
    }
}
