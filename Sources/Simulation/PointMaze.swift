import Autodiff

/// D4RL's maze2d (d4rl/pointmaze/maze_model.py) in pure Swift: a point mass pushed by a
/// 2-D force through the umaze, medium or large maze, no MuJoCo involved.
///
/// Observation (x, y, vx, vy) in maze2d's qpos frame (`MazeFrame.maze2d`: x along rows);
/// action a force in [-1, 1]², scaled by the motor gear. maze2d never terminates: episodes
/// end at the time limit (umaze 300, medium 600, large 800 steps). Sparse reward 1 within
/// 0.5 of the goal. Checked against D4RL's source (github.com/Farama-Foundation/D4RL
/// @34141f3): d4rl/pointmaze/maze_model.py MazeEnv.step (action and velocity clips, sparse
/// `<= 0.5`, dense exp(−d), done always False), reset_model (a free or goal cell + U(±0.1),
/// qvel N(0, 0.1²)), the fixed target at the map's 'G' with no noise; __init__.py's
/// maze2d-*-v1 limits (the v0 tasks used 150/250/600 steps and other reference scores).
///
/// Dynamics, reproducing maze2d's MuJoCo model rather than approximating it: timestep
/// 0.01 s and frame skip 1 (maze2d's own), mass 4.18879 kg (a sphere of radius 0.1 at
/// density 1000), gear 100, joint damping 1, velocity clipped to ±5 before each step, and
/// MuJoCo's Euler integrator — semi-implicit with implicit joint damping:
/// `v ← v + h·(100a − v)/(m + h)`, then `x ← x + h·v`. Walls differ on purpose: MuJoCo's
/// soft contacts let the ball sink into a wall and bounce; here a wall is a hard
/// constraint. The ball is a square of half-width 0.1 (its radius) swept one axis at a
/// time, stopped flush at the first wall face, and the blocked velocity component is
/// zeroed (an inelastic, frictionless contact, like maze2d's condim 1). It never tunnels
/// and never leaves free space.
public final class PointMaze: PhysicsEnvironment {
    public enum Reward: String, CaseIterable, Sendable {
        /// maze2d's sparse reward: 1 within `goalRadius` of the goal, else 0.
        case sparse
        /// maze2d-dense's exp(−distance to the goal).
        case dense
        /// −distance to the goal.
        case distance
    }

    /// The physical constants of maze2d's model (see the type's documentation).
    public struct Dynamics: Sendable, Equatable {
        /// h, MuJoCo's timestep in seconds.
        public var timestep = 0.01
        /// Physics steps per environment step.
        public var frameSkip = 1
        /// m, the ball's mass: 4/3·π·0.1³·1000.
        public var mass = 4.0 / 3.0 * Double.pi * 0.001 * 1000
        /// Force per unit of action.
        public var gear = 100.0
        /// Viscous joint damping (force per unit velocity).
        public var damping = 1.0
        /// Each velocity component is clipped to ±maxSpeed before a step.
        public var maxSpeed = 5.0
        /// The ball's radius, its clearance from walls.
        public var radius = 0.1

        public init() {}

        public static let maze2d = Dynamics()
    }

    public let size: MazeSize
    public let layout: MazeLayout
    public let frame = MazeFrame.maze2d
    public let rewardType: Reward
    public let dynamics: Dynamics
    public let maxEpisodeSteps: Int
    /// maze2d's fixed goal cell ('G' in maze_model.py's maps).
    public let goalCell: MazeCell
    /// Distance within which the sparse reward is paid.
    public var goalRadius = 0.5
    /// Data collection (D4RL's maze2d recipe): a reset draws a random goal, and whenever
    /// the ball comes within `resampleRadius` of the goal a new one is drawn — a random
    /// free cell's point plus U(−0.1, 0.1)² noise. Off: the goal is the fixed goal cell.
    public let resampleGoals: Bool
    public var resampleRadius = 0.1
    /// End the episode (terminated) on reaching the goal; maze2d itself never does.
    public let terminateAtGoal: Bool

    public private(set) var position = SIMD2<Double>.zero
    public private(set) var velocity = SIMD2<Double>.zero
    public private(set) var goal = SIMD2<Double>.zero
    public private(set) var elapsedSteps = 0
    private var rng = RandomGenerator(seed: 0)
    private let freeCells: [MazeCell]

    public init(_ size: MazeSize = .umaze, reward: Reward = .sparse, resampleGoals: Bool = false,
                terminateAtGoal: Bool = false, dynamics: Dynamics = .maze2d, maxEpisodeSteps: Int? = nil) {
        self.size = size
        layout = MazeLayout.d4rl(size)
        rewardType = reward
        self.resampleGoals = resampleGoals
        self.terminateAtGoal = terminateAtGoal
        self.dynamics = dynamics
        self.maxEpisodeSteps = maxEpisodeSteps ?? Self.episodeLimit(size)
        goalCell = Self.goalCell(size)
        freeCells = layout.freeCells
        _ = reset(seed: 0)
    }

    public func duplicate() throws -> any PhysicsEnvironment {
        let copy = PointMaze(size, reward: rewardType, resampleGoals: resampleGoals, terminateAtGoal: terminateAtGoal,
                             dynamics: dynamics, maxEpisodeSteps: maxEpisodeSteps)
        copy.goalRadius = goalRadius
        copy.resampleRadius = resampleRadius
        return copy
    }

