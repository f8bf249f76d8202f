import Foundation

// Loops over raw storage that every operation is built from. They are written so the
// compiler vectorises them: no calls, no bounds checks, branch-free bodies.

/// e^x to about 2 ulp, branch-free and free of float→int conversions (which trap
/// when out of range in Swift), so loops over it vectorise. Cephes' expf: Cody–Waite
/// range reduction and a degree-6 polynomial. n = round(x / ln 2) comes from the
/// 1.5·2^23 magic-number trick, and 2^n is applied as two halves so that overflow
/// (x > 88.72 gives +inf) and subnormal results come out right.
@inline(__always)
public func fastExp(_ x: Float) -> Float {
    let x = Swift.min(Swift.max(x, -104), 89)
    let t = x * 1.442695041 + 12_582_912
    let n = t - 12_582_912
    let r = x - n * 0.693359375 + n * 2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let e = p * r * r + r + 1
    let k = Int32(bitPattern: t.bitPattern) &- 0x4B40_0000   // n as an integer
    let h = k >> 1
    let lo = Float(bitPattern: UInt32(bitPattern: (h &+ 127) << 23))
    let hi = Float(bitPattern: UInt32(bitPattern: (k &- h &+ 127) << 23))
    return e * lo * hi
}

@inline(__always)
public func fastSigmoid(_ x: Float) -> Float { 1 / (1 + fastExp(-x)) }

/// tanh through e^{-2|x|}, which keeps it accurate for large |x|.
@inline(__always)
public func fastTanh(_ x: Float) -> Float {
    let e = fastExp(-2 * abs(x))
    let t = (1 - e) / (1 + e)
    return x < 0 ? -t : t
}

/// log(1 + e^x) without overflow.
@inline(__always)
func softplusValue(_ x: Float) -> Float { Swift.max(x, 0) + log1pf(fastExp(-abs(x))) }

extension Tensor {
    /// y[i] = f(x[i]).
    @inline(__always)
    func map(_ f: (Float) -> Float) throws -> Tensor {
        let y = try Tensor(uninitialized: shape)
        let n = count, xp = pointer, yp = y.pointer
        for i in 0..<n { yp[i] = f(xp[i]) }
        return y
    }

    /// z[i] = f(x[i], y[i]) for two tensors of the same shape.
    @inline(__always)
    func zip(_ other: Tensor, _ f: (Float, Float) -> Float) throws -> Tensor {
        let z = try Tensor(uninitialized: shape)
        let n = count, ap = pointer, bp = other.pointer, zp = z.pointer
        for i in 0..<n { zp[i] = f(ap[i], bp[i]) }
        return z
    }

    /// out[i] = f(a[i], b[i], c[i]) for three tensors of the same shape.
    @inline(__always)
    func zip3(_ b: Tensor, _ c: Tensor, _ f: (Float, Float, Float) -> Float) throws -> Tensor {
        let z = try Tensor(uninitialized: shape)
        let n = count, ap = pointer, bp = b.pointer, cp = c.pointer, zp = z.pointer
        for i in 0..<n { zp[i] = f(ap[i], bp[i], cp[i]) }
        return z
    }

    /// Accumulates `other` (same shape) into this tensor, in place when unshared.
    public mutating func addInPlace(_ other: Tensor) throws {
        guard other.shape == shape else {
            throw TensorError.shapeMismatch(op: "add", "\(shape) and \(other.shape)")
        }
        makeUnique()
        node = nil
        let n = count, p = pointer, q = other.pointer
        for i in 0..<n { p[i] += q[i] }
    }
}

/// The shape two shapes broadcast to (NumPy rules: align right, sizes equal or 1).
public func broadcastShape(_ a: [Int], _ b: [Int], op: String = "broadcast") throws -> [Int] {
    let r = Swift.max(a.count, b.count)
    var out = [Int](repeating: 1, count: r)
    for i in 0..<r {
        let da = i < r - a.count ? 1 : a[i - (r - a.count)]
        let db = i < r - b.count ? 1 : b[i - (r - b.count)]
        guard da == db || da == 1 || db == 1 else {
            throw TensorError.shapeMismatch(op: op, "shapes \(a) and \(b) cannot be broadcast together")
        }
        out[i] = da == 1 ? db : da
    }
    return out
}

/// Row-major strides of `shape` seen from a broadcast `target` shape: 0 along
/// dimensions that are broadcast (or missing on the left).
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let pad = target.count - shape.count
    var strides = [Int](repeating: 0, count: target.count)
    var s = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i + pad] = shape[i] == 1 ? 0 : s
        s *= shape[i]
    }
    return strides
}

