// Index-valued operations: argmax, argmin, argsort and nonzero. Their results are
// positions (whole numbers as Float32, exact below 2^24), so they are not differentiable
// and never recorded on a tape.

extension Tensor {
    /// The position of the largest element along `axis` (that axis removed), or over the
    /// flattened tensor when `axis` is nil (a rank-0 result). Ties and nan: the first one
    /// wins, and nan counts as the largest, as in numpy.
    public func argmax(axis: Int? = nil) throws -> Tensor {
        try argExtreme(axis: axis, op: "argmax") { $0 > $1 }
    }

    /// The position of the smallest element; as `argmax` otherwise.
    public func argmin(axis: Int? = nil) throws -> Tensor {
        try argExtreme(axis: axis, op: "argmin") { $0 < $1 }
    }

    private func argExtreme(axis: Int?, op: String, _ better: (Float, Float) -> Bool) throws -> Tensor {
        guard let axis else { return try reshaped([-1]).argExtreme(axis: 0, op: op, better).reshaped([]) }
        let ax = try normalizedAxes([axis], op: op)[0]
        let (outer, n, inner) = split(at: ax)
        guard n > 0 else { throw TensorError.invalidArgument(op: op, "axis \(axis) of \(shape) is empty") }
        var outShape = shape
        outShape.remove(at: ax)
        let y = try Tensor(uninitialized: outShape)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = 0, value = pointer[o * n * inner + i]
                if !value.isNaN {
                    for j in 1..<n {
                        let v = pointer[(o * n + j) * inner + i]
                        if v.isNaN || better(v, value) { (best, value) = (j, v) }
                        if v.isNaN { break }
                    }
                }
                y.pointer[o * inner + i] = Float(best)
            }
        }
        return y
    }

    /// The positions that sort each slice along `axis`, stably (equal elements keep their
    /// order); nan sorts last either way.
    public func argsort(axis: Int = -1, descending: Bool = false) throws -> Tensor {
        guard rank > 0 else { throw TensorError.invalidArgument(op: "argsort", "a tensor of rank 0 has no axis to sort") }
        let ax = try normalizedAxes([axis], op: "argsort")[0]
        let (outer, n, inner) = split(at: ax)
        let y = try Tensor(uninitialized: shape)
        var order = [Int](repeating: 0, count: n)
        for o in 0..<outer {
            for i in 0..<inner {
                let at = { (j: Int) in self.pointer[(o * n + j) * inner + i] }
                for j in 0..<n { order[j] = j }
                order.sort { a, b in
                    let (x, z) = (at(a), at(b))
                    if x.isNaN || z.isNaN { return !x.isNaN && z.isNaN || (x.isNaN && z.isNaN && a < b) }
                    if x == z { return a < b }
                    return descending ? x > z : x < z
                }
                for j in 0..<n { y.pointer[(o * n + j) * inner + i] = Float(order[j]) }
            }
        }
        return y
    }

    /// The positions of the nonzero elements: a vector for a vector, else one row of
    /// coordinates per element, [count, rank] (as `torch.nonzero`).
    public func nonzero() throws -> Tensor {
        guard rank > 0 else { throw TensorError.invalidArgument(op: "nonzero", "a tensor of rank 0 has no positions") }
        var coordinates: [Float] = []
        var found = 0
        for flat in 0..<count where pointer[flat] != 0 {
            found += 1
            var rest = flat, coordinate = [Float](repeating: 0, count: rank)
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                coordinate[axis] = Float(rest % shape[axis])
                rest /= shape[axis]
            }
            coordinates += coordinate
        }
        return try Tensor(shape: rank == 1 ? [found] : [found, rank], scalars: coordinates)
    }
}
