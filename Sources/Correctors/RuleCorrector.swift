import Autodiff
import Simulation

/// A frozen base policy whose every action passes through a correction rule
/// a = rule(s, a0), a0 = base(s) — the form of every corrector, with the rule given as
/// a function (the language passes one written in cdsa). The rule sees raw observations
/// and the base's actions as batches [n, S] and [n, A] and must return [n, A] of finite
/// numbers; anything else is an error naming what came back.
public struct RuleCorrector: Policy {
    public typealias Rule = (_ states: Tensor, _ actions: Tensor) throws -> Tensor
    public let base: any Policy
    public let rule: Rule
    /// What the rule is called in errors ("rule damped").
    public let name: String

    public init(base: any Policy, name: String, rule: @escaping Rule) {
        self.base = base
        self.name = name
        self.rule = rule
    }

    public var observationSize: Int { base.observationSize }
    public var actionSize: Int { base.actionSize }
    public var canActInBatches: Bool { base.canActInBatches }
    public var world: String? { base.world }

    public func act(_ observation: [Float]) throws -> [Float] {
        try act(batch: Tensor(shape: [1, observation.count], scalars: observation)).scalars
    }

    public func act(batch observations: Tensor) throws -> Tensor {
        let a0 = try base.act(batch: observations)
        let a = try rule(observations, a0)
        guard a.shape == a0.shape else {
            throw CorrectorError.badRule("\(name) returned shape \(a.shape) for actions of shape \(a0.shape)")
        }
        guard a.scalars.allSatisfy(\.isFinite) else {
            throw CorrectorError.badRule("\(name) returned a non-finite action \(a.scalars.first { !$0.isFinite }!)")
        }
        return a
    }

    public func restarted(seed: UInt64) -> any Policy {
        RuleCorrector(base: base.restarted(seed: seed), name: name, rule: rule)
    }
}

/// A policy whose actions are clipped to [low, high] componentwise.
public struct ClippedPolicy: Policy {
    public let base: any Policy
    public let low: Float, high: Float

    public init(base: any Policy, low: Float, high: Float) throws {
        guard low <= high else { throw CorrectorError.invalid("clip: high must be ≥ low, got \(low) and \(high)") }
        self.base = base
        self.low = low
        self.high = high
    }

    public var observationSize: Int { base.observationSize }
    public var actionSize: Int { base.actionSize }
    public var canActInBatches: Bool { base.canActInBatches }
    public var world: String? { base.world }

    public func act(_ observation: [Float]) throws -> [Float] { try base.act(observation).map { min(max($0, low), high) } }

    public func act(batch observations: Tensor) throws -> Tensor { try base.act(batch: observations).clamped(low, high) }

    public func restarted(seed: UInt64) -> any Policy {
        (try? ClippedPolicy(base: base.restarted(seed: seed), low: low, high: high)) ?? self
    }
}

public enum CorrectorError: Error, CustomStringConvertible, Equatable {
    /// A correction rule returned something that is not an action batch.
    case badRule(String)
    /// An argument or a model does not fit.
    case invalid(String)

    public var description: String {
        switch self {
        case .badRule(let m): "rule \(m)"
        case .invalid(let m): m
        }
    }
}
