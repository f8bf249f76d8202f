/// A cell of a maze grid, indexed as D4RL indexes its maze maps: `maze[row][col]`.
public struct MazeCell: Hashable, Sendable, CustomStringConvertible {
    public var row: Int
    public var col: Int

    public init(_ row: Int, _ col: Int) {
        self.row = row
        self.col = col
    }

    public var description: String { "(\(row), \(col))" }
}

public enum MazeError: Error, Equatable, CustomStringConvertible {
    /// A layout string that cannot be a maze (ragged rows, unknown tile, no free cell…).
    case invalidLayout(String)
    case unknownMaze(String, known: [String])
    /// A cell or point that had to be free lies in a wall or outside the grid.
    case notFree(String)
    case unreachable(from: MazeCell, to: MazeCell)
    /// A state of the wrong size or not finite.
    case invalidState(String)
    /// An action of the wrong size or not finite.
    case invalidAction(String)

    public var description: String {
        switch self {
        case .invalidLayout(let why): return "invalid maze layout: \(why)"
        case .unknownMaze(let name, let known):
            return "unknown maze '\(name)' (known: \(known.joined(separator: ", ")))"
        case .notFree(let what): return "\(what) is not in free space"
        case .unreachable(let a, let b): return "no path from cell \(a) to cell \(b)"
        case .invalidState(let why): return "invalid state: \(why)"
        case .invalidAction(let why): return "invalid action: \(why)"
        }
    }
}

/// The three maze sizes D4RL uses for both maze2d and antmaze.
public enum MazeSize: String, CaseIterable, Sendable {
    case umaze, medium, large
}

