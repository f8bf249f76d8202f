import Autodiff

/// An online algorithm's memory of transitions (s, a, r, s′, 1 − terminal) in flat
/// Float32 arrays that grow to `capacity`, after which the oldest is overwritten.
/// Minibatches are drawn uniformly with replacement with the caller's generator.
public struct ReplayBuffer {
    public let capacity: Int
    public let observationSize: Int
    public let actionSize: Int
    private(set) var observations: [Float] = []
    private(set) var actions: [Float] = []
    private(set) var rewards: [Float] = []
    private(set) var nextObservations: [Float] = []
    private(set) var notDone: [Float] = []
    /// 1 where the episode was cut by its time limit (not used in learning; it marks the
    /// episode boundaries when the buffer becomes a dataset).
    private(set) var timeouts: [Float] = []
    /// The row the next transition goes to (once full, the oldest).
    private(set) var next = 0

    public init(capacity: Int, observationSize: Int, actionSize: Int) {
        self.capacity = capacity
        self.observationSize = observationSize
        self.actionSize = actionSize
    }

    /// Transitions held.
    public var count: Int { rewards.count }

    public mutating func append(_ s: [Float], _ a: [Float], _ r: Float, _ s2: [Float], terminal: Bool, timeout: Bool = false) {
        precondition(s.count == observationSize && s2.count == observationSize && a.count == actionSize)
        if count < capacity {
            observations += s
            actions += a
            rewards.append(r)
            nextObservations += s2
            notDone.append(terminal ? 0 : 1)
            timeouts.append(timeout ? 1 : 0)
        } else {
            let (i, o, k) = (next, observationSize, actionSize)
            observations.replaceSubrange(i * o..<(i + 1) * o, with: s)
            actions.replaceSubrange(i * k..<(i + 1) * k, with: a)
            rewards[i] = r
            nextObservations.replaceSubrange(i * o..<(i + 1) * o, with: s2)
            notDone[i] = terminal ? 0 : 1
            timeouts[i] = timeout ? 1 : 0
        }
        next = (next + 1) % capacity
    }

    /// `size` transitions drawn uniformly with replacement.
    public func sample(_ size: Int, using rng: inout RandomGenerator) throws -> Transitions.Batch {
        precondition(count > 0, "sampling an empty replay buffer")
        let idx = (0..<size).map { _ in rng.nextInt(below: count) }
        func rows(_ values: [Float], _ width: Int) throws -> Tensor {
            var out = [Float](repeating: 0, count: size * width)
            for (j, i) in idx.enumerated() {
                for c in 0..<width { out[j * width + c] = values[i * width + c] }
            }
            return try Tensor(shape: width == 1 ? [size] : [size, width], scalars: out)
        }
        return Transitions.Batch(indices: idx, observations: try rows(observations, observationSize), actions: try rows(actions, actionSize),
                                 rewards: try rows(rewards, 1), nextObservations: try rows(nextObservations, observationSize),
                                 notDone: try rows(notDone, 1))
    }

    /// Saves the filled rows only, under `part/…`.
    public func save(into state: inout TrainingState, as part: String) throws {
        let n = count
        state.save(try Tensor(shape: [n, observationSize], scalars: observations), as: "\(part)/observations")
        state.save(try Tensor(shape: [n, actionSize], scalars: actions), as: "\(part)/actions")
        state.save(Tensor(rewards), as: "\(part)/rewards")
        state.save(try Tensor(shape: [n, observationSize], scalars: nextObservations), as: "\(part)/next_observations")
        state.save(Tensor(notDone), as: "\(part)/not_done")
        state.save(Tensor(timeouts), as: "\(part)/timeouts")
        state.values["\(part)/next"] = String(next)
    }

    public mutating func restore(from state: TrainingState, part: String) throws {
        let o = try state.tensor("\(part)/observations"), a = try state.tensor("\(part)/actions")
        let r = try state.tensor("\(part)/rewards"), o2 = try state.tensor("\(part)/next_observations")
        let d = try state.tensor("\(part)/not_done"), t = try state.tensor("\(part)/timeouts"), n = r.count
        guard n <= capacity, o.shape == [n, observationSize], o2.shape == [n, observationSize], a.shape == [n, actionSize],
              d.shape == [n], t.shape == [n] else {
            throw TrainingError.checkpoint("\(part): saved transitions do not fit a buffer of \(capacity) × (\(observationSize), \(actionSize))")
        }
        let at = try state.integer("\(part)/next")
        guard (0..<capacity).contains(at), at == n % capacity || n == capacity else {
            throw TrainingError.checkpoint("\(part): next row \(at) for \(n) transitions")
        }
        (observations, actions, rewards, nextObservations, notDone, timeouts) = (o.scalars, a.scalars, r.scalars, o2.scalars, d.scalars, t.scalars)
        next = at
    }

    /// The transitions in the order they arrived (the oldest first once the buffer has
    /// wrapped) as a dataset: terminals and timeouts as recorded, every s′ a real successor.
    public func dataset(environment: String) throws -> Dataset {
        let n = count, start = n == capacity ? next : 0
        let order = (0..<n).map { (start + $0) % Swift.max(n, 1) }
        func rows(_ values: [Float], _ width: Int) throws -> Tensor {
            try Tensor(shape: [n, width], scalars: order.flatMap { values[$0 * width..<($0 + 1) * width] })
        }
        return try Dataset(observations: rows(observations, observationSize), actions: rows(actions, actionSize),
                           rewards: Tensor(order.map { rewards[$0] }), terminals: order.map { notDone[$0] == 0 },
                           timeouts: order.map { timeouts[$0] != 0 && notDone[$0] != 0 },
                           nextObservations: rows(nextObservations, observationSize),
                           source: "replay buffer", format: "replay", environmentName: environment)
    }
}
