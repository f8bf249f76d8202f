import COpenBLAS
import Synchronization

/// The engine's threads. OpenBLAS itself always runs on one thread; `setThreads(n)` lets
/// a product's pieces (and the large elementwise passes) run on up to n of the engine's
/// own workers (see Parallel), each piece a single-threaded sgemm.
public enum BLAS {
    public static func setThreads(_ n: Int) { Parallel.parts.store(max(n, 1), ordering: .relaxed) }

    /// The most threads a pass may use (by default, the cores OpenBLAS found).
    public static var threads: Int { Parallel.parts.load(ordering: .relaxed) }
    public static var coreName: String { String(cString: openblas_get_corename()) }
    /// OpenBLAS's build, as it describes itself ("OpenBLAS 0.3.21 DYNAMIC_ARCH …").
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// Whether large products are cut into pieces at all. Always, except when the
    /// benchmark measures what the cut costs one thread (`cdsa-bench` compares both).
    nonisolated(unsafe) public static var cutsProducts = true

    /// The pieces an m×n×k product is cut into, from its shape alone — never from the
    /// thread count — so a result is the same bits on one core or many: OpenBLAS may pick
    /// another kernel (another summation order) for another piece size, so the cut must not
    /// move when threads do. One piece below ~2¹⁸ multiply-adds (the hand-off would cost
    /// more than a second core gains); else a power of two, pieces of at least 128 rows or
    /// columns, at most 8.
    static func pieces(m: Int, n: Int, k: Int) -> Int {
        let long = max(m, n)
        guard cutsProducts, m > 1, m * n * k >= 1 << 18, long >= 256 else { return 1 }
        var pieces = 2
        while pieces < 8, long / (2 * pieces) >= 128 { pieces *= 2 }
        return pieces
    }
}

/// C[m,n] = op(A) op(B) (+ C when `accumulate`), row-major, transposes passed to BLAS
/// as flags so nothing is copied. Batch-1 products go through gemv, which is ~4× faster
/// than gemm at M = 1. Large products are cut along C's longer side into pieces that
/// run in parallel, each a pointer offset into the same operands.
func gemm(_ a: UnsafePointer<Float>, transposeA: Bool, _ b: UnsafePointer<Float>, transposeB: Bool,
          _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, accumulate: Bool = false) {
    guard m > 0, n > 0 else { return }
    let beta: Float = accumulate ? 1 : 0
    guard k > 0 else {
        if !accumulate { c.initialize(repeating: 0, count: m * n) }
        return
    }
    let lda = transposeA ? m : k, ldb = transposeB ? k : n, ldc = n
    _ = BLAS.threads   // the first read of Parallel.parts makes OpenBLAS single-threaded
    let pieces = BLAS.pieces(m: m, n: n, k: k)
    if m == 1 {
        // c[n] = op(B)^T a: B stored [k,n] is the transpose of what gemv multiplies.
        cblas_sgemv(CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans, Int32(transposeB ? n : k), Int32(transposeB ? k : n),
                    1, b, Int32(ldb), a, 1, beta, c, 1)
        return
    }
    func sgemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, m: Int, n: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    if m >= n {
        // Rows of C are rows of op(A): row r of A, or column r when A is transposed.
        Parallel.split(m, pieces: pieces) { rows in
            let r = rows.lowerBound
            sgemm(a + (transposeA ? r : r * lda), b, c + r * ldc, m: rows.count, n: n)
        }
    } else {
        // Columns of C are columns of op(B): column j of B, or row j when B is transposed.
        Parallel.split(n, pieces: pieces) { columns in
            let j = columns.lowerBound
            sgemm(a, b + (transposeB ? j * ldb : j), c + j, m: m, n: columns.count)
        }
    }
}

