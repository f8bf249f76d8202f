import Autodiff
import Foundation
import Simulation

/// Whole episodes of a policy in an environment, summarised the way the paper reports
/// them: D4RL's normalised score (mean ± std over episodes) and the tail of the return
/// distribution (VaR and CVaR at `tail`), because CDSA claims to make policies safer.
public struct EvaluationReport: Sendable, Codable, Equatable {
    /// The environment's registry name.
    public var environment: String
    /// The seed the episodes' reset seeds were drawn from.
    public var seed: UInt64
    /// Undiscounted return of each episode, in episode order.
    public var returns: [Double]
    /// Steps of each episode.
    public var lengths: [Int]
    /// D4RL's reference returns of the environment, when it has them.
    public var reference: ReferenceScore?
    /// α of VaR and CVaR: the worst α share of episodes.
    public var tail: Double = 0.1

    public init(environment: String, seed: UInt64, returns: [Double], lengths: [Int], reference: ReferenceScore?) {
        self.environment = environment
        self.seed = seed
        self.returns = returns
        self.lengths = lengths
        self.reference = reference
    }

    public var episodes: Int { returns.count }
    public var mean: Double { Self.mean(returns) }
    /// Population standard deviation over episodes (NumPy's default, as D4RL scripts use).
    public var std: Double { Self.std(returns) }
    /// Each episode's normalised score; nil without reference returns.
    public var scores: [Double]? { reference.map { r in returns.map(r.normalized) } }
    public var score: Double? { scores.map(Self.mean) }
    public var scoreStd: Double? { scores.map(Self.std) }

    /// How many episodes make the tail: ⌈α·n⌉, at least one.
    public var tailCount: Int { Swift.max(1, Int((tail * Double(episodes)).rounded(.up))) }
    /// Value at risk: the best return among the worst ⌈α·n⌉ episodes (the α-quantile).
    public var valueAtRisk: Double { returns.sorted()[Swift.min(tailCount, episodes) - 1] }
    /// Conditional value at risk: the mean return of the worst ⌈α·n⌉ episodes.
    public var conditionalValueAtRisk: Double { Self.mean(Array(returns.sorted().prefix(tailCount))) }

    static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
    static func std(_ xs: [Double]) -> Double {
        let m = mean(xs)
        return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(Swift.max(xs.count, 1))).squareRoot()
    }
}

extension EvaluationReport: CustomStringConvertible {
    /// One line: the normalised score when there is one, then returns and the tail.
    public var description: String {
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        let n = episodes == 1 ? "1 episode" : "\(episodes) episodes"
        let percent = Int((tail * 100).rounded())
        var head = "return \(f(mean)) ± \(f(std))"
        if let score, let scoreStd { head = "normalised \(f(score)) ± \(f(scoreStd)) (" + head + ")" }
        let r = reference
        let tailText = [("VaR", valueAtRisk), ("CVaR", conditionalValueAtRisk)].map { name, v in
            "\(name)\(percent) \(r.map { f($0.normalized(v)) } ?? f(v))"
        }.joined(separator: ", ")
        return "\(environment): \(head) over \(n); \(tailText)\(r == nil ? "" : " (normalised)")"
    }
}

public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    case mismatch(String)
    case badAction(episode: Int, step: Int, String)

    public var description: String {
        switch self {
        case .mismatch(let m): m
        case .badAction(let e, let s, let m): "the policy \(m) at step \(s) of episode \(e + 1)"
        }
    }
}

/// Runs `episodes` whole episodes of `policy` in `env` and reports their returns.
///
/// Episode i is reset with the i-th number drawn from `seed`, and the policy is
/// `policy.restarted(seed:)`, so the report is a function of (policy, env, episodes,
/// seed). Up to `parallel` episodes run side by side in copies of `env`, and the policy
/// acts on all their observations in one batch per step (one forward pass instead of
/// one per environment); the same arguments always batch the same way, so the numbers
/// repeat. A policy that cannot act in batches (it steers its own environment) runs one
/// episode at a time in `env` itself. `cancellation` is polled every step.
public func evaluate(_ policy: any Policy, in env: any PhysicsEnvironment, episodes: Int, seed: UInt64,
                     parallel: Int = 16, cancellation: CancellationToken? = nil) throws -> EvaluationReport {
    guard episodes > 0 else { throw EvaluationError.mismatch("evaluate: episodes must be positive, got \(episodes)") }
    let obsSize = env.observationSpace.size, actSize = env.actionSpace.size
    guard policy.observationSize == obsSize, policy.actionSize == actSize else {
        throw EvaluationError.mismatch("the policy maps \(policy.observationSize) → \(policy.actionSize) values, "
            + "\(env.name) has observations of \(obsSize) and actions of \(actSize)")
    }
    if let why = Worlds.mismatch(policy, env) { throw EvaluationError.mismatch(why) }
    let actor = policy.restarted(seed: seed)
    let width = policy.canActInBatches ? Swift.max(1, Swift.min(parallel, episodes)) : 1
    let envs = try [env] + (1..<width).map { _ in try env.duplicate() }
    var seeds = RandomGenerator(seed: seed)
    let resetSeeds = (0..<episodes).map { _ in seeds.next() }

    var returns = [Double](repeating: 0, count: episodes), lengths = [Int](repeating: 0, count: episodes)
    // slot j runs episode running[j] (nil when idle) in envs[j], at observations[j].
    var running = [Int?](repeating: nil, count: width)
    var observations = [[Float]](repeating: [], count: width)
    var nextEpisode = 0
    func startNext(in j: Int) throws {
        guard nextEpisode < episodes else { running[j] = nil; return }
        running[j] = nextEpisode
        observations[j] = try envs[j].reset(seed: resetSeeds[nextEpisode])
        nextEpisode += 1
    }
    for j in 0..<width { try startNext(in: j) }
    while true {
        let active = (0..<width).filter { running[$0] != nil }
        if active.isEmpty { break }
        try cancellation?.check()
        let actions: [Float]
        if active.count == 1 {
            actions = try actor.act(observations[active[0]])
        } else {
            let batch = try Tensor(shape: [active.count, obsSize], scalars: active.flatMap { observations[$0] })
            actions = try actor.act(batch: batch).scalars
        }
        guard actions.count == active.count * actSize else {
            throw EvaluationError.mismatch("the policy returned \(actions.count / Swift.max(active.count, 1)) action values, \(env.name) takes \(actSize)")
        }
        for (row, j) in active.enumerated() {
            let e = running[j]!
            let action = Array(actions[row * actSize..<(row + 1) * actSize])
            if let bad = action.firstIndex(where: { !$0.isFinite }) {
                throw EvaluationError.badAction(episode: e, step: lengths[e], "returned action[\(bad)] = \(action[bad])")
            }
            let step = try envs[j].step(action)
            returns[e] += step.reward
            lengths[e] += 1
            if step.terminated || step.truncated || lengths[e] >= env.maxEpisodeSteps {
                try startNext(in: j)
            } else {
                observations[j] = step.observation
            }
        }
    }
    return EvaluationReport(environment: env.name, seed: seed, returns: returns, lengths: lengths,
                            reference: try? Worlds.reference(for: env.name))
}
