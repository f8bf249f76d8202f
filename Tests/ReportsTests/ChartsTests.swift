import Foundation
import Reports
import Testing

// Every chart is a standalone SVG that a real renderer draws: rsvg-convert (librsvg2-bin,
// which scripts/setup installs) must turn each into a PNG of the canvas's size.

let rsvg: String? = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// Renders `svg` to PNG with rsvg-convert; returns the PNG's width and height.
func render(_ svg: SVGCanvas) throws -> (Int, Int) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cdsa-svg-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = folder.appendingPathComponent("chart.svg").path, output = folder.appendingPathComponent("chart.png").path
    try svg.write(to: input)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: rsvg!)
    p.arguments = ["-o", output, input]
    let err = Pipe()
    p.standardError = err
    try p.run()
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus == 0, "rsvg-convert: \(message)")
    // CDSA_KEEP_CHARTS=folder keeps each rendering there, to look at.
    if let keep = ProcessInfo.processInfo.environment["CDSA_KEEP_CHARTS"] {
        try? FileManager.default.copyItem(atPath: output, toPath: keep + "/chart-\(svg.document.count).png")
    }
    let png = try Data(contentsOf: URL(fileURLWithPath: output))
    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    func be32(_ at: Int) -> Int { png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (be32(16), be32(20))
}

@Suite(.enabled(if: rsvg != nil, "rsvg-convert not installed (apt-get install librsvg2-bin; scripts/setup does)"))
struct ChartsTests {
    @Test func barsWithErrorBarsRender() throws {
        let svg = Charts.bars(title: "base vs corrected <hopper & walker>", groups: ["hopper", "walker2d"],
                              series: [("iql", [52.1, 70.3], [3.2, 5.1]), ("iql + cdsa", [55.0, -4], [2.0, 1.0])],
                              yLabel: "normalised score")
        #expect(svg.document.contains("&lt;hopper &amp; walker&gt;"))
        #expect(try render(svg) == (720, 420))
    }

    @Test func learningCurvesWithBandsRender() throws {
        let x = (0..<20).map { Double($0) * 5000 }
        let y = x.map { 100 * (1 - exp(-$0 / 30000)) }
        let svg = Charts.lines(title: "IQL on hopper-medium", xLabel: "step", yLabel: "score",
                               series: [("iql", x, y, y.map { $0 - 5 }, y.map { $0 + 5 }), ("bc", x, y.map { $0 / 2 }, nil, nil)])
        #expect(try render(svg) == (720, 420))
    }

    @Test func heatMapRenders() throws {
        let svg = Charts.heatMap(title: "k1 × k2", xLabel: "k2", yLabel: "k1", columns: ["0", "0.1", "0.3"], rows: ["0", "0.3"],
                                 values: [[50, 52, .nan], [55, 60, 41]])
        #expect(try render(svg) == (560, 460))
    }

    @Test func aVectorFieldOverWallsAndDataRenders() throws {
        let arrows = (0..<25).map { i in (x: Double(i % 5), y: Double(i / 5), dx: 0.3, dy: -0.2) }
        let svg = Charts.vectorField(title: "g on the point maze", xLabel: "x", yLabel: "y", xRange: (-1, 5), yRange: (-1, 5),
                                     points: [(0.5, 0.5), (1, 2)], arrows: arrows, walls: [(x: 2, y: 2, width: 1, height: 1)])
        #expect(try render(svg) == (620, 560))
    }
}
