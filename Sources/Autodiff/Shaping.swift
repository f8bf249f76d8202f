// Shape primitives: reshape, broadcast, transpose, concat, slice, gather.
// Tensors are always contiguous; these copy (except reshape, which shares storage).

extension Tensor {
    /// Same values, new shape; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let rest = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            guard rest > 0, count % rest == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", "cannot reshape \(shape) to \(newShape)")
            }
            s[i] = count / rest
        }
        guard s.allSatisfy({ $0 >= 0 }), s.reduce(1, *) == count else {
            throw TensorError.shapeMismatch(op: "reshape", "cannot reshape \(shape) (\(count) values) to \(newShape)")
        }
        let y = Tensor(storage: storage, shape: s)
        guard let tape = Tape.of(self) else { return y }
        let xs = shape
        return tape.record(y, [self]) { g, _ in [try g.reshaped(xs)] }
    }

    /// Materialises broadcasting to `target`.
    public func broadcast(to target: [Int]) throws -> Tensor {
        if shape == target { return self }
        guard try broadcastShape(shape, target, op: "broadcast") == target else {
            throw TensorError.shapeMismatch(op: "broadcast", "cannot broadcast \(shape) to \(target)")
        }
        let y = try broadcastZip(detached, Tensor.zeros(target), op: "broadcast") { x, _ in x }
        guard let tape = Tape.of(self) else { return y }
        let xs = shape
        return tape.record(y, [self]) { g, _ in [try g.unbroadcast(to: xs)] }
    }

    /// Permutes dimensions (default: reverses them; for a matrix, the transpose).
    public func transposed(_ permutation: [Int]? = nil) throws -> Tensor {
        let perm = permutation ?? Array((0..<rank).reversed())
        guard perm.sorted() == Array(0..<rank) else {
            throw TensorError.invalidArgument(op: "transpose", "\(perm) is not a permutation of the axes of \(shape)")
        }
        let outShape = perm.map { shape[$0] }
        let y = try Tensor(uninitialized: outShape)
        if rank == 0 {
            y.pointer[0] = pointer[0]
        } else if count > 0 {
            var inStrides = [Int](repeating: 1, count: rank)
            for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
            let src = perm.map { inStrides[$0] }
            let xp = pointer, yp = y.pointer
            let n = outShape[rank - 1], s = src[rank - 1]
            forEachRow(outShape, src, src) { ox, _, oy in
                for j in 0..<n { yp[oy + j] = xp[ox + j * s] }
            }
        }
        guard let tape = Tape.of(self) else { return y }
        var inverse = perm
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return tape.record(y, [self]) { g, _ in [try g.transposed(inverse)] }
    }

    /// Views `shape` as [outer, shape[axis], inner].
    func split(at axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concat(_ parts: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = parts.first else { throw TensorError.invalidArgument(op: "concat", "no tensors to join") }
        let ax = try first.normalizedAxes([axis], op: "concat")[0]
        var outShape = first.shape
        outShape[ax] = 0
        for p in parts {
            var s = p.shape
            guard s.count == first.rank else {
                throw TensorError.shapeMismatch(op: "concat", "ranks differ: \(first.shape) and \(p.shape)")
            }
            outShape[ax] += s[ax]
            s[ax] = first.shape[ax]
            guard s == first.shape else {
                throw TensorError.shapeMismatch(op: "concat", "shapes \(first.shape) and \(p.shape) differ off axis \(axis)")
            }
        }
        let y = try Tensor(uninitialized: outShape)
        let (outer, total, inner) = y.split(at: ax)
        var offset = 0
        for p in parts {
            let n = p.shape[ax] * inner
            for o in 0..<outer {
                (y.pointer + o * total * inner + offset).update(from: p.pointer + o * n, count: n)
            }
            offset += n
        }
        guard let tape = parts.lazy.compactMap({ $0.node?.tape }).first else { return y }
        let sizes = parts.map { $0.shape[ax] }
        return tape.record(y, parts) { g, needs in
            var start = 0
            return try sizes.enumerated().map { i, n in
                defer { start += n }
                return needs[i] ? try g.slice(axis: ax, start, start + n) : nil
            }
        }
    }

    /// Elements `start..<end` along `axis`.
    public func slice(axis: Int, _ start: Int, _ end: Int) throws -> Tensor {
        let ax = try normalizedAxes([axis], op: "slice")[0]
        guard 0 <= start, start <= end, end <= shape[ax] else {
            throw TensorError.invalidArgument(op: "slice", "range \(start)..<\(end) out of bounds for axis \(axis) of \(shape)")
        }
        return try gather(Array(start..<end), axis: ax)
    }

    /// Selects `indices` along `axis` (index-select); indices may repeat.
    public func gather(_ indices: [Int], axis: Int = 0) throws -> Tensor {
        let ax = try normalizedAxes([axis], op: "gather")[0]
        let (outer, n, inner) = split(at: ax)
        for i in indices where i < 0 || i >= n {
            throw TensorError.invalidArgument(op: "gather", "index \(i) out of range for axis \(axis) of size \(n)")
        }
        var outShape = shape
        outShape[ax] = indices.count
        let y = try Tensor(uninitialized: outShape)
        let k = indices.count
        for o in 0..<outer {
            for (j, i) in indices.enumerated() {
                (y.pointer + (o * k + j) * inner).update(from: pointer + (o * n + i) * inner, count: inner)
            }
        }
        guard let tape = Tape.of(self) else { return y }
        let xs = shape
        return tape.record(y, [self]) { g, _ in
            let dx = try Tensor.zeros(xs)
            for o in 0..<outer {
                for (j, i) in indices.enumerated() {
                    let src = g.pointer + (o * k + j) * inner, dst = dx.pointer + (o * n + i) * inner
                    for t in 0..<inner { dst[t] += src[t] }
                }
            }
            return [dx]
        }
    }
}
