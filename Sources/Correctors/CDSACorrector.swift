import Autodiff
import NeuralNet
import Simulation

/// How CDSA corrects an action: the gains and the named options of the method
/// (../shared/design/ARCHITECTURE.md, "The method").
public struct Correction: Codable, Sendable, Equatable {
    /// How scores enter: `tweedie` scales them by σ² at the level used (a gain of 1 is one
    /// full denoising step, and the state target is s + η·σ²·h); `raw` uses them as they are.
    public enum Scaling: String, Codable, Sendable { case tweedie, raw }
    /// The inverse-dynamics term: the seed's `absolute` action I(s, ŝ), or the `delta` I(s, ŝ) − a0.
    public enum InverseTerm: String, Codable, Sendable { case absolute, delta }
    /// `add`: a0 + K1·g + K2·I. `blend`: (1 − K2)·(a0 + K1·g) + K2·I(s, ŝ), a convex mix.
    public enum Combination: String, Codable, Sendable { case add, blend }

    public var k1: Float
    public var k2: Float
    public var scaling = Scaling.tweedie
    public var inverseTerm = InverseTerm.absolute
    public var combination = Combination.add
    /// Corrections applied in a row, each from the last one's action.
    public var steps = 1
    /// The noise level the scores are read at; nil is each model's smallest.
    public var sigma: Float?
    /// The action bounds the result is clipped to.
    public var low: Float = -1, high: Float = 1

    public init(k1: Float, k2: Float) {
        self.k1 = k1
        self.k2 = k2
    }

    /// K1 = K2 = 0: the base's action, exactly.
    public var isIdentity: Bool { k1 == 0 && k2 == 0 }

    /// What is wrong with these settings, by field, or nil: finite gains and bounds, a
    /// positive σ, low < high and at least one step.
    /// The corrector refuses them; `correct` asks before training any model.
    public var problem: (field: String, detail: String)? {
        for (name, x) in [("k1", k1), ("k2", k2), ("low", low), ("high", high)] where !x.isFinite {
            return (name, "a finite number expected, got \(shown(x))")
        }
        if let sigma, !(sigma > 0 && sigma.isFinite) { return ("sigma", "a positive noise level expected, got \(shown(sigma))") }
        if low >= high { return ("high", "high \(shown(high)) must exceed low \(shown(low))") }
        if steps < 1 { return ("steps", "steps must be at least 1, got \(steps)") }
        return nil
    }
}

/// A setting as a script wrote it: 1 not 1.0, nan not -nan, 0.1 not 0.10000000149.
private func shown(_ x: Float) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : x > 0 ? "inf" : "-inf" }
    return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
}

/// What one corrected batch looked like: the base's and the corrected actions and the
/// size of each score term (the first step's, rows of the batch).
public struct CorrectionDiagnostics {
    public var baseActions: Tensor
    public var actions: Tensor
    /// ‖σ²·g(s, a0)‖ per row (‖g‖ with raw scaling).
    public var actionScoreNorms: [Float]
    /// ‖σ²·h(s, a0)‖ per row, in normalised state units (‖h‖ with raw scaling).
    public var stateScoreNorms: [Float]
}

/// CDSA's corrector (a policy): a frozen base, the action score g, the state score h and
/// the inverse dynamics I of one dataset; for each state s with base action a0,
///
///     a = clip(a0 + K1·σ²·g(s, a0) + K2·I(s, s + η·σ²·h(s, a0)))
///
/// with σ the models' smallest noise level and η the state model's step factor (the
/// defaults; `Correction` names the options). K1 = K2 = 0 returns a0 bit for bit.
public struct CDSACorrector: Policy {
    public let base: any Policy
    public let g: ScoreModel
    public let h: ScoreModel
    public let inverse: InverseDynamics
    public let correction: Correction

    public init(base: any Policy, g: ScoreModel, h: ScoreModel, inverse: InverseDynamics, correction: Correction) throws {
        guard g.target == .action else { throw CorrectorError.invalid("g must be an action score model, got a \(g.target) one") }
        guard h.target == .state else { throw CorrectorError.invalid("h must be a state score model, got an \(h.target) one") }
        let s = base.observationSize, a = base.actionSize
        for (name, stateSize, actionSize) in [("g", g.stateSize, g.actionSize), ("h", h.stateSize, h.actionSize),
                                              ("inv", inverse.stateSize, inverse.actionSize)] where stateSize != s || actionSize != a {
            throw CorrectorError.invalid("\(name) is for \(stateSize) states and \(actionSize) actions; the policy has \(s) and \(a)")
        }
        // Sizes alike are not one body: walker2d's models fit a halfcheetah policy.
        let learned = [("the policy", base.world), ("g", g.provenance?.dataset?.environment),
                       ("h", h.provenance?.dataset?.environment), ("inv", inverse.provenance?.dataset?.environment)]
        let bodies = learned.compactMap { name, world in world.flatMap { w in Worlds.body(w).map { (name, w, $0) } } }
        if let first = bodies.first, let other = bodies.first(where: { $0.2 != first.2 }) {
            throw CorrectorError.invalid("\(other.0) learned on \(other.1) and \(first.0) on \(first.1): another body with the same sizes")
        }
        if let problem = correction.problem { throw CorrectorError.invalid("\(problem.field): \(problem.detail)") }
        for m in [g, h] {
            // Written so that nan is outside too.
            if let sigma = correction.sigma, !(sigma >= m.sigmas[0] && sigma <= m.sigmas[m.sigmas.count - 1]) {
                throw CorrectorError.invalid("sigma \(sigma) is outside the levels \(m.target == .action ? "g" : "h") was trained at (\(m.sigmas))")
            }
        }
        self.base = base
        self.g = g
        self.h = h
        self.inverse = inverse
        self.correction = correction
    }