extension Tensor {
    /// Matrix product of rank-2 tensors, `op(a) @ op(b)` where op transposes when asked.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws -> Tensor {
        guard a.rank == 2, b.rank == 2 else {
            throw TensorError.invalidArgument(op: "matmul", "expects matrices, got shapes \(a.shape) and \(b.shape)")
        }
        let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == k2 else {
            throw TensorError.shapeMismatch(op: "matmul", "inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") @ \(b.shape)\(transposeB ? "ᵀ" : "")")
        }
        let y = try Tensor(uninitialized: [m, n])
        gemm(a.pointer, transposeA: transposeA, b.pointer, transposeB: transposeB, y.pointer, m: m, n: n, k: k)
        guard let tape = Tape.of(a, b) else { return y }
        let a0 = a.detached, b0 = b.detached
        return tape.record(y, [a, b]) { g, needs in
            // Gradients of C = op(A) op(B), each expressed in A's and B's stored layout.
            let da: Tensor? = !needs[0] ? nil : transposeA
                ? try matmul(b0, g, transposeA: transposeB, transposeB: true)
                : try matmul(g, b0, transposeB: !transposeB)
            let db: Tensor? = !needs[1] ? nil : transposeB
                ? try matmul(g, a0, transposeA: true, transposeB: transposeA)
                : try matmul(a0, g, transposeA: !transposeA)
            return [da, db]
        }
    }
}

/// The activations that `linear` can fuse with its bias add.
public enum Activation: String, CaseIterable, Sendable {
    case identity, relu, tanh, sigmoid, silu, mish

    /// y = f(z + b) row by row. When `keepAux`, the value the backward pass needs
    /// besides y (σ(z) for SiLU, z for Mish) is written over z; otherwise y is z (in place).
    /// Large passes are cut into row slices that run in parallel.
    func forward(z: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?,
                 rows: Int, columns n: Int, keepAux: Bool) {
        Parallel.split(rows, grain: max(1, (1 << 15) / max(n, 1)), align: 1) { slice in
            self.forwardSlice(z: z, y: y, bias: bias, rows: slice, columns: n, keepAux: keepAux)
        }
    }

    /// The switch is outside the loops so each loop specialises and vectorises.
    private func forwardSlice(z: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?,
                              rows: Range<Int>, columns n: Int, keepAux: Bool) {
        @inline(__always) func run(_ f: (Float) -> (y: Float, aux: Float)) {
            for r in rows {
                let zr = z + r * n, yr = y + r * n
                // Separate loops for y == z: the vectoriser gives up on partial aliasing checks.
                switch (bias, keepAux) {
                case (let bias?, true): for j in 0..<n { let (v, a) = f(zr[j] + bias[j]); zr[j] = a; yr[j] = v }
                case (let bias?, false): for j in 0..<n { zr[j] = f(zr[j] + bias[j]).y }
                case (nil, true): for j in 0..<n { let (v, a) = f(zr[j]); zr[j] = a; yr[j] = v }
                case (nil, false): for j in 0..<n { zr[j] = f(zr[j]).y }
                }
            }
        }
        switch self {
        case .identity: run { ($0, 0) }
        case .relu: run { (Swift.max($0, 0), 0) }
        case .tanh: run { (fastTanh($0), 0) }
        case .sigmoid: run { (fastSigmoid($0), 0) }
        case .silu: run { z in let s = fastSigmoid(z); return (z * s, s) }
        case .mish: run { z in (z * fastTanh(softplusValue(z)), z) }
        }
    }

    /// dz = g ⊙ f'(z), from y = f(z) and the forward pass's aux values (in parallel slices
    /// when large).
    func backward(gradient g: UnsafePointer<Float>, aux: UnsafePointer<Float>, y: UnsafePointer<Float>,
                  into dz: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.split(count) { s in
            let o = s.lowerBound
            self.backwardSlice(gradient: g + o, aux: aux + o, y: y + o, into: dz + o, count: s.count)
        }
    }