    /// The task name the score table uses: "pointmaze-<size>" plus "-dense"/"-distance".
    public static func taskName(_ size: MazeSize, _ reward: Reward) -> String {
        "pointmaze-\(size.rawValue)" + (reward == .sparse ? "" : "-\(reward.rawValue)")
    }

    /// maze2d's episode limits (d4rl/pointmaze/__init__.py: max_episode_steps).
    public static func episodeLimit(_ size: MazeSize) -> Int {
        switch size {
        case .umaze: return 300
        case .medium: return 600
        case .large: return 800
        }
    }

    /// maze2d's goal cells: U_MAZE, MEDIUM_MAZE and LARGE_MAZE's 'G'.
    public static func goalCell(_ size: MazeSize) -> MazeCell {
        switch size {
        case .umaze: return MazeCell(1, 1)
        case .medium: return MazeCell(6, 6)
        case .large: return MazeCell(7, 9)
        }
    }

    // MARK: Environment

    public var name: String { Self.taskName(size, rewardType) }
    public var observationSpace: Space { .unbounded(4) }
    public var actionSpace: Space { .box(2, low: -1, high: 1) }

    /// maze2d's reset: a uniformly random free cell's point plus U(−0.1, 0.1)² noise,
    /// velocity N(0, 0.1²) per component.
    @discardableResult
    public func reset(seed: UInt64) -> [Float] {
        rng = RandomGenerator(seed: seed)
        position = randomPoint()
        velocity = SIMD2(rng.nextNormal(), rng.nextNormal()) * 0.1
        goal = resampleGoals ? randomPoint() : frame.point(of: goalCell)
        elapsedSteps = 0
        return observation
    }

    public func step(_ action: [Float]) throws -> Step {
        guard action.count == 2 else { throw MazeError.invalidAction("expected 2 components, got \(action.count)") }
        guard action[0].isFinite, action[1].isFinite else { throw MazeError.invalidAction("\(action) is not finite") }
        let (reward, reached) = advance(SIMD2(Double(action[0]), Double(action[1])))
        return Step(observation: observation, reward: reward, terminated: terminateAtGoal && reached,
                    truncated: elapsedSteps >= maxEpisodeSteps)
    }

    /// One environment step without the observation array: returns the reward and whether
    /// the ball is within `goalRadius` of the goal (before any goal resampling).
    @discardableResult
    public func advance(_ action: SIMD2<Double>) -> (reward: Double, reached: Bool) {
        let d = dynamics, h = d.timestep
        let a = action.clamped(lowerBound: SIMD2(repeating: -1), upperBound: SIMD2(repeating: 1))
        // maze2d clips the velocity once per environment step, before simulating.
        velocity.clamp(lowerBound: SIMD2(repeating: -d.maxSpeed), upperBound: SIMD2(repeating: d.maxSpeed))
        let halfWidth = d.radius / frame.cellSize
        for _ in 0..<d.frameSkip {
            velocity += h * (d.gear * a - d.damping * velocity) / (d.mass + h * d.damping)
            let moved = layout.slide(frame.grid(position), by: frame.gridVector(h * velocity), halfWidth: halfWidth)
            position = frame.world(moved.position)
            if moved.blocked.row { velocity[frame.xAlongRows ? 0 : 1] = 0 }
            if moved.blocked.col { velocity[frame.xAlongRows ? 1 : 0] = 0 }
        }
        elapsedSteps += 1
        let distance = ((position - goal) * (position - goal)).sum().squareRoot()
        let reached = distance <= goalRadius
        let reward: Double
        switch rewardType {
        case .sparse: reward = reached ? 1 : 0
        case .dense: reward = _exp(-distance)
        case .distance: reward = -distance
        }
        if resampleGoals, distance < resampleRadius { goal = randomPoint() }
        return (reward, reached)
    }

    public var observation: [Float] {
        [Float(position.x), Float(position.y), Float(velocity.x), Float(velocity.y)]
    }

    // MARK: State

    public var qpos: [Double] { [position.x, position.y] }
    public var qvel: [Double] { [velocity.x, velocity.y] }

    /// Places the ball (gymnasium's `set_state`); the position must leave the ball clear
    /// of every wall.
    public func setState(qpos: [Double], qvel: [Double]) throws -> [Float] {
        guard qpos.count == 2, qvel.count == 2 else {
            throw MazeError.invalidState("qpos and qvel need 2 components each, got \(qpos.count) and \(qvel.count)")
        }
        guard (qpos + qvel).allSatisfy(\.isFinite) else { throw MazeError.invalidState("\(qpos), \(qvel) is not finite") }
        let p = SIMD2(qpos[0], qpos[1])
        guard layout.isFree(p, radius: dynamics.radius, in: frame) else { throw MazeError.notFree("position \(qpos)") }
        position = p
        velocity = SIMD2(qvel[0], qvel[1])
        return observation
    }

    /// Moves the goal (anywhere in free space).
    public func setGoal(_ point: SIMD2<Double>) throws {
        guard layout.isFree(point, in: frame) else { throw MazeError.notFree("goal \(point)") }
        goal = point
    }

    /// A uniformly random free cell's nominal point plus U(−0.1, 0.1)² noise.
    private func randomPoint() -> SIMD2<Double> {
        let cell = freeCells[rng.nextInt(below: freeCells.count)]
        return frame.point(of: cell) + SIMD2(rng.nextDouble(), rng.nextDouble()) * 0.2 - 0.1
    }
}

import Foundation
@inline(__always) private func _exp(_ x: Double) -> Double { Foundation.exp(x) }
