/// The one registry of environment names: every world cdsa simulates, found from any
/// name a user brings — registry ("hopper"), gymnasium ("Hopper-v4"), D4RL
/// ("hopper-medium-replay-v2", "antmaze-large-diverse-v2", "maze2d-umaze-dense-v1") or
/// Minari ("mujoco/halfcheetah/expert-v0"; `otherVersion` says why others are not). `env(name)`, dataset
/// loading and reference scores all resolve names here.
public enum Worlds {
    /// gymnasium v4 locomotion tasks.
    public static let locomotion = ["hopper", "walker2d", "halfcheetah", "ant"]

    /// D4RL's AntMaze tasks.
    public static let antmaze = MazeSize.allCases.map { "antmaze-\($0.rawValue)" }

    /// cdsa's point mazes (D4RL maze2d's tasks), every size and reward.
    public static let pointmaze = MazeSize.allCases.flatMap { size in PointMaze.Reward.allCases.map { PointMaze.taskName(size, $0) } }

    /// Every registry name, as `make` accepts them and messages list them.
    public static var names: [String] { locomotion + antmaze + pointmaze }

    /// Dataset qualifiers in D4RL and Minari names ("simple" is Minari's): they name data,
    /// not another world.
    static let locomotionData = ReferenceScores.locomotionDatasets.union(["simple"])

    /// The registry name `name` means, or nil if none.
    public static func canonical(_ name: String) -> String? {
        var key = name.lowercased().replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "_", with: "")
        for prefix in ["d4rl-", "mujoco-"] where key.hasPrefix(prefix) { key.removeFirst(prefix.count) }
        key = ReferenceScores.droppingVersion(key)
        let parts = key.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let rest = parts.dropFirst().joined(separator: "-")
        switch parts[0] {
        case let world where locomotion.contains(world):
            return rest.isEmpty || locomotionData.contains(rest) ? world : nil
        case "antmaze":
            guard (2...3).contains(parts.count), MazeSize(rawValue: parts[1]) != nil,
                  parts.count == 2 || ReferenceScores.antmazeDatasets.contains(parts[2]) else { return nil }
            return "antmaze-" + parts[1]
        case "maze2d", "pointmaze":
            guard (2...3).contains(parts.count), MazeSize(rawValue: parts[1]) != nil else { return nil }
            if parts.count == 3 { guard let reward = PointMaze.Reward(rawValue: parts[2]), reward != .sparse else { return nil } }
            return "pointmaze-" + rest
        default:
            return nil
        }
    }

    /// The body a name's world moves ("walker2d", "antmaze", "pointmaze"), or nil if unknown.
    public static func body(_ name: String) -> String? {
        canonical(name)?.split(separator: "-").first.map(String.init)
    }

    /// Whether two names are known to move different bodies (false when either is unknown).
    public static func differentBodies(_ a: String?, _ b: String?) -> Bool {
        guard let a = a.flatMap(body), let b = b.flatMap(body) else { return false }
        return a != b
    }

    /// Why `policy` cannot act in `env` though the sizes fit (it learned for another body:
    /// walker2d's and halfcheetah's 17 → 6 look alike), or nil.
    public static func mismatch(_ policy: any Policy, _ env: any Environment) -> String? {
        guard let world = policy.world, differentBodies(world, env.name) else { return nil }
        return "the policy learned for \(world); \(env.name) is another body with the same sizes"
    }

    /// Why `name` asks for a version of a locomotion world cdsa does not simulate, or nil.
    /// cdsa's are gymnasium's v4 (v2 and v3 are the same tasks under mujoco-py; D4RL's data
    /// came from them). gymnasium's v5 changed Hopper, Walker2d and Ant (HalfCheetah's
    /// dynamics and reward stayed), and Minari's `mujoco/…` datasets were collected in v5;
    /// its `D4RL/pointmaze/…` and `D4RL/antmaze/…` in gymnasium-robotics' mazes.
    public static func otherVersion(_ name: String) -> String? {
        let key = name.lowercased().replacingOccurrences(of: "_", with: "")
        let parts = key.replacingOccurrences(of: "/", with: "-").split(separator: "-").map(String.init)
        let minari = key.hasPrefix("mujoco/") || key.hasPrefix("mujoco-")
        guard let world = canonical(name) else { return nil }
        if key.hasPrefix("d4rl/") || key.hasPrefix("d4rl-"), let kind = world.split(separator: "-").first, kind != world {
            // Minari's D4RL/pointmaze and D4RL/antmaze were collected again in gymnasium-robotics.
            return "Minari's D4RL/\(kind) datasets were collected in gymnasium-robotics' mazes, not D4RL's: "
                + "there the maze is centred on the origin and the goal is part of a dict observation, "
                + "where cdsa's \(world) is D4RL's (env(\"\(world)\"))"
        }
        guard let change = v5Changes[world] else { return nil }
        let version = parts.count == 2 && parts[1].first == "v" ? Int(parts[1].dropFirst()) : nil
        guard minari || (version ?? 0) >= 5 else { return nil }
        let what = minari ? "Minari's mujoco datasets were collected in gymnasium's v5 worlds" : "\(name) is gymnasium's v5"
        return "\(what), and cdsa simulates \(world) as v4, the world D4RL's data came from: in v5 \(change). "
            + "env(\"\(world)\") is v4, if that is what you mean"
    }

    /// What gymnasium's v5 changed, per world (its version history).
    static let v5Changes = [
        "hopper": "the healthy reward is paid only while healthy",
        "walker2d": "the healthy reward is paid only while healthy and both feet have friction 1.9 (v4: the right 0.9)",
        "ant": "the observation holds contact forces and the healthy reward is paid only while healthy",
    ]

    /// A fresh environment for any name `canonical` understands, other than a version of
    /// a world cdsa does not simulate (`otherVersion`).
    public static func make(_ name: String) throws -> any PhysicsEnvironment {
        guard let key = canonical(name) else { throw SimulationError.unknownEnvironment(name, known: names) }
        if let why = otherVersion(name) { throw SimulationError.otherVersion(why) }
        switch key {
        case "hopper": return try Hopper()
        case "walker2d": return try Walker2d()
        case "halfcheetah": return try HalfCheetah()
        case "ant": return try Ant()
        default:
            let parts = key.split(separator: "-").map(String.init)
            guard parts.count >= 2, let size = MazeSize(rawValue: parts[1]) else {
                throw SimulationError.unknownEnvironment(name, known: names)
            }
            if parts[0] == "antmaze" { return try AntMaze(size) }
            return PointMaze(size, reward: parts.count == 3 ? PointMaze.Reward(rawValue: parts[2]) ?? .sparse : .sparse)
        }
    }

    /// Reference returns for a task as D4RL spells it (maze2d's v0 tasks have their own),
    /// or for any name `canonical` understands and `otherVersion` does not refuse.
    public static func reference(for task: String) throws -> ReferenceScore {
        // D4RL's references do not score another world's returns (Minari's v5 and mazes).
        if let why = otherVersion(task) { throw SimulationError.otherVersion(why) }
        if let r = try? ReferenceScores.reference(for: task) { return r }
        if let key = canonical(task), let r = try? ReferenceScores.reference(for: key) { return r }
        return try ReferenceScores.reference(for: task)
    }
}
