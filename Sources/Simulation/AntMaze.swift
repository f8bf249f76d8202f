import Autodiff
import Foundation

/// AntMaze as D4RL evaluates it (antmaze-{umaze,medium,large}-v2), checked against D4RL's
/// source (github.com/Farama-Foundation/D4RL; lines at the commits the search index holds):
///
/// - Registration (d4rl/locomotion/__init__.py, antmaze-*-v2): maps U_MAZE_TEST,
///   BIG_MAZE_TEST, HARDEST_MAZE_TEST (`MazeLayout.d4rl`, one goal cell each);
///   `maze_size_scaling` 4.0; reward_type 'sparse'; eval True; non_zero_reset False;
///   v2_resets True (a new goal every reset); max_episode_steps 700 (umaze), 1000
///   (medium, large); ref_min_score 0, ref_max_score 1.
/// - Walls (maze_env.py @3985055, MazeEnv.__init__ l.177–196): one box per wall cell,
///   4 m wide and `maze_height` 0.5 × 4 = 2 m tall; cell (i, j) centred at (4j, 4i) minus
///   the start cell's, so the Ant starts at the origin (`MazeFrame.antmaze`).
/// - The Ant is D4RL's, not gymnasium's (d4rl/locomotion/assets/ant.xml @7ab5a05):
///   timestep 0.02 (gymnasium 0.01), contacts solref ".02 1" solimp ".8 .8 .01", and
///   motors with ctrlrange ±30 and gear 1 behind wrappers.NormalizedBoxEnv, which maps
///   actions in [-1, 1] onto ±30 — the same torques as gear 30 on [-1, 1] (gymnasium: 150).
///   Frame skip 5 and reset noise (qpos U(±0.1), qvel N(0, 0.1²)) are as in gymnasium.
/// - Observation (29; ant.py AntEnv._get_obs with AntMazeEnv's expose_all_qpos=True):
///   qpos[:15] (x, y included) and qvel[:14]; eval mode appends no goal
///   (goal_reaching_env.py @a4722ec, GoalReachingEnv._get_obs l.28–35).
/// - Goal (maze_env.py MazeEnv.goal_sampler l.236–258 and _rowcol_to_xy l.227–234): the goal
///   cell's centre plus U(0, 0.25 × 4) and then U(0, 0.5) × 0.25 × 4 per coordinate,
///   clamped at 0 — always above and to the right of the centre.
/// - Reward 1 when the torso's (x, y), qpos[:2], is within 0.5 of the goal, else 0; eval
///   mode ends the episode there (goal_reaching_env.py GoalReachingEnv.step l.37–47). The
///   Ant's own health rule does not apply.
public final class AntMaze: MuJoCoEnvironment {
    /// D4RL's `maze_size_scaling`.
    public static let scaling = 4.0
    /// D4RL's `maze_height`, in cells.
    public static let height = 0.5
    /// Distance to the goal that counts as reaching it.
    public static let goalRadius = 0.5
    /// D4RL's torque per unit action (NormalizedBoxEnv onto ctrlrange ±30, gear 1).
    public static let torqueScale = 30.0

    public let name: String
    public let layout: MazeLayout
    public let frame: MazeFrame
    public let maxEpisodeSteps: Int
    /// The goal of the current episode (world x, y).
    public private(set) var goal: SIMD2<Double> = .zero
    private let ant: Ant

    public let size: MazeSize

    public init(_ size: MazeSize) throws {
        self.size = size
        layout = MazeLayout.d4rl(size)
        frame = MazeFrame.antmaze(layout, scale: Self.scaling)
        name = "antmaze-\(size.rawValue)"
        maxEpisodeSteps = size == .umaze ? 700 : 1000
        var config = Ant.Config()
        config.terminateWhenUnhealthy = false
        let simulator = try Self.buildWorld(layout: layout, frame: frame)
        ant = try Ant(config: config, simulator: simulator, name: name, maxEpisodeSteps: maxEpisodeSteps)
    }

    public func duplicate() throws -> any PhysicsEnvironment { try AntMaze(size) }

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
        // _rowcol_to_xy's U(0, s/4) first (x, then y), then goal_sampler's U(0, 0.5)·s/4.
        let cellNoise = SIMD2(rng.nextDouble(), rng.nextDouble()) * (0.25 * Self.scaling)
        let extra = SIMD2(rng.nextDouble(), rng.nextDouble()) * (0.5 * 0.25 * Self.scaling)
        let g = frame.centre(of: cell) + cellNoise + extra
        goal = SIMD2(max(g.x, 0), max(g.y, 0))
        return observation()
    }

    /// Sets the goal directly (D4RL's `set_target`), e.g. for goal-conditioned evaluation.
    public func setGoal(_ goal: SIMD2<Double>) { self.goal = goal }

    public func step(_ action: [Float]) throws -> Step {
        let inner = try ant.step(action)
        let reached = reachedGoal
        return Step(observation: observation(), reward: reached ? 1 : 0, terminated: reached, truncated: inner.truncated)
    }

    /// Our ant.xml turned into D4RL's Ant (see the type's documentation), with D4RL's wall
    /// boxes added to the world body, compiled from memory.
    static func buildWorld(layout: MazeLayout, frame: MazeFrame) throws -> MuJoCoModel {
        let antPath = try MuJoCoModel.assetPath("ant")
        var xml = try String(contentsOfFile: antPath, encoding: .utf8)
        func replace(_ old: String, _ new: String, count: Int) throws {
            let parts = xml.components(separatedBy: old)
            guard parts.count == count + 1 else {
                throw SimulationError.modelLoad(path: antPath, message: "expected \(count) × '\(old)' to turn into D4RL's Ant")
            }
            xml = parts.joined(separator: new)
        }
        try replace("<option timestep=\"0.01\"", "<option timestep=\"0.02\"", count: 1)
        try replace("margin=\"0.01\"/>\n    <default class=\"leg\">",
                    "margin=\"0.01\" solref=\".02 1\" solimp=\".8 .8 .01\"/>\n    <default class=\"leg\">", count: 1)
        try replace("gear=\"150\"", "gear=\"\(Self.torqueScale)\"", count: 8)

        let half = Self.scaling / 2, z = Self.height * Self.scaling / 2
        var walls = "\n    <!-- maze \(layout.name): \(layout.rows)x\(layout.cols) cells of \(Self.scaling) m -->\n"
        for i in 0..<layout.rows {
            for j in 0..<layout.cols where layout.isWall(i, j) {
                let c = frame.centre(of: MazeCell(i, j))
                walls += "    <geom name=\"block_\(i)_\(j)\" type=\"box\" pos=\"\(c.x) \(c.y) \(z)\" size=\"\(half) \(half) \(z)\""
                    + " contype=\"1\" conaffinity=\"1\"/>\n"
            }
        }
        guard let floor = xml.range(of: "<geom name=\"floor\""), let end = xml[floor.upperBound...].range(of: "/>") else {
            throw SimulationError.modelLoad(path: antPath, message: "no floor geom to place the maze after")
        }
        xml.insert(contentsOf: walls, at: end.upperBound)
        return try MuJoCoModel(xml: xml, name: "antmaze-\(layout.name).xml")
    }
}
