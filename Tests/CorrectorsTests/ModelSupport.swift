import Autodiff
import Foundation
import OfflineRL

/// A Gaussian mixture with diagonal covariances, Σ_k w_k N(x; μ_k + shift, diag(v_k)),
/// whose σ-smoothed score is known exactly: smoothing by N(0, σ²I) adds σ² to every
/// variance, so
///
///     ∇_x log p_σ(x) = Σ_k r_k(x) · (μ_k + shift − x) / (v_k + σ²),
///     r_k(x) = w_k N(x; μ_k + shift, v_k + σ²) / Σ_j w_j N(x; μ_j + shift, v_j + σ²).
struct GaussianMixture {
    var weights: [Double]
    var means: [[Double]]
    var variances: [[Double]]

    var dimension: Int { means[0].count }

    /// One draw; `shift` moves every mean.
    func sample(_ rng: inout RandomGenerator, shift: [Double]? = nil) -> [Double] {
        var u = rng.nextDouble(), k = 0
        while k < weights.count - 1, u >= weights[k] { u -= weights[k]; k += 1 }
        return (0..<dimension).map { j in means[k][j] + (shift?[j] ?? 0) + variances[k][j].squareRoot() * rng.nextNormal() }
    }

    /// ∇_x log p_σ(x), the formula above, with log-sum-exp responsibilities.
    func smoothedScore(_ x: [Double], sigma: Double, shift: [Double]? = nil) -> [Double] {
        var logs: [Double] = [], parts: [[Double]] = []
        for k in weights.indices {
            var log = Foundation.log(weights[k]), part: [Double] = []
            for j in 0..<dimension {
                let v = variances[k][j] + sigma * sigma, d = x[j] - means[k][j] - (shift?[j] ?? 0)
                log -= 0.5 * (d * d / v + Foundation.log(2 * .pi * v))
                part.append(-d / v)
            }
            logs.append(log)
            parts.append(part)
        }
        let top = logs.max()!, total = logs.reduce(0) { $0 + exp($1 - top) }
        return (0..<dimension).map { j in weights.indices.reduce(0) { $0 + exp(logs[$1] - top) / total * parts[$1][j] } }
    }

    /// The mixture seen through an affine map x ↦ (x − offset) / scale per coordinate.
    func standardized(offset: [Float], scale: [Float]) -> GaussianMixture {
        GaussianMixture(weights: weights,
                        means: means.map { m in m.indices.map { (m[$0] - Double(offset[$0])) / Double(scale[$0]) } },
                        variances: variances.map { v in v.indices.map { v[$0] / Double(scale[$0] * scale[$0]) } })
    }
}

/// √(Σ‖p − q‖² / Σ‖q‖²) over all rows.
func relativeError(_ predicted: [[Double]], _ exact: [[Double]]) -> Double {
    var error = 0.0, norm = 0.0
    for (p, q) in zip(predicted, exact) {
        for (a, b) in zip(p, q) { error += (a - b) * (a - b); norm += b * b }
    }
    return (error / norm).squareRoot()
}

/// Rows of a Double matrix as a Float tensor [n, d].
func tensor(_ rows: [[Double]]) throws -> Tensor {
    try Tensor(shape: [rows.count, rows.first?.count ?? 0], scalars: rows.flatMap { $0.map(Float.init) })
}

/// A tensor [n, d] as rows of Doubles.
func rows(_ t: Tensor) -> [[Double]] {
    let d = t.shape[1], s = t.scalars
    return (0..<t.shape[0]).map { i in (0..<d).map { Double(s[i * d + $0]) } }
}

/// A dataset of one long episode holding the given (s, a) rows, rewards 0, no successors
/// used (the score models learn p(s, a) from every step).
func pairs(states: [[Double]], actions: [[Double]]) throws -> Dataset {
    let n = states.count
    return try Dataset(observations: tensor(states), actions: tensor(actions), rewards: Tensor(shape: [n], repeating: 0),
                       terminals: Array(repeating: false, count: n), timeouts: Array(repeating: false, count: n),
                       source: "mixture")
}

/// A fresh empty folder under /tmp, removed by the caller with `cleanup`.
func temporaryFolder(_ tag: String = #function) throws -> String {
    let safe = tag.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("cdsa-correctors-\(safe)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

func cleanup(_ folder: String) { try? FileManager.default.removeItem(atPath: folder) }
