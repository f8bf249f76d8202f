/// Reference returns of a task: `random` scores 0 and `expert` scores 100.
public struct ReferenceScore: Sendable, Equatable, Codable {
    /// R_random, D4RL's REF_MIN_SCORE.
    public var random: Double
    /// R_expert, D4RL's REF_MAX_SCORE.
    public var expert: Double

    public init(random: Double, expert: Double) {
        self.random = random
        self.expert = expert
    }

    /// D4RL's normalised score of return `r`: 100 · (r − random) / (expert − random).
    public func normalized(_ r: Double) -> Double { 100 * (r - random) / (expert - random) }
}

public enum ScoreError: Error, Equatable, CustomStringConvertible {
    case unknownTask(String, known: [String])

    public var description: String {
        switch self {
        case .unknownTask(let task, let known):
            return "no reference scores for task '\(task)' (known: \(known.joined(separator: ", ")))"
        }
    }
}

/// D4RL's reference returns, and the point maze's own.
public enum ReferenceScores {
    /// Keyed by environment, without dataset or version: D4RL gives every dataset of an
    /// environment (random, medium, expert, medium-replay…; v0, v1, v2) the same values —
    /// except maze2d, whose v0 tasks have their own, under versioned keys.
    public static let table: [String: ReferenceScore] = [
        // D4RL, d4rl/infos.py, REF_MIN_SCORE / REF_MAX_SCORE (the '<env>-random-v0' entries,
        // which v1/v2 and every dataset copy): github.com/Farama-Foundation/D4RL.
        "hopper": ReferenceScore(random: -20.272305, expert: 3234.3),
        "halfcheetah": ReferenceScore(random: -280.178953, expert: 12135.0),
        "walker2d": ReferenceScore(random: 1.629008, expert: 4592.3),
        "ant": ReferenceScore(random: -325.6, expert: 3879.7),
        // AntMaze: the return is 1 if the goal was reached, so the score is the success rate.
        "antmaze-umaze": ReferenceScore(random: 0, expert: 1),
        "antmaze-medium": ReferenceScore(random: 0, expert: 1),
        "antmaze-large": ReferenceScore(random: 0, expert: 1),
        // maze2d-*-v1 (MuJoCo point mass), same file; an unversioned maze2d name means v1.
        "maze2d-umaze": ReferenceScore(random: 23.85, expert: 161.86),
        "maze2d-medium": ReferenceScore(random: 13.13, expert: 277.39),
        "maze2d-large": ReferenceScore(random: 6.7, expert: 273.99),
        "maze2d-umaze-dense": ReferenceScore(random: 68.537689, expert: 193.66285642381482),
        "maze2d-medium-dense": ReferenceScore(random: 44.264742, expert: 297.4552547777125),
        "maze2d-large-dense": ReferenceScore(random: 30.569041, expert: 303.4857382709002),
        // maze2d-*-v0: shorter episodes (150/250/600 steps against v1's 300/600/800), so
        // other references. infos.py lacks them; they are the ref_min_score/ref_max_score
        // of d4rl/pointmaze/__init__.py's registrations (@61b0d25), which get_normalized_score reads.
        "maze2d-umaze-v0": ReferenceScore(random: 0.94, expert: 62.6),
        "maze2d-medium-v0": ReferenceScore(random: 5.77, expert: 85.14),
        "maze2d-large-v0": ReferenceScore(random: 4.83, expert: 191.99),
        "maze2d-umaze-dense-v0": ReferenceScore(random: 23.249793, expert: 81.78995240126592),
        "maze2d-medium-dense-v0": ReferenceScore(random: 19.477620, expert: 96.03474232952358),
        "maze2d-large-dense-v0": ReferenceScore(random: 27.388310, expert: 215.09965671563742),
        // cdsa's pure-Swift point maze: PointMaze.referenceReturns(size, reward:) with its
        // defaults (1000 episodes, seed 0) — a uniformly random policy and the noiseless
        // WaypointController, rounded to 4 decimals; PointMazeReferenceTests recomputes
        // them. The controller reaches goals faster than D4RL's MuJoCo maze2d numbers
        // above suggest (umaze 225.6 vs 161.9), so the two tables are not interchangeable.
        "pointmaze-umaze": ReferenceScore(random: 25.968, expert: 225.585),
        "pointmaze-medium": ReferenceScore(random: 18.813, expert: 430.323),
        "pointmaze-large": ReferenceScore(random: 10.763, expert: 561.387),
        "pointmaze-umaze-dense": ReferenceScore(random: 70.8392, expert: 237.4003),
        "pointmaze-medium-dense": ReferenceScore(random: 48.0443, expert: 444.6626),
        "pointmaze-large-dense": ReferenceScore(random: 37.97, expert: 581.129),
        "pointmaze-umaze-distance": ReferenceScore(random: -527.1699, expert: -136.7345),
        "pointmaze-medium-distance": ReferenceScore(random: -2474.7012, expert: -508.5549),
        "pointmaze-large-distance": ReferenceScore(random: -4513.5884, expert: -935.1508),
    ]

    /// The table's keys, sorted.
    public static var knownTasks: [String] { table.keys.sorted() }

    /// D4RL dataset qualifiers ("hopper-medium-replay-v2", "antmaze-large-diverse-v2"):
    /// they name data, and share their environment's reference scores.
    public static let locomotionDatasets: Set<String> = ["random", "medium", "expert", "medium-replay", "medium-expert", "full-replay"]
    public static let antmazeDatasets: Set<String> = ["play", "diverse"]

    /// `name` without a version suffix such as "-v2".
    public static func droppingVersion(_ name: String) -> String {
        guard let dash = name.lastIndex(of: "-") else { return name }
        let suffix = name[name.index(after: dash)...]
        guard suffix.count > 1, suffix.first == "v", suffix.dropFirst().allSatisfy(\.isNumber) else { return name }
        return String(name[..<dash])
    }

    /// The reference scores of `task`: an environment ("hopper", "antmaze-medium",
    /// "pointmaze-umaze-dense") or a D4RL dataset name ("hopper-medium-replay-v2",
    /// "antmaze-large-diverse-v2", "maze2d-umaze-v1"; "maze2d-umaze-v0" has its own).
    public static func reference(for task: String) throws -> ReferenceScore {
        if let score = table[task.lowercased()] { return score }  // a versioned key: maze2d v0
        let name = droppingVersion(task.lowercased())
        if let score = table[name] { return score }
        for d in locomotionDatasets.union(antmazeDatasets) where name.hasSuffix("-" + d) {
            if let score = table[String(name.dropLast(d.count + 1))] { return score }
        }
        throw ScoreError.unknownTask(task, known: knownTasks)
    }
}

/// D4RL's normalised score, 100 · (R − R_random) / (R_expert − R_random): 0 for the
/// random policy, 100 for the expert. `task` is as in `ReferenceScores.reference(for:)`.
public func normalizedScore(task: String, return r: Double) throws -> Double {
    try ReferenceScores.reference(for: task).normalized(r)
}