/// A grid of wall and free cells, environment-agnostic: the point maze and AntMaze share
/// it and differ only in how cells map to the plane (`MazeFrame`).
///
/// Grid coordinates: cell (i, j) is the unit square [i, i+1) × [j, j+1) in (row, col);
/// everything outside the grid counts as wall.
public struct MazeLayout: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let rows: Int
    public let cols: Int
    /// Row-major, true where there is a wall.
    private let walls: [Bool]
    /// D4RL's reset cell ('r' in antmaze maps), if the map marks one.
    public let start: MazeCell?
    /// D4RL's goal cell ('g' / 'G'), if the map marks exactly one.
    public let goal: MazeCell?

    /// Parses a map, one string per row: '#' or '1' wall; 'O', '0', '.' or ' ' free;
    /// 'R' free and the start; 'G' free and the goal (at most one of each).
    public init(name: String, map: [String]) throws {
        guard let width = map.first?.count, width > 0 else { throw MazeError.invalidLayout("\(name): empty map") }
        var walls: [Bool] = [], start: MazeCell?, goal: MazeCell?
        for (i, line) in map.enumerated() {
            guard line.count == width else {
                throw MazeError.invalidLayout("\(name): row \(i) has \(line.count) cells, row 0 has \(width)")
            }
            for (j, tile) in line.uppercased().enumerated() {
                switch tile {
                case "#", "1": walls.append(true)
                case "O", "0", ".", " ": walls.append(false)
                case "R", "G":
                    walls.append(false)
                    if tile == "R" {
                        if start != nil { throw MazeError.invalidLayout("\(name): more than one start 'R'") }
                        start = MazeCell(i, j)
                    } else {
                        if goal != nil { throw MazeError.invalidLayout("\(name): more than one goal 'G'") }
                        goal = MazeCell(i, j)
                    }
                default: throw MazeError.invalidLayout("\(name): unknown tile '\(tile)' at (\(i), \(j))")
                }
            }
        }
        guard walls.contains(false) else { throw MazeError.invalidLayout("\(name): no free cell") }
        self.name = name
        rows = map.count
        cols = width
        self.walls = walls
        self.start = start
        self.goal = goal
    }

    // MARK: D4RL's maps

    // d4rl/locomotion/maze_env.py: U_MAZE_TEST, BIG_MAZE_TEST, HARDEST_MAZE_TEST (the maps
    // AntMaze evaluates on: start 'r', one goal 'g'). d4rl/pointmaze/maze_model.py's U_MAZE,
    // MEDIUM_MAZE and LARGE_MAZE are the same walls; maze2d's goals are in `PointMaze`.

    /// U_MAZE: 5×5, 7 free cells.
    public static let umaze = try! MazeLayout(name: "umaze", map: [
        "#####",
        "#ROO#",
        "###O#",
        "#GOO#",
        "#####",
    ])

    /// BIG_MAZE (maze2d's MEDIUM_MAZE): 8×8, 26 free cells.
    public static let medium = try! MazeLayout(name: "medium", map: [
        "########",
        "#RO##OO#",
        "#OO#OOO#",
        "##OOO###",
        "#OO#OOO#",
        "#O#OO#O#",
        "#OOO#OG#",
        "########",
    ])

    /// HARDEST_MAZE (maze2d's LARGE_MAZE): 9×12, 46 free cells.
    public static let large = try! MazeLayout(name: "large", map: [
        "############",
        "#ROOO#OOOOO#",
        "#O##O#O#O#O#",
        "#OOOOOO#OOO#",
        "#O####O###O#",
        "#OO#O#OOOOO#",
        "##O#O#O#O###",
        "#OO#OOO#OGO#",
        "############",
    ])

    public static func d4rl(_ size: MazeSize) -> MazeLayout {
        switch size {
        case .umaze: return umaze
        case .medium: return medium
        case .large: return large
        }
    }

    public static func named(_ name: String) throws -> MazeLayout {
        guard let size = MazeSize(rawValue: name.lowercased()) else {
            throw MazeError.unknownMaze(name, known: MazeSize.allCases.map(\.rawValue))
        }
        return d4rl(size)
    }

    // MARK: Cell queries

    /// True for wall cells and for every cell outside the grid.
    @inline(__always) public func isWall(_ row: Int, _ col: Int) -> Bool {
        row < 0 || col < 0 || row >= rows || col >= cols || walls[row * cols + col]
    }

    public func isWall(_ cell: MazeCell) -> Bool { isWall(cell.row, cell.col) }
    public func isFree(_ cell: MazeCell) -> Bool { !isWall(cell.row, cell.col) }

    /// Free cells in row-major order (D4RL's sorted `reset_locations` plus the goal).
    public var freeCells: [MazeCell] {
        (0..<rows).flatMap { i in (0..<cols).compactMap { j in isWall(i, j) ? nil : MazeCell(i, j) } }
    }

    /// The cell under a point in grid coordinates.
    public func cell(atGrid p: SIMD2<Double>) -> MazeCell {
        MazeCell(Int(p.x.rounded(.down)), Int(p.y.rounded(.down)))
    }

    /// True when the open square of half-width `r` centred at grid point `p` overlaps no
    /// wall (touching a wall face is allowed); `tolerance` forgives rounding.
    public func isFree(grid p: SIMD2<Double>, halfWidth r: Double, tolerance: Double = 1e-9) -> Bool {
        guard abs(p.x) < 1e9, abs(p.y) < 1e9 else { return false }  // also rejects NaN
        let r0 = Int((p.x - r + tolerance).rounded(.down)), r1 = max(r0, Int((p.x + r - tolerance).rounded(.up)) - 1)
        let c0 = Int((p.y - r + tolerance).rounded(.down)), c1 = max(c0, Int((p.y + r - tolerance).rounded(.up)) - 1)
        for i in r0...r1 { for j in c0...c1 where isWall(i, j) { return false } }
        return true
    }

    // MARK: Shortest paths

    private static let moves = [(0, -1), (0, 1), (1, 0), (-1, 0)]  // D4RL's left, right, down, up

    /// BFS distances (in cell steps) from every cell to `target`; -1 for walls and
    /// unreachable cells. Row-major, `rows * cols` entries.
    public func distances(to target: MazeCell) -> [Int] {
        var dist = [Int](repeating: -1, count: rows * cols)
        guard isFree(target) else { return dist }
        var queue = [target], head = 0
        dist[target.row * cols + target.col] = 0
        while head < queue.count {
            let c = queue[head]
            head += 1
            for (di, dj) in Self.moves {
                let n = MazeCell(c.row + di, c.col + dj)
                if isFree(n), dist[n.row * cols + n.col] < 0 {
                    dist[n.row * cols + n.col] = dist[c.row * cols + c.col] + 1
                    queue.append(n)
                }
            }
        }
        return dist
    }

    /// A shortest path of 4-connected free cells, both ends included.
    public func shortestPath(from start: MazeCell, to target: MazeCell) throws -> [MazeCell] {
        guard isFree(start) else { throw MazeError.notFree("start cell \(start)") }
        guard isFree(target) else { throw MazeError.notFree("target cell \(target)") }
        let dist = distances(to: target)
        guard dist[start.row * cols + start.col] >= 0 else { throw MazeError.unreachable(from: start, to: target) }
        var path = [start], c = start
        while c != target {
            let here = dist[c.row * cols + c.col]
            for (di, dj) in Self.moves {
                let n = MazeCell(c.row + di, c.col + dj)
                if isFree(n), dist[n.row * cols + n.col] == here - 1 { c = n; break }
            }
            path.append(c)
        }
        return path
    }

    /// The first cell after `cell` on a shortest path to `target` (`target` itself when
    /// already there): D4RL's `_get_best_next_rowcol`, the waypoint AntMaze steers to.
    public func nextCell(from cell: MazeCell, toward target: MazeCell) throws -> MazeCell {
        let path = try shortestPath(from: cell, to: target)
        return path.count > 1 ? path[1] : target
    }

    // MARK: Collision

    /// Moves an axis-aligned square of half-width `r` (grid units) from `p` by `d`, the row
    /// axis first and then the column axis, stopping flush against the first wall face
    /// crossed. Every cell the square sweeps is checked, so no step length tunnels through
    /// a wall; a square that starts in free space stays in it. `blocked` tells which axes
    /// hit a wall.
    public func slide(_ p: SIMD2<Double>, by d: SIMD2<Double>, halfWidth r: Double)
        -> (position: SIMD2<Double>, blocked: (row: Bool, col: Bool)) {
        let (x, bx) = sweep(from: p.x, to: p.x + d.x, across: p.y, halfWidth: r, alongRows: true)
        let (y, by) = sweep(from: p.y, to: p.y + d.y, across: x, halfWidth: r, alongRows: false)
        return (SIMD2(x, y), (bx, by))
    }

    /// One axis of `slide`: `from`/`to` along the axis, `across` the other coordinate.
    @inline(__always)
    private func sweep(from c: Double, to target: Double, across x: Double, halfWidth r: Double, alongRows: Bool)
        -> (Double, Bool) {
        // Snapping by eps keeps a square that sits flush on a face (up to rounding) from
        // skipping the wall it touches, and from counting a neighbour it only touches.
        let eps = 1e-9
        let m0 = Int((x - r + eps).rounded(.down)), m1 = max(m0, Int((x + r - eps).rounded(.up)) - 1)
        @inline(__always) func wallInBand(_ k: Int) -> Bool {
            for m in m0...m1 where alongRows ? isWall(k, m) : isWall(m, k) { return true }
            return false
        }
        if target > c {
            var k = Int((c + r - eps).rounded(.up))
            let end = Int((target + r).rounded(.up))
            while k < end {
                if wallInBand(k) { return (Double(k) - r, true) }
                k += 1
            }
        } else if target < c {
            var k = Int((c - r + eps).rounded(.down)) - 1
            let end = Int((target - r).rounded(.down))
            while k >= end {
                if wallInBand(k) { return (Double(k + 1) + r, true) }
                k -= 1
            }
        }
        return (target, false)
    }

    /// The map as text, '#' for walls, 'R'/'G' for the start and goal, '.' elsewhere.
    public var description: String {
        (0..<rows).map { i in
            String((0..<cols).map { j -> Character in
                if isWall(i, j) { return "#" }
                if start == MazeCell(i, j) { return "R" }
                return goal == MazeCell(i, j) ? "G" : "."
            })
        }.joined(separator: "\n")
    }
}
