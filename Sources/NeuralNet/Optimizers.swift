import Autodiff
import Foundation

/// Adam (Kingma & Ba 2015) with PyTorch's update rule, and AdamW (Loshchilov & Hutter
/// 2019) when `decoupledWeightDecay` is set. Updates parameters in place.
public final class Adam {
    public struct Config: Equatable, Sendable, Codable {
        /// α, the step size.
        public var learningRate: Float = 3e-4
        /// β₁, decay of the first-moment estimate.
        public var beta1: Float = 0.9
        /// β₂, decay of the second-moment estimate.
        public var beta2: Float = 0.999
        /// ε, added to the denominator.
        public var epsilon: Float = 1e-8
        /// λ, weight decay (L2 in the gradient for Adam, decoupled for AdamW).
        public var weightDecay: Float = 0
        public var decoupledWeightDecay = false

        public init(learningRate: Float = 3e-4, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                    weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
            self.decoupledWeightDecay = decoupledWeightDecay
        }

        // PyTorch's argument names, so a checkpoint's metadata reads like the call that made it.
        enum CodingKeys: String, CodingKey {
            case learningRate = "lr", beta1, beta2, epsilon = "eps", weightDecay = "weight_decay"
            case decoupledWeightDecay = "decoupled_weight_decay"
        }

        public static func adamW(learningRate: Float = 1e-3, weightDecay: Float = 1e-2) -> Config {
            Config(learningRate: learningRate, weightDecay: weightDecay, decoupledWeightDecay: true)
        }
    }

    public var config: Config
    public let parameters: [Parameter]
    /// Updates applied so far (set only by `step` and `restore`, Adam+State.swift).
    public internal(set) var steps = 0
    /// First and second moment estimates, one buffer per parameter.
    let m: [UnsafeMutablePointer<Float>]
    let v: [UnsafeMutablePointer<Float>]

    public init(_ parameters: [Parameter], _ config: Config = Config()) {
        self.parameters = parameters
        self.config = config
        func zeros(_ p: Parameter) -> UnsafeMutablePointer<Float> {
            let b = UnsafeMutablePointer<Float>.allocate(capacity: max(p.value.count, 1))
            b.initialize(repeating: 0, count: max(p.value.count, 1))
            return b
        }
        m = parameters.map(zeros)
        v = parameters.map(zeros)
    }

    /// One update with `gradients[i]` for `parameters[i]`.
    public func step(_ gradients: [Tensor]) throws {
        guard gradients.count == parameters.count else {
            throw TensorError.invalidArgument(op: "adam", "\(gradients.count) gradients for \(parameters.count) parameters")
        }
        for (p, g) in zip(parameters, gradients) where g.shape != p.value.shape {
            throw TensorError.shapeMismatch(op: "adam", "gradient \(g.shape) for parameter '\(p.name)' of shape \(p.value.shape)")
        }
        steps += 1
        let c = config
        let t = Float(steps)
        let stepSize = c.learningRate / (1 - Foundation.pow(c.beta1, t))
        let correction2 = (1 - Foundation.pow(c.beta2, t)).squareRoot()
        let decay = c.decoupledWeightDecay ? 1 - c.learningRate * c.weightDecay : 1
        let l2 = c.decoupledWeightDecay ? 0 : c.weightDecay
        for i in parameters.indices {
            let n = parameters[i].value.count
            gradients[i].withUnsafeBufferPointer { g in
                parameters[i].value.withUnsafeMutableBufferPointer { p in
                    let (p, g, m, v) = (p.baseAddress!, g.baseAddress!, m[i], v[i])
                    Parallel.split(n) { s in
                        let o = s.lowerBound
                        adamKernel(p: p + o, g: g + o, m: m + o, v: v + o, count: s.count,
                                   beta1: c.beta1, beta2: c.beta2, stepSize: stepSize, correction2: correction2,
                                   epsilon: c.epsilon, decay: decay, l2: l2)
                    }
                }
            }
        }
    }

    deinit {
        for buffer in m + v { buffer.deallocate() }
    }
}

/// The Adam update over raw buffers; plain pointer arguments so the loop vectorises.
private func adamKernel(p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                        v: UnsafeMutablePointer<Float>, count: Int, beta1: Float, beta2: Float, stepSize: Float,
                        correction2: Float, epsilon: Float, decay: Float, l2: Float) {
    for j in 0..<count {
        let gj = g[j] + l2 * p[j]
        let mj = beta1 * m[j] + (1 - beta1) * gj
        let vj = beta2 * v[j] + (1 - beta2) * gj * gj
        m[j] = mj
        v[j] = vj
        p[j] = p[j] * decay - stepSize * mj / (vj.squareRoot() / correction2 + epsilon)
    }
}

/// Scales `gradients` so their joint L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`; returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ gradients: inout [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for g in gradients { g.withUnsafeBufferPointer { for x in $0 { total += Double(x * x) } } }
    let norm = Float(total.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        for i in gradients.indices {
            gradients[i].withUnsafeMutableBufferPointer { for j in $0.indices { $0[j] *= scale } }
        }
    }
    return norm
}

/// Cosine decay from `base` to `minimum` over `totalSteps`, after an optional linear warm-up.
public struct CosineSchedule: Equatable, Sendable {
    public var base: Float
    public var totalSteps: Int
    public var minimum: Float
    public var warmupSteps: Int

    public init(base: Float, totalSteps: Int, minimum: Float = 0, warmupSteps: Int = 0) {
        self.base = base
        self.totalSteps = max(totalSteps, 1)
        self.minimum = minimum
        self.warmupSteps = max(warmupSteps, 0)
    }

    /// The learning rate for step `t` (0-based).
    public func callAsFunction(_ t: Int) -> Float {
        if t < warmupSteps { return base * Float(t + 1) / Float(warmupSteps) }
        let span = max(totalSteps - warmupSteps, 1)
        let progress = Float(min(max(t - warmupSteps, 0), span)) / Float(span)
        return minimum + (base - minimum) * 0.5 * (1 + Foundation.cos(.pi * progress))
    }
}

/// Polyak averaging of a target network: θ′ ← (1 − τ) θ′ + τ θ.
public func softUpdate(target: Module, source: Module, tau: Float) throws {
    let (tp, sp) = (target.parameters, source.parameters)
    guard tp.count == sp.count else {
        throw TensorError.invalidArgument(op: "soft_update", "target has \(tp.count) parameters, source \(sp.count)")
    }
    for (t, s) in zip(tp, sp) {
        guard t.value.shape == s.value.shape else {
            throw TensorError.shapeMismatch(op: "soft_update", "'\(t.name)' \(t.value.shape) vs \(s.value.shape)")
        }
        s.value.withUnsafeBufferPointer { src in
            t.value.withUnsafeMutableBufferPointer { dst in
                for j in dst.indices { dst[j] += tau * (src[j] - dst[j]) }
            }
        }
    }
}

/// Runs `body(step)` for `steps` steps, polling `cancellation` between steps: Ctrl-C
/// stops a run after a whole step (throwing `TensorError.cancelled`), with every
/// parameter and optimiser state consistent.
public func trainLoop(steps: Int, cancellation: CancellationToken = .interrupt, _ body: (Int) throws -> Void) throws {
    for step in 0..<max(steps, 0) {
        try cancellation.check()
        try body(step)
    }
}
