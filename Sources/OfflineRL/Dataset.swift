import Autodiff

/// An offline-RL dataset: one row per environment step (s, a, r, s', terminal, timeout),
/// grouped into episodes. Every loader (D4RL, Minari, NPZ) and `collect` ends here, and
/// this initialiser is where all of them are validated.
///
/// Episode boundaries are explicit (`episodeStarts`), so a transition never crosses
/// one: the step before a boundary has a next state only when the source recorded it
/// (D4RL's `next_observations`, Minari's T+1 observations, a collected step).
public struct Dataset: Sendable {
    /// Where the data came from (a path, or "collected"), used in messages.
    public var source: String
    /// "D4RL", "Minari", "NPZ", "collected" or "memory".
    public var format: String
    /// The environment's name when the file records one (D4RL `env_name`, Minari's id).
    public var environmentName: String?
    /// How cdsa made the data when it did (`cdsa_recipe` in the file): "cdsa's recreation
    /// of D4RL's hopper-medium: …". Nil for data from elsewhere.
    public var recipe: String?
    /// The file `source` as it was when these rows were read from it or written to it:
    /// `identity()` hashes the file only while it is still that file. Nil for data held
    /// only in memory.
    public internal(set) var file: FileStamp?

    /// s, [count, observationSize].
    public internal(set) var observations: Tensor
    /// a, [count, actionSize].
    public internal(set) var actions: Tensor
    /// r, [count].
    public internal(set) var rewards: Tensor
    /// s', [count, observationSize]. Where `hasNext` is false this row repeats s and
    /// must not be used as a successor.
    public internal(set) var nextObservations: Tensor
    /// The MDP ended at this step (no bootstrapping from s').
    public internal(set) var terminals: [Bool]
    /// The episode was cut by a time limit at this step (s' is not terminal).
    public internal(set) var timeouts: [Bool]
    /// Whether s' is a real successor recorded by the source.
    public internal(set) var hasNext: [Bool]
    /// Index of each episode's first step, ascending, starting at 0.
    public internal(set) var episodeStarts: [Int]
    /// Extra per-step arrays at float64 (D4RL's infos/qpos, infos/qvel, infos/goal, …).
    public internal(set) var infos: [String: DoubleRows]

    /// Builds and validates a dataset. With `nextObservations` nil, s' is taken from the
    /// following row within the same episode and is missing at episode ends. With
    /// `episodeStarts` nil, an episode ends at each terminal or timeout (and at the end).
    public init(observations: Tensor, actions: Tensor, rewards: Tensor, terminals: [Bool], timeouts: [Bool],
                nextObservations: Tensor? = nil, episodeStarts: [Int]? = nil, infos: [String: DoubleRows] = [:],
                source: String = "dataset", format: String = "memory", environmentName: String? = nil) throws(DatasetError) {
        let file = source
        guard observations.rank == 2 else {
            throw .wrongRank(file: file, key: "observations", expected: "2", shape: observations.shape)
        }
        let n = observations.shape[0]
        guard n > 0, observations.count > 0 else { throw .empty(file: file) }
        func rows(_ key: String, _ found: Int) throws(DatasetError) {
            guard found == n else { throw .lengthMismatch(file: file, key: key, found: found, expected: n, reference: "observations") }
        }
        guard actions.rank == 2 else { throw .wrongRank(file: file, key: "actions", expected: "2", shape: actions.shape) }
        try rows("actions", actions.shape[0])
        guard rewards.rank == 1 || (rewards.rank == 2 && rewards.shape[1] == 1) else {
            throw .wrongRank(file: file, key: "rewards", expected: "1", shape: rewards.shape)
        }
        try rows("rewards", rewards.shape[0])
        try rows("terminals", terminals.count)
        try rows("timeouts", timeouts.count)
        for (key, info) in infos { try rows("infos/\(key)", info.rows) }
        if let next = nextObservations {
            guard next.rank == 2 else { throw .wrongRank(file: file, key: "next_observations", expected: "2", shape: next.shape) }
            try rows("next_observations", next.shape[0])
            guard next.shape == observations.shape else {
                throw .malformed(file: file, reason: "'next_observations' has shape \(next.shape) but 'observations' has \(observations.shape)")
            }
        }
        try checkFinite(observations, key: "observations", file: file)
        try checkFinite(actions, key: "actions", file: file)
        try checkFinite(rewards, key: "rewards", file: file)
        if let next = nextObservations { try checkFinite(next, key: "next_observations", file: file) }
        for (key, info) in infos.sorted(by: { $0.key < $1.key }) {
            if let bad = info.values.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(file: file, key: "infos/\(key)", index: bad)
            }
        }

