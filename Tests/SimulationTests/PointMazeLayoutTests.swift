import Testing
@testable import Simulation

@Suite struct PointMazeLayoutTests {
    /// Dimensions, free-cell counts and marked cells of D4RL's U_MAZE, BIG_MAZE and
    /// HARDEST_MAZE (d4rl/locomotion/maze_env.py, *_TEST variants).
    @Test(arguments: [
        (MazeSize.umaze, 5, 5, 7, MazeCell(1, 1), MazeCell(3, 1)),
        (.medium, 8, 8, 26, MazeCell(1, 1), MazeCell(6, 6)),
        (.large, 9, 12, 46, MazeCell(1, 1), MazeCell(7, 9)),
    ])
    func matchesD4RL(size: MazeSize, rows: Int, cols: Int, free: Int, start: MazeCell, goal: MazeCell) throws {
        let layout = MazeLayout.d4rl(size)
        #expect(layout.rows == rows && layout.cols == cols)
        #expect(layout.freeCells.count == free)
        #expect(layout.start == start && layout.goal == goal)
        // The border is all wall.
        for i in 0..<rows { #expect(layout.isWall(i, 0) && layout.isWall(i, cols - 1)) }
        for j in 0..<cols { #expect(layout.isWall(0, j) && layout.isWall(rows - 1, j)) }
        #expect(layout.isWall(-1, 2) && layout.isWall(rows, 1) && layout.isWall(1, cols))
        #expect(try MazeLayout.named(size.rawValue) == layout)
    }

    @Test func spotCells() {
        // U_MAZE row 2 is [1, 1, 1, 0, 1].
        #expect(MazeLayout.umaze.isWall(2, 1) && MazeLayout.umaze.isWall(2, 2) && MazeLayout.umaze.isFree(MazeCell(2, 3)))
        // BIG_MAZE row 1 [1, R, 0, 1, 1, 0, 0, 1], row 5 [1, G, 1, 0, 0, 1, 0, 1].
        let m = MazeLayout.medium
        #expect(m.isWall(1, 3) && m.isWall(1, 4) && m.isFree(MazeCell(1, 5)) && m.isWall(5, 2) && m.isFree(MazeCell(5, 3)))
        // HARDEST_MAZE row 4 [1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1], row 6 [1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1].
        let l = MazeLayout.large
        #expect((2...5).allSatisfy { l.isWall(4, $0) } && l.isFree(MazeCell(4, 6)) && l.isFree(MazeCell(4, 10)))
        #expect(l.isWall(6, 1) && l.isFree(MazeCell(6, 2)) && l.isWall(6, 9) && l.isWall(6, 10))
    }

    @Test func maze2dMapsHaveTheSameWalls() throws {
        // d4rl/pointmaze/maze_model.py's MEDIUM_MAZE and LARGE_MAZE, verbatim.
        let medium = try MazeLayout(name: "maze2d-medium", map: [
            "########", "#OO##OO#", "#OO#OOO#", "##OOO###", "#OO#OOO#", "#O#OO#O#", "#OOO#OG#", "########",
        ])
        let large = try MazeLayout(name: "maze2d-large", map: [
            "############", "#OOOO#OOOOO#", "#O##O#O#O#O#", "#OOOOOO#OOO#", "#O####O###O#",
            "#OO#O#OOOOO#", "##O#O#O#O###", "#OO#OOO#OGO#", "############",
        ])
        #expect(medium.freeCells == MazeLayout.medium.freeCells && medium.goal == PointMaze.goalCell(.medium))
        #expect(large.freeCells == MazeLayout.large.freeCells && large.goal == PointMaze.goalCell(.large))
    }

    @Test func parseErrors() {
        #expect(throws: MazeError.self) { try MazeLayout(name: "ragged", map: ["###", "#O"]) }
        #expect(throws: MazeError.self) { try MazeLayout(name: "tile", map: ["#X#"]) }
        #expect(throws: MazeError.self) { try MazeLayout(name: "walls", map: ["###"]) }
        #expect(throws: MazeError.self) { try MazeLayout(name: "goals", map: ["#GG#"]) }
        #expect(throws: MazeError.unknownMaze("huge", known: ["umaze", "medium", "large"])) { try MazeLayout.named("huge") }
    }

    @Test func shortestPaths() throws {
        let u = MazeLayout.umaze
        let path = try u.shortestPath(from: MazeCell(1, 1), to: MazeCell(3, 1))
        #expect(path == [MazeCell(1, 1), MazeCell(1, 2), MazeCell(1, 3), MazeCell(2, 3), MazeCell(3, 3), MazeCell(3, 2), MazeCell(3, 1)])
        #expect(try u.nextCell(from: MazeCell(1, 1), toward: MazeCell(3, 1)) == MazeCell(1, 2))
        #expect(try u.nextCell(from: MazeCell(3, 1), toward: MazeCell(3, 1)) == MazeCell(3, 1))
        #expect(throws: MazeError.self) { try u.shortestPath(from: MazeCell(2, 1), to: MazeCell(3, 1)) }
        // Every path is 4-connected through free cells and as long as the BFS distance.
        for layout in [MazeLayout.medium, .large] {
            let goal = layout.goal!
            let dist = layout.distances(to: goal)
            for cell in layout.freeCells {
                let p = try layout.shortestPath(from: cell, to: goal)
                #expect(p.count - 1 == dist[cell.row * layout.cols + cell.col])
                #expect(p.allSatisfy(layout.isFree))
                #expect(zip(p, p.dropFirst()).allSatisfy { abs($0.row - $1.row) + abs($0.col - $1.col) == 1 })
            }
        }
        // The large maze's start and goal are 14 cells apart (checked with an independent BFS).
        #expect(try MazeLayout.large.shortestPath(from: MazeCell(1, 1), to: MazeCell(7, 9)).count == 15)
    }

    @Test func frames() {
        // maze2d: nominal point (row, col), walls centred 0.2 before it.
        let f = MazeFrame.maze2d
        #expect(f.point(of: MazeCell(3, 2)) == SIMD2(3, 2))
        #expect(f.centre(of: MazeCell(3, 2)) == SIMD2(2.8, 1.8))
        #expect(f.cell(containing: SIMD2(3.25, 1.4)) == MazeCell(3, 2))
        #expect(f.cell(containing: SIMD2(3.35, 1.4)) == MazeCell(4, 2))
        // antmaze: scale 4, x along columns, start cell centred on the origin.
        let a = MazeFrame.antmaze(.umaze)
        #expect(a.point(of: MazeCell(1, 1)) == .zero)
        #expect(a.point(of: MazeCell(3, 1)) == SIMD2(0, 8))  // D4RL's antmaze-umaze goal is near (0, 8)
        #expect(a.point(of: MazeCell(1, 3)) == SIMD2(8, 0))
        #expect(a.cell(containing: SIMD2(1.9, -1.9)) == MazeCell(1, 1) && a.cell(containing: SIMD2(2.1, 0)) == MazeCell(1, 2))
        for frame in [f, a] {
            let p = SIMD2(1.234, 5.678)
            #expect(abs((frame.world(frame.grid(p)) - p).max()) < 1e-12)
            #expect(abs((frame.world(frame.grid(p)) - p).min()) < 1e-12)
        }
        #expect(MazeLayout.umaze.isFree(SIMD2(0, 8), in: a) && !MazeLayout.umaze.isFree(SIMD2(0, 4), in: a))
    }

    @Test func slideStopsFlushAtWalls() {
        let u = MazeLayout.umaze  // cell (1, 1) is free, (0, 1) and (1, 0) are walls
        let start = SIMD2(1.5, 1.5)
        let up = u.slide(start, by: SIMD2(-3, 0), halfWidth: 0.1)
        #expect(close(up.position, SIMD2(1.1, 1.5)) && up.blocked.row && !up.blocked.col)
        // A huge step along the corridor stops at the far wall instead of tunnelling.
        let right = u.slide(start, by: SIMD2(0, 100), halfWidth: 0.1)
        #expect(close(right.position, SIMD2(1.5, 3.9)) && right.blocked.col)
        // Flush against a wall, pushing into it again does not move.
        let again = u.slide(up.position, by: SIMD2(-0.01, 0), halfWidth: 0.1)
        #expect(again.position == up.position && again.blocked.row)
        // The square's corner catches a wall when sliding past the corridor's mouth.
        let down = u.slide(SIMD2(1.5, 3.5), by: SIMD2(5, 0), halfWidth: 0.1)
        #expect(close(down.position, SIMD2(3.9, 3.5)))
        let blockedCorner = u.slide(SIMD2(1.5, 2.95), by: SIMD2(1, 0), halfWidth: 0.1)
        #expect(close(blockedCorner.position, SIMD2(1.9, 2.95)) && blockedCorner.blocked.row)
    }
}

func close(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ tolerance: Double = 1e-12) -> Bool {
    abs(a.x - b.x) <= tolerance && abs(a.y - b.y) <= tolerance
}
