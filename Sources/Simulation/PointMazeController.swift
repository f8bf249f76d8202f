import Autodiff

/// D4RL's maze2d data-collection controller (d4rl/pointmaze/waypoint_controller.py): a PD
/// controller steering the ball through a chain of waypoints, one per cell of a shortest
/// path to the goal, with Gaussian action noise.
///
/// It reads the goal from the maze it drives (the goal is not in maze2d's observation), so
/// pair it with a `PointMaze(resampleGoals: true)` to collect D4RL-style data — the maze
/// draws a new goal each time one is reached and the controller replans — or with an
/// evaluation maze (fixed goal, `noise: 0`) for the expert reference return.
///
/// Differences from D4RL, all for robustness: paths come from BFS rather than grid
/// Q-iteration (same lengths); the cell under the ball is found geometrically rather than
/// by rounding; the last waypoint is the goal itself, not its rounded cell; and the
/// controller replans when noise pushes the ball off its path.
public final class WaypointController: Policy {
    public let maze: PointMaze
    /// Kp: action per unit of distance to the waypoint (D4RL 10).
    public var proportionalGain = 10.0
    /// Kd: action per unit of velocity, subtracted (D4RL's d_gain = −1).
    public var derivativeGain = 1.0
    /// Std of the Gaussian noise added to the clipped action (D4RL's datasets: 0.5).
    public var noise: Double
    /// A waypoint moves to its cell's point minus U(0, jitter)² (D4RL 0.2).
    public var waypointJitter = 0.2
    /// Distance at which a waypoint counts as passed (D4RL's solve_thresh 0.1).
    public var solveThreshold = 0.1

    private var rng: RandomGenerator
    private var plannedGoal: SIMD2<Double>?
    /// Path cells; waypoint k lies in cells[k + 1] (cells[0] is where planning started).
    private var cells: [MazeCell] = []
    private var waypoints: [SIMD2<Double>] = []
    private var index = 0

    /// The seed of the noise stream (`restarted` mixes a run's seed into it).
    public let seed: UInt64

    public init(maze: PointMaze, noise: Double = 0, seed: UInt64) {
        self.maze = maze
        self.noise = noise
        self.seed = seed
        rng = RandomGenerator(seed: seed)
    }

    /// A fresh controller of the same maze whose noise starts from this one's seed mixed
    /// with `run` (the controller steers its own maze, so it acts in no other).
    public func restarted(seed run: UInt64) -> any Policy {
        let c = WaypointController(maze: maze, noise: noise, seed: mixSeeds(seed, run))
        (c.proportionalGain, c.derivativeGain, c.waypointJitter, c.solveThreshold) =
            (proportionalGain, derivativeGain, waypointJitter, solveThreshold)
        return c
    }

    /// It reads its own maze's goal, so it steers no other maze.
    public var canActInBatches: Bool { false }

    public var observationSize: Int { 4 }
    public var actionSize: Int { 2 }

    /// The waypoint being steered to (nil before the first action).
    public var currentWaypoint: SIMD2<Double>? { waypoints.isEmpty ? nil : waypoints[index] }

    public func act(_ observation: [Float]) throws -> [Float] {
        guard observation.count == 4 else {
            throw MazeError.invalidState("the waypoint controller expects 4 observations, got \(observation.count)")
        }
        let x = SIMD2(Double(observation[0]), Double(observation[1]))
        let v = SIMD2(Double(observation[2]), Double(observation[3]))
        let here = maze.frame.cell(containing: x)
        if plannedGoal != maze.goal || !(cells[index] == here || cells[index + 1] == here) {
            try plan(from: x, cell: here)
        }
        if index < waypoints.count - 1, gap(x, waypoints[index]) < solveThreshold { index += 1 }
        var a = proportionalGain * (waypoints[index] - x) - derivativeGain * v
        a.clamp(lowerBound: SIMD2(repeating: -1), upperBound: SIMD2(repeating: 1))
        if noise > 0 {
            a += noise * SIMD2(rng.nextNormal(), rng.nextNormal())
            a.clamp(lowerBound: SIMD2(repeating: -1), upperBound: SIMD2(repeating: 1))
        }
        return [Float(a.x), Float(a.y)]
    }

    /// Waypoints along a shortest path from the ball's cell to the goal's.
    private func plan(from x: SIMD2<Double>, cell here: MazeCell) throws {
        let frame = maze.frame, goal = maze.goal
        // A ball flush against a wall face can round onto the wall cell: use its neighbour.
        var start = here
        if maze.layout.isWall(start) {
            let candidates = maze.layout.freeCells.sorted { gap(frame.centre(of: $0), x) < gap(frame.centre(of: $1), x) }
            start = candidates[0]
        }
        cells = try maze.layout.shortestPath(from: start, to: frame.cell(containing: goal))
        waypoints = cells.dropFirst().dropLast().map { cell in
            frame.point(of: cell) - waypointJitter * SIMD2(rng.nextDouble(), rng.nextDouble())
        } + [goal]
        if cells.count == 1 { cells.append(cells[0]) }
        index = 0
        plannedGoal = goal
    }
}

@inline(__always) private func gap(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double {
    ((a - b) * (a - b)).sum().squareRoot()
}