        let starts = try Dataset.episodeStarts(given: episodeStarts, terminals: terminals, timeouts: timeouts, file: file)
        self.source = source
        self.format = format
        self.environmentName = environmentName
        self.observations = observations
        self.actions = actions
        do { self.rewards = try rewards.reshaped([n]) } catch { throw .malformed(file: file, reason: "\(error)") }
        self.terminals = terminals
        self.timeouts = timeouts
        self.episodeStarts = starts
        self.infos = infos
        if let next = nextObservations {
            self.nextObservations = next
            hasNext = Array(repeating: true, count: n)
        } else {
            (self.nextObservations, hasNext) = Dataset.successors(of: observations, episodeStarts: starts)
        }
    }

    /// Checks `given` (or derives starts from the flags) so that every flagged step is
    /// the last of its episode.
    static func episodeStarts(given: [Int]?, terminals: [Bool], timeouts: [Bool], file: String) throws(DatasetError) -> [Int] {
        let n = terminals.count
        guard let given else {
            var starts = [0]
            for i in 0..<(n - 1) where terminals[i] || timeouts[i] { starts.append(i + 1) }
            return starts
        }
        guard given.first == 0 else { throw .malformed(file: file, reason: "episodes must start at step 0") }
        for k in 1..<given.count where given[k] <= given[k - 1] || given[k] >= n {
            throw .malformed(file: file, reason: "episode \(k) starts at \(given[k]), out of order or past the end")
        }
        var ends = Set(given.dropFirst().map { $0 - 1 })
        ends.insert(n - 1)
        for i in 0..<n where (terminals[i] || timeouts[i]) && !ends.contains(i) {
            throw .malformed(file: file, reason: "step \(i) is flagged terminal or timeout but its episode goes on")
        }
        return given
    }

    /// s' = the next row inside an episode; at an episode's last step there is none and
    /// the row repeats s.
    static func successors(of observations: Tensor, episodeStarts: [Int]) -> (Tensor, [Bool]) {
        let n = observations.shape[0], d = observations.shape[1]
        var hasNext = Array(repeating: true, count: n)
        for start in episodeStarts.dropFirst() { hasNext[start - 1] = false }
        hasNext[n - 1] = false
        var next = observations
        next.withUnsafeMutableBufferPointer { dst in
            observations.withUnsafeBufferPointer { src in
                guard let s = src.baseAddress, let t = dst.baseAddress else { return }
                var i = 0
                while i < n {
                    // Copy runs of rows that have successors in one go.
                    var j = i
                    while j < n && hasNext[j] { j += 1 }
                    if j > i { (t + i * d).update(from: s + (i + 1) * d, count: (j - i) * d) }
                    i = j + 1
                }
            }
        }
        return (next, hasNext)
    }

    public var count: Int { observations.shape[0] }
    public var observationSize: Int { observations.shape[1] }
    public var actionSize: Int { actions.shape[1] }
    public var episodeCount: Int { episodeStarts.count }

    /// Step ranges of the episodes, in order.
    public var episodes: [Range<Int>] {
        episodeStarts.indices.map { k in episodeStarts[k]..<(k + 1 < episodeStarts.count ? episodeStarts[k + 1] : count) }
    }

    /// Sum of rewards of each episode (an unfinished last episode included).
    public var episodeReturns: [Double] {
        rewards.withUnsafeBufferPointer { r in episodes.map { range in range.reduce(0.0) { $0 + Double(r[$1]) } } }
    }

    /// infos/qpos, infos/qvel and infos/goal when the source has them.
    public var qpos: DoubleRows? { infos["qpos"] }
    public var qvel: DoubleRows? { infos["qvel"] }
    public var goals: DoubleRows? { infos["goal"] }
}

/// Throws `nonFinite` at the first NaN or infinity. The common all-finite case is one
/// vectorisable pass: the largest exponent field is all ones exactly when some value is
/// not finite.
func checkFinite(_ tensor: Tensor, key: String, file: String) throws(DatasetError) {
    let bad: Int? = tensor.withUnsafeBufferPointer { b in
        b.withMemoryRebound(to: UInt32.self) { bits in
            var largest: UInt32 = 0
            for x in bits { largest = Swift.max(largest, x & 0x7F80_0000) }
            return largest == 0x7F80_0000 ? b.firstIndex { !$0.isFinite } : nil
        }
    }
    if let bad { throw .nonFinite(file: file, key: key, index: bad) }
}