/// Calls `body(outerOffsetA, outerOffsetB, outputOffset)` for every row of the last
/// dimension of `shape`, tracking the offsets of two operands with strides `sa`, `sb`.
@inline(__always)
func forEachRow(_ shape: [Int], _ sa: [Int], _ sb: [Int], _ body: (Int, Int, Int) -> Void) {
    let r = shape.count
    let inner = shape[r - 1]
    let total = shape.reduce(1, *)
    guard inner > 0, total > 0 else { return }
    var index = [Int](repeating: 0, count: r)
    var oa = 0, ob = 0
    for row in 0..<(total / inner) {
        body(oa, ob, row * inner)
        var d = r - 2
        while d >= 0 {
            index[d] += 1; oa += sa[d]; ob += sb[d]
            if index[d] < shape[d] { break }
            oa -= sa[d] * shape[d]; ob -= sb[d] * shape[d]; index[d] = 0
            d -= 1
        }
    }
}

/// z = f(a, b) with broadcasting.
@inline(__always)
func broadcastZip(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) throws -> Tensor {
    if a.shape == b.shape { return try a.zip(b, f) }
    let shape = try broadcastShape(a.shape, b.shape, op: op)
    let z = try Tensor(uninitialized: shape)
    let ap = a.pointer, bp = b.pointer, zp = z.pointer
    if b.count == 1 {
        let s = bp[0]
        for i in 0..<z.count { zp[i] = f(ap[i], s) }  // z.count == a.count
        return z
    }
    if a.count == 1 {
        let s = ap[0]
        for i in 0..<z.count { zp[i] = f(s, bp[i]) }
        return z
    }
    let sa = broadcastStrides(a.shape, to: shape), sb = broadcastStrides(b.shape, to: shape)
    let n = shape[shape.count - 1], ia = sa[shape.count - 1], ib = sb[shape.count - 1]
    forEachRow(shape, sa, sb) { oa, ob, oz in
        let pa = ap + oa, pb = bp + ob, pz = zp + oz
        switch (ia, ib) {
        case (1, 1): for j in 0..<n { pz[j] = f(pa[j], pb[j]) }
        case (1, 0): let s = pb[0]; for j in 0..<n { pz[j] = f(pa[j], s) }
        case (0, 1): let s = pa[0]; for j in 0..<n { pz[j] = f(s, pb[j]) }
        default: let s = f(pa[0], pb[0]); for j in 0..<n { pz[j] = s }
        }
    }
    return z
}

/// Sums `x` over the dimensions where `target` (same rank) has size 1, in double precision
/// (`Tensor.sum(wide:)`): a float32 running sum stops growing at 2^24 (a million ones, or a
/// million 1000.1s, come out percents off), where numpy sums pairwise and PyTorch in wider
/// blocks. Each result is rounded to float32 once, at the end.
func sumReduce(_ x: Tensor, to target: [Int]) throws -> Tensor {
    let out = try Tensor(shape: target, repeating: 0)
    if x.count == 0 { return out }
    if x.rank == 0 { out.pointer[0] = x.pointer[0]; return out }
    var acc = [Double](repeating: 0, count: out.count)
    let so = broadcastStrides(target, to: x.shape)
    let ones = [Int](repeating: 0, count: x.rank)
    let n = x.shape[x.rank - 1], io = so[x.rank - 1]
    let xp = x.pointer
    acc.withUnsafeMutableBufferPointer { a in
        let ap = a.baseAddress!
        forEachRow(x.shape, so, ones) { oo, _, ox in
            let px = xp + ox, pa = ap + oo
            if io == 1 {
                for j in 0..<n { pa[j] += Double(px[j]) }
            } else {
                var t = 0.0
                for j in 0..<n { t += Double(px[j]) }
                pa[0] += t
            }
        }
    }
    let op = out.pointer
    for i in 0..<out.count { op[i] = Float(acc[i]) }
    return out
}

/// Reduces `x` over the dimensions where `target` (same rank) has size 1, combining
/// with `f` from `initial`. The result has shape `target`.
@inline(__always)
func reduce(_ x: Tensor, to target: [Int], initial: Float, _ f: (Float, Float) -> Float) throws -> Tensor {
    let out = try Tensor(shape: target, repeating: initial)
    if x.count == 0 { return out }
    if x.rank == 0 { out.pointer[0] = f(initial, x.pointer[0]); return out }
    let so = broadcastStrides(target, to: x.shape)
    let ones = [Int](repeating: 0, count: x.rank)
    let r = x.rank, n = x.shape[r - 1], io = so[r - 1]
    let xp = x.pointer, op = out.pointer
    forEachRow(x.shape, so, ones) { oo, _, ox in
        let px = xp + ox, po = op + oo
        if io == 1 {
            for j in 0..<n { po[j] = f(po[j], px[j]) }
        } else {
            var acc = po[0]
            for j in 0..<n { acc = f(acc, px[j]) }
            po[0] = acc
        }
    }
    return out
}
