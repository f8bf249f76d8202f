import Autodiff
import NeuralNet

/// A dataset made ready for training, once: states normalised (when asked), rewards
/// transformed as the algorithm's code does, and the rows a minibatch may be drawn from.
/// Every algorithm samples here with its own generator, so a seed fixes its batches.
public struct Transitions {
    public let normalizer: Normalizer?
    /// s and s′, normalised when `normalizer` is set; [n, observationSize].
    public let observations: Tensor
    public let nextObservations: Tensor
    public let actions: Tensor
    /// r after `RewardTransform`, [n].
    public let rewards: Tensor
    /// 1 − terminal, [n]: multiplies the bootstrapped value.
    public let notDone: Tensor
    /// Rows usable for a TD target: a recorded successor, or terminal.
    public let pool: [Int]

    /// A minibatch: indices into the dataset and their rows.
    public struct Batch {
        public var indices: [Int]
        public var observations: Tensor
        public var actions: Tensor
        public var rewards: Tensor
        public var nextObservations: Tensor
        public var notDone: Tensor
    }

    public init(_ d: Dataset, normalize: Bool, epsilon: Float = 1e-3, rewards transform: RewardTransform = .none,
                pool: SamplingPool = .transitions) throws {
        let normalizer = normalize ? try Normalizer(fitting: d.observations, epsilon: epsilon) : nil
        self.normalizer = normalizer
        observations = try normalizer.map { try $0(d.observations) } ?? d.observations
        nextObservations = try normalizer.map { try $0(d.nextObservations) } ?? d.nextObservations
        actions = d.actions
        rewards = try transform.apply(d)
        notDone = Tensor(d.terminals.map { $0 ? 0 : 1 })
        self.pool = (0..<d.count).filter { d.inPool($0, pool) }
        guard !self.pool.isEmpty else { throw DatasetError.empty(file: d.source) }
    }

    /// `size` rows drawn uniformly with replacement from the pool.
    public func sample(_ size: Int, using rng: inout RandomGenerator, nextStates: Bool = true) throws -> Batch {
        let idx = (0..<size).map { _ in pool[rng.nextInt(below: pool.count)] }
        return Batch(indices: idx, observations: try observations.gather(idx), actions: try actions.gather(idx),
                     rewards: try rewards.gather(idx),
                     nextObservations: nextStates ? try nextObservations.gather(idx) : observations,
                     notDone: try notDone.gather(idx))
    }
}

/// How an algorithm's code rescales rewards before learning.
public enum RewardTransform: String, Codable, Sendable {
    /// The authors' choice for the dataset (`standard(for:)`): what IQL and POR default to.
    case standard
    /// As recorded.
    case none
    /// r · 1000 / (max episode return − min episode return): IQL's and POR's code for
    /// the locomotion tasks.
    case returnRange = "return_range"
    /// r − 1: IQL's code for AntMaze (so reaching the goal is worth 0, each step −1).
    case minusOne = "minus_one"

    func apply(_ d: Dataset) throws -> Tensor {
        switch self {
        case .standard: return try resolved(for: d).apply(d)
        case .none: return d.rewards
        case .minusOne: return try d.rewards - 1
        case .returnRange:
            let returns = d.episodeReturns
            let span = (returns.max() ?? 0) - (returns.min() ?? 0)
            guard span > 0 else { return d.rewards }
            return try d.rewards * Float(1000 / span)
        }
    }

    /// `standard` made concrete for `d`: the choice IQL's and POR's scripts make — AntMaze
    /// shifts, the locomotion tasks rescale, anything else is left as it is — keyed on the
    /// same task name as the algorithms' other per-dataset settings (the file's name first,
    /// then the data's environment), so the two never disagree.
    public func resolved(for d: Dataset) -> RewardTransform {
        guard self == .standard else { return self }
        if DatasetTask.isAntMaze(d) { return .minusOne }
        let task = DatasetTask.name(d)
        if ["hopper", "walker2d", "halfcheetah", "ant"].contains(where: { task.hasPrefix($0) }) { return .returnRange }
        return .none
    }
}