    private func backwardSlice(gradient g: UnsafePointer<Float>, aux: UnsafePointer<Float>, y: UnsafePointer<Float>,
                               into dz: UnsafeMutablePointer<Float>, count: Int) {
        @inline(__always) func run(_ d: (_ aux: Float, _ y: Float) -> Float) {
            for i in 0..<count { dz[i] = g[i] * d(aux[i], y[i]) }
        }
        switch self {
        case .identity: run { _, _ in 1 }
        case .relu: run { _, y in y > 0 ? 1 : 0 }
        case .tanh: run { _, y in 1 - y * y }
        case .sigmoid: run { _, y in y * (1 - y) }
        case .silu: run { s, y in s + y * (1 - s) }   // σ + zσ(1 − σ), with zσ = y
        case .mish: run { z, _ in let t = fastTanh(softplusValue(z)); return t + z * (1 - t * t) * fastSigmoid(z) }
        }
    }

    /// Whether the backward pass needs more than y (see `forward`).
    var needsAux: Bool { self == .silu || self == .mish }
}

/// y = f(x Wᵀ + b): a fused primitive (one gemm, then bias and activation in one pass).
/// x [batch, in], W [out, in] (PyTorch's layout), b [out] or nil.
/// Its pullback skips dx when x is not on the tape (a network's input data).
public func linear(_ x: Tensor, _ w: Tensor, _ b: Tensor?, activation: Activation = .identity) throws -> Tensor {
    guard x.rank == 2, w.rank == 2, x.shape[1] == w.shape[1] else {
        throw TensorError.shapeMismatch(op: "linear", "input \(x.shape) does not match weight \(w.shape) (expects [batch, \(w.rank == 2 ? w.shape[1] : 0)])")
    }
    let (m, k, n) = (x.shape[0], x.shape[1], w.shape[0])
    if let b, b.shape != [n] {
        throw TensorError.shapeMismatch(op: "linear", "bias shape \(b.shape) should be [\(n)]")
    }
    let tape = Tape.of(x, w, b ?? x)
    let z = try Tensor(uninitialized: [m, n])
    gemm(x.pointer, transposeA: false, w.pointer, transposeB: true, z.pointer, m: m, n: n, k: k)
    // A second buffer only when the backward pass will need more than y.
    let keepAux = tape != nil && activation.needsAux
    let y = keepAux ? try Tensor(uninitialized: [m, n]) : z
    activation.forward(z: z.pointer, y: y.pointer, bias: b?.pointer, rows: m, columns: n, keepAux: keepAux)
    guard let tape else { return y }
    let x0 = x.detached, w0 = w.detached, y0 = y.detached, aux = keepAux ? z : y.detached
    let inputs = b.map { [x, w, $0] } ?? [x, w]
    return tape.record(y, inputs) { g, needs in
        // dz = g ⊙ f'(z); db = Σ_batch dz; dW = dzᵀ x; dx = dz W.
        let dz = try Tensor(uninitialized: [m, n])
        let dp = dz.pointer
        activation.backward(gradient: g.pointer, aux: aux.pointer, y: y0.pointer, into: dp, count: m * n)
        var grads: [Tensor?] = [nil, nil]
        if needs[0] {
            let dx = try Tensor(uninitialized: [m, k])
            gemm(dp, transposeA: false, w0.pointer, transposeB: false, dx.pointer, m: m, n: k, k: n)
            grads[0] = dx
        }
        if needs[1] {
            let dw = try Tensor(uninitialized: [n, k])
            gemm(dp, transposeA: true, x0.pointer, transposeB: false, dw.pointer, m: n, n: k, k: m)
            grads[1] = dw
        }
        if inputs.count == 3 {
            grads.append(needs[2] ? try Autodiff.reduce(dz, to: [1, n], initial: 0, +).reshaped([n]) : nil)
        }
        return grads
    }
}

extension Activation {
    /// f applied on its own (not fused into a linear layer), through the primitives.
    public func apply(_ x: Tensor) throws -> Tensor {
        switch self {
        case .identity: return x
        case .relu: return try x.relu()
        case .tanh: return try x.tanh()
        case .sigmoid: return try x.sigmoid()
        case .silu: return try x.silu()
        case .mish: return try x.mish()
        }
    }
}
