import Autodiff

/// A minibatch of transitions, one row per sample.
public struct Batch: Sendable {
    /// [b, observationSize]
    public var observations: Tensor
    /// [b, actionSize]
    public var actions: Tensor
    /// [b]
    public var rewards: Tensor
    /// [b, observationSize]
    public var nextObservations: Tensor
    /// [b], 1 where the step was terminal (so 1 − terminals masks bootstrapping).
    public var terminals: Tensor
    /// [b], 1 where the step hit the time limit.
    public var timeouts: Tensor
    /// Dataset row of each sample.
    public var indices: [Int]
}

/// Which steps a sampler may draw.
public enum SamplingPool: Sendable {
    /// Every step (behaviour cloning needs only (s, a)).
    case steps
    /// Steps usable for TD learning: a recorded successor, or terminal (where s' is
    /// never bootstrapped from). The default.
    case transitions
    /// Steps with a recorded successor only (inverse dynamics, models).
    case successors
}

extension Dataset {
    /// Whether step `i` belongs to `pool`.
    func inPool(_ i: Int, _ pool: SamplingPool) -> Bool {
        switch pool {
        case .steps: true
        case .transitions: hasNext[i] || terminals[i]
        case .successors: hasNext[i]
        }
    }

    /// `batchSize` rows drawn uniformly with replacement from `pool`. The same
    /// generator state gives the same batch.
    public func sample(_ batchSize: Int, using rng: inout RandomGenerator, from pool: SamplingPool = .transitions) throws -> Batch {
        guard batchSize > 0 else { throw DatasetError.invalidArgument("sample: batch size must be positive, got \(batchSize)") }
        guard (0..<count).contains(where: { inPool($0, pool) }) else {
            throw DatasetError.empty(file: source)
        }
        var indices: [Int] = []
        indices.reserveCapacity(batchSize)
        while indices.count < batchSize {
            // Rejection keeps the draw uniform over the pool; the pools are almost all steps.
            let i = rng.nextInt(below: count)
            if inPool(i, pool) { indices.append(i) }
        }
        return try batch(indices)
    }

    /// The rows `indices` as a batch.
    public func batch(_ indices: [Int]) throws -> Batch {
        Batch(observations: try observations.gather(indices),
              actions: try actions.gather(indices),
              rewards: try rewards.gather(indices),
              nextObservations: try nextObservations.gather(indices),
              terminals: Tensor(indices.map { terminals[$0] ? 1 : 0 }),
              timeouts: Tensor(indices.map { timeouts[$0] ? 1 : 0 }),
              indices: indices)
    }

    /// The episodes whose returns are in the top `fraction` (rounded up, at least one),
    /// kept whole and in their original order — the data of 10%BC.
    public func topEpisodes(fraction: Double) throws -> Dataset {
        guard fraction > 0, fraction <= 1 else {
            throw DatasetError.invalidArgument("topEpisodes: fraction must be in (0, 1], got \(fraction)")
        }
        let returns = episodeReturns
        let keep = Swift.max(1, Int((fraction * Double(returns.count)).rounded(.up)))
        // Highest return first; ties go to the earlier episode so the choice is stable.
        let ranked = returns.indices.sorted { returns[$0] != returns[$1] ? returns[$0] > returns[$1] : $0 < $1 }
        return try selectEpisodes(ranked.prefix(keep).sorted())
    }

    /// A new dataset made of the given episodes (indices into `episodes`), in that order.
    public func selectEpisodes(_ chosen: [Int]) throws -> Dataset {
        let ranges = episodes
        var rows: [Int] = [], starts: [Int] = []
        for k in chosen {
            guard ranges.indices.contains(k) else {
                throw DatasetError.invalidArgument("selectEpisodes: no episode \(k) (there are \(ranges.count))")
            }
            starts.append(rows.count)
            rows += ranges[k]
        }
        guard !rows.isEmpty else { throw DatasetError.empty(file: source) }
        var out = try Dataset(observations: observations.gather(rows), actions: actions.gather(rows),
                              rewards: rewards.gather(rows), terminals: rows.map { terminals[$0] },
                              timeouts: rows.map { timeouts[$0] }, nextObservations: nextObservations.gather(rows),
                              episodeStarts: starts, infos: infos.mapValues { $0.gather(rows) },
                              source: source, format: format, environmentName: environmentName)
        out.hasNext = rows.map { hasNext[$0] }
        return out
    }
}
