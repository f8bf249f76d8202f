/// How a maze's cells map to the plane: D4RL's two conventions as parameters.
///
/// - maze2d (d4rl/pointmaze/maze_model.py): cells of side 1; `qpos[0]` runs along rows and
///   `qpos[1]` along columns; a cell's nominal point — where resets, goals and waypoints
///   are placed — is (row, col). The particle body sits at (1.2, 1.2) while wall (i, j) is
///   centred at (i + 1, j + 1), so in qpos a cell's walls are centred 0.2 *before* its
///   nominal point: cell (i, j) covers [i − 0.7, i + 0.3] × [j − 0.7, j + 0.3].
/// - antmaze (d4rl/locomotion/maze_env.py): cells of side `maze_size_scaling` = 4; x runs
///   along columns and y along rows; cell (i, j) is centred at (4j − torso_x, 4i − torso_y),
///   where the torso starts at the reset cell, so the start cell is centred on the origin.
public struct MazeFrame: Sendable, Equatable {
    /// Side of one cell in world units (maze2d 1, antmaze 4).
    public var cellSize: Double
    /// World (x, y) of cell (0, 0)'s nominal point.
    public var origin: SIMD2<Double>
    /// From a cell's nominal point to its geometric centre, in world units.
    public var centreOffset: SIMD2<Double>
    /// x follows rows (maze2d) rather than columns (antmaze).
    public var xAlongRows: Bool

    public init(cellSize: Double, origin: SIMD2<Double>, centreOffset: SIMD2<Double> = .zero, xAlongRows: Bool) {
        self.cellSize = cellSize
        self.origin = origin
        self.centreOffset = centreOffset
        self.xAlongRows = xAlongRows
    }

    /// D4RL maze2d's qpos frame (the point maze's observation frame).
    public static let maze2d = MazeFrame(cellSize: 1, origin: .zero, centreOffset: SIMD2(-0.2, -0.2), xAlongRows: true)

    /// D4RL antmaze's frame for `layout`: `scale` is `maze_size_scaling` (4 in every
    /// antmaze task); the origin is the centre of the start cell ((1, 1) when unmarked).
    public static func antmaze(_ layout: MazeLayout, scale: Double = 4) -> MazeFrame {
        let s = layout.start ?? MazeCell(1, 1)
        return MazeFrame(cellSize: scale, origin: SIMD2(-Double(s.col) * scale, -Double(s.row) * scale), xAlongRows: false)
    }

    /// (row, col) components of a world vector, or back: the swap is its own inverse.
    @inline(__always) private func swapped(_ v: SIMD2<Double>) -> SIMD2<Double> {
        xAlongRows ? v : SIMD2(v.y, v.x)
    }

    /// The nominal point of `cell` (D4RL's `_rowcol_to_xy`, or maze2d's integer location).
    public func point(of cell: MazeCell) -> SIMD2<Double> {
        origin + swapped(SIMD2(Double(cell.row), Double(cell.col)) * cellSize)
    }

    /// The geometric centre of `cell`.
    public func centre(of cell: MazeCell) -> SIMD2<Double> { point(of: cell) + centreOffset }

    /// World point → grid coordinates (row, col), where cell (i, j) is [i, i+1) × [j, j+1).
    @inline(__always) public func grid(_ p: SIMD2<Double>) -> SIMD2<Double> {
        swapped(p - origin - centreOffset) / cellSize + 0.5
    }

    /// Grid coordinates → world point.
    @inline(__always) public func world(_ g: SIMD2<Double>) -> SIMD2<Double> {
        origin + centreOffset + swapped((g - 0.5) * cellSize)
    }

    /// A world displacement in grid units (row, col).
    @inline(__always) public func gridVector(_ d: SIMD2<Double>) -> SIMD2<Double> { swapped(d) / cellSize }

    /// The cell containing a world point (geometrically; D4RL's own helpers round or
    /// truncate instead, which is off by a fraction of a cell near edges).
    public func cell(containing p: SIMD2<Double>) -> MazeCell {
        let g = grid(p)
        return MazeCell(Int(g.x.rounded(.down)), Int(g.y.rounded(.down)))
    }
}

extension MazeLayout {
    /// True when the point `p` (world units, frame `frame`) lies in a free cell.
    public func isFree(_ p: SIMD2<Double>, in frame: MazeFrame) -> Bool {
        let g = frame.grid(p)
        guard abs(g.x) < 1e9, abs(g.y) < 1e9 else { return false }  // also rejects NaN
        return isFree(cell(atGrid: g))
    }

    /// True when a body at `p` of radius `radius` (world units), treated as a square of
    /// that half-width, overlaps no wall.
    public func isFree(_ p: SIMD2<Double>, radius: Double, in frame: MazeFrame) -> Bool {
        let g = frame.grid(p)
        return isFree(grid: g, halfWidth: radius / frame.cellSize)
    }
}
