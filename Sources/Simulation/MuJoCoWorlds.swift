/// The MuJoCo worlds by registry name, as `env(name)` will offer them.
public enum MuJoCoWorlds {
    /// gymnasium v4 locomotion tasks.
    public static let locomotion = ["hopper", "walker2d", "halfcheetah", "ant"]

    /// D4RL's AntMaze tasks.
    public static let antmaze = MazeSize.allCases.map { "antmaze-\($0.rawValue)" }

    public static var names: [String] { locomotion + antmaze }

    /// A fresh environment; names are case-insensitive and may carry gymnasium's suffix
    /// ("Hopper-v4").
    public static func make(_ name: String) throws -> any PhysicsEnvironment {
        var key = name.lowercased()
        if key.hasSuffix("-v4") { key.removeLast(3) }
        switch key {
        case "hopper": return try Hopper()
        case "walker2d": return try Walker2d()
        case "halfcheetah", "half_cheetah": return try HalfCheetah()
        case "ant": return try Ant()
        case _ where key.hasPrefix("antmaze-"):
            var size = String(key.dropFirst("antmaze-".count))
            if size.hasSuffix("-v2") || size.hasSuffix("-v0") { size.removeLast(3) }
            guard let maze = MazeSize(rawValue: size) else { throw SimulationError.unknownEnvironment(name, known: names) }
            return try AntMaze(maze)
        default: throw SimulationError.unknownEnvironment(name, known: names)
        }
    }
}
