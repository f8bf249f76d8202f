import Autodiff
import Foundation

/// AntMaze as D4RL evaluates it (d4rl/locomotion: antmaze-{umaze,medium,large}-v2): our
/// Ant (gymnasium's model) in a maze of wall boxes, rewarded 1 on reaching the goal.
///
/// - Walls: one box per wall cell of `MazeLayout.d4rl(size)`, `maze_size_scaling` 4 m
///   wide and `maze_height` 0.5 × 4 = 2 m tall; cell (i, j) centred at (4j, 4i) minus the
///   start cell's centre, so the Ant starts at the origin (`MazeFrame.antmaze`).
/// - Observation (29): the Ant's full qpos (x, y included) and qvel; the goal is not in
///   it, as in D4RL's datasets.
/// - Goal: the map's goal cell centre plus uniform [0, 0.25 × 4) noise per coordinate,
///   drawn at reset from the seed.
/// - Reward: 1 when the torso's (x, y) is within 0.5 of the goal, else 0; the episode
///   terminates there (D4RL's eval mode). The Ant's own health rule does not apply.
/// - Time limit: 700 steps (umaze), 1000 (medium, large).
public final class AntMaze: MuJoCoEnvironment {
    /// D4RL's `maze_size_scaling`.
    public static let scaling = 4.0
    /// D4RL's `maze_height`, in cells.
    public static let height = 0.5
    /// Distance to the goal that counts as reaching it.
    public static let goalRadius = 0.5

    public let name: String
    public let layout: MazeLayout
    public let frame: MazeFrame
    public let maxEpisodeSteps: Int
    /// The goal of the current episode (world x, y).
    public private(set) var goal: SIMD2<Double> = .zero
    private let ant: Ant

    public init(_ size: MazeSize) throws {
        layout = MazeLayout.d4rl(size)
        frame = MazeFrame.antmaze(layout, scale: Self.scaling)
        name = "antmaze-\(size.rawValue)"
        maxEpisodeSteps = size == .umaze ? 700 : 1000
        var config = Ant.Config()
        config.terminateWhenUnhealthy = false
        let simulator = try Self.buildWorld(layout: layout, frame: frame)
        ant = try Ant(config: config, simulator: simulator, name: name, maxEpisodeSteps: maxEpisodeSteps)
    }

    public var simulator: MuJoCoModel { ant.simulator }
    public var frameSkip: Int { ant.frameSkip }
    public var contactsInLastStep: Int { ant.contactsInLastStep }
    public var observationSpace: Space { .unbounded(29) }
    public var actionSpace: Space { ant.actionSpace }

    public func observation() -> [Float] { simulator.positionsAndVelocities(from: 0) }

    /// The torso's (x, y): D4RL's `get_xy`, qpos[0:2].
    public var position: SIMD2<Double> { SIMD2(simulator.qpos(0), simulator.qpos(1)) }

    public var reachedGoal: Bool {
        let d = position - goal
        return (d * d).sum().squareRoot() <= Self.goalRadius
    }

    public func reset(seed: UInt64) throws -> [Float] {
        var rng = RandomGenerator(seed: seed)
        _ = try ant.reset(seed: rng.next())
        guard let cell = layout.goal else { throw MazeError.invalidLayout("\(layout.name): no goal cell") }
        let noise = SIMD2(rng.nextDouble(), rng.nextDouble()) * (0.25 * Self.scaling)
        goal = frame.centre(of: cell) + noise
        return observation()
    }

    /// Sets the goal directly (D4RL's `set_target`), e.g. for goal-conditioned evaluation.
    public func setGoal(_ goal: SIMD2<Double>) { self.goal = goal }

    public func step(_ action: [Float]) throws -> Step {
        let inner = try ant.step(action)
        let reached = reachedGoal
        return Step(observation: observation(), reward: reached ? 1 : 0, terminated: reached, truncated: inner.truncated)
    }

    /// Our ant.xml with D4RL's wall boxes added to the world body, compiled from a
    /// temporary file (MuJoCo 2.2.2 loads MJCF from paths).
    static func buildWorld(layout: MazeLayout, frame: MazeFrame) throws -> MuJoCoModel {
        let antPath = try MuJoCoModel.assetPath("ant")
        var xml = try String(contentsOfFile: antPath, encoding: .utf8)
        let half = Self.scaling / 2, z = Self.height * Self.scaling / 2
        var walls = "\n    <!-- maze \(layout.name): \(layout.rows)x\(layout.cols) cells of \(Self.scaling) m -->\n"
        for i in 0..<layout.rows {
            for j in 0..<layout.cols where layout.isWall(i, j) {
                let c = frame.centre(of: MazeCell(i, j))
                walls += "    <geom name=\"block_\(i)_\(j)\" type=\"box\" pos=\"\(c.x) \(c.y) \(z)\" size=\"\(half) \(half) \(z)\""
                    + " contype=\"1\" conaffinity=\"1\"/>\n"
            }
        }
        guard let floor = xml.range(of: "<geom name=\"floor\"") , let end = xml[floor.upperBound...].range(of: "/>") else {
            throw SimulationError.modelLoad(path: antPath, message: "no floor geom to place the maze after")
        }
        xml.insert(contentsOf: walls, at: end.upperBound)
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("cdsa-antmaze-\(layout.name)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try MuJoCoModel(path: file.path)
    }
}