    /// The same models on another base policy, or with other gains and options.
    public func with(base: (any Policy)? = nil, correction: Correction? = nil) throws -> CDSACorrector {
        try CDSACorrector(base: base ?? self.base, g: g, h: h, inverse: inverse, correction: correction ?? self.correction)
    }

    public var observationSize: Int { base.observationSize }
    public var actionSize: Int { base.actionSize }
    public var canActInBatches: Bool { base.canActInBatches }
    public var world: String? { base.world }

    public func restarted(seed: UInt64) -> any Policy {
        (try? with(base: base.restarted(seed: seed))) ?? self
    }

    /// One observation: the batch path's arithmetic on plain arrays around the four
    /// networks' forwards (no intermediate tensors; docs/PERFORMANCE.md, corrected action).
    public func act(_ observation: [Float]) throws -> [Float] {
        let c = correction, s = observation
        guard s.count == observationSize, !c.isIdentity else {
            return try act(batch: Tensor(shape: [1, s.count], scalars: s)).scalars
        }
        var a = try base.act(s)
        let tweedie = c.scaling == .tweedie
        let (gs, hs) = (c.sigma ?? g.sigmas[0], c.sigma ?? h.sigmas[0])
        let hStd = h.normalizer.std.scalars
        for _ in 0..<c.steps {
            let gTerm = try g.score(state: s, action: a, sigma: c.sigma, scale: tweedie ? gs * gs : 1)
            let hTerm = try h.score(state: s, action: a, sigma: c.sigma, scale: tweedie ? (h.eta ?? 1) * hs * hs : 1)
            var target = s
            for i in target.indices { target[i] = s[i] + hTerm[i] * hStd[i] }
            let reached = try inverse(state: s, nextState: target)
            for j in a.indices {
                let moved = a[j] + c.k1 * gTerm[j]
                let next: Float = switch (c.combination, c.inverseTerm) {
                case (.add, .absolute): moved + c.k2 * reached[j]
                case (.add, .delta): moved + c.k2 * (reached[j] - a[j])
                case (.blend, _): (1 - c.k2) * moved + c.k2 * reached[j]
                }
                a[j] = Swift.min(Swift.max(next, c.low), c.high)
            }
        }
        return a
    }

    public func act(batch observations: Tensor) throws -> Tensor {
        if correction.isIdentity { return try base.act(batch: observations) }
        return try corrected(observations).actions
    }

    /// The corrected actions of a batch, with what each term contributed.
    public func corrected(_ s: Tensor) throws -> CorrectionDiagnostics {
        let a0 = try base.act(batch: s)
        let c = correction
        if c.isIdentity {  // the terms' sizes are still what a gain would scale
            let (gTerm, hTerm) = try terms(s, a0)
            return CorrectionDiagnostics(baseActions: a0, actions: a0, actionScoreNorms: try rowNorms(gTerm), stateScoreNorms: try rowNorms(hTerm))
        }
        var a = a0
        var gNorms: [Float] = [], hNorms: [Float] = []
        for step in 0..<c.steps {
            let (gTerm, hTerm) = try terms(s, a)
            if step == 0 { (gNorms, hNorms) = (try rowNorms(gTerm), try rowNorms(hTerm)) }
            // ŝ = s + η·σ²·h in normalised units, back to raw ones for I.
            let target = try s + hTerm * h.normalizer.std
            let reached = try inverse(states: s, nextStates: target)
            let moved = try a + c.k1 * gTerm
            switch (c.combination, c.inverseTerm) {
            case (.add, .absolute): a = try moved + c.k2 * reached
            case (.add, .delta): a = try moved + c.k2 * (reached - a)
            case (.blend, _): a = try (1 - c.k2) * moved + c.k2 * reached
            }
            a = try a.clamped(c.low, c.high)
        }
        return CorrectionDiagnostics(baseActions: a0, actions: a, actionScoreNorms: gNorms, stateScoreNorms: hNorms)
    }

    /// σ²·g(s, a) and η·σ²·h(s, a) (tweedie), or g and h (raw).
    func terms(_ s: Tensor, _ a: Tensor) throws -> (Tensor, Tensor) {
        let gRaw = try g.score(states: s, actions: a, sigma: correction.sigma)
        let hRaw = try h.score(states: s, actions: a, sigma: correction.sigma)
        guard correction.scaling == .tweedie else { return (gRaw, hRaw) }
        let (gs, hs) = (correction.sigma ?? g.sigmas[0], correction.sigma ?? h.sigmas[0])
        return (try gRaw * (gs * gs), try hRaw * ((h.eta ?? 1) * hs * hs))
    }
}
