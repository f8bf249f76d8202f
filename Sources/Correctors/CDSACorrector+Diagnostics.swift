import Autodiff
import Simulation

/// Where and how much a corrector acts: on a batch of states (`summary`) and along one
/// episode (`trace`), so a user can see the size of each term and how often the
/// correction runs into the action bounds.
extension CDSACorrector {
    /// The correction over a batch of states, summarised.
    public struct Summary {
        /// The median over all action components of |a − a0|.
        public var medianChange: Float
        /// The share of action components the correction puts on a bound where a0 was not.
        public var pushedToBound: Float
        /// Medians over rows of ‖σ²g(s, a0)‖ and ‖η·σ²h(s, a0)‖ (the raw norms with raw scaling).
        public var actionStep: Float, stateStep: Float
        public var diagnostics: CorrectionDiagnostics
    }

    public func summary(states: Tensor) throws -> Summary {
        let d = try corrected(states)
        let (a0, a) = (d.baseActions.scalars, d.actions.scalars)
        let change = zip(a, a0).map { abs($0 - $1) }
        let onBound = { (x: Float) in x <= correction.low || x >= correction.high }
        let pushed = zip(a, a0).filter { onBound($0) && !onBound($1) }.count
        return Summary(medianChange: median(change), pushedToBound: a.isEmpty ? 0 : Float(pushed) / Float(a.count),
                       actionStep: median(d.actionScoreNorms), stateStep: median(d.stateScoreNorms), diagnostics: d)
    }

    /// One episode of the corrector in `env`, recording each step.
    public struct Trace {
        public var states: [[Float]] = [], baseActions: [[Float]] = [], actions: [[Float]] = []
        public var actionSteps: [Float] = [], stateSteps: [Float] = [], rewards: [Double] = []
        public var episodeReturn: Double { rewards.reduce(0, +) }
        /// ‖a − a0‖ per step.
        public var changes: [Float] {
            zip(actions, baseActions).map { a, b in
                var sum: Float = 0
                for (x, y) in zip(a, b) { sum += (x - y) * (x - y) }
                return sum.squareRoot()
            }
        }
    }

    public func trace(in env: any Environment, seed: UInt64) throws -> Trace {
        guard env.observationSpace.size == observationSize, env.actionSpace.size == actionSize else {
            throw CorrectorError.invalid("the corrector acts on \(observationSize) observations and \(actionSize) actions; \(env.name) has \(env.observationSpace.size) and \(env.actionSpace.size)")
        }
        if let why = Worlds.mismatch(self, env) { throw CorrectorError.invalid(why) }
        let policy = (restarted(seed: seed) as? CDSACorrector) ?? self
        var t = Trace()
        var s = try env.reset(seed: seed)
        for _ in 0..<env.maxEpisodeSteps {
            let d = try policy.corrected(Tensor(shape: [1, s.count], scalars: s))
            let step = try env.step(d.actions.scalars)
            t.states.append(s)
            t.baseActions.append(d.baseActions.scalars)
            t.actions.append(d.actions.scalars)
            t.actionSteps.append(d.actionScoreNorms[0])
            t.stateSteps.append(d.stateScoreNorms[0])
            t.rewards.append(step.reward)
            if step.terminated || step.truncated { break }
            s = step.observation
        }
        return t
    }
}
