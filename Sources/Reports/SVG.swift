import Foundation

/// A small SVG canvas: shapes and text in user units, written as one standalone SVG
/// document that browsers and rsvg-convert render the same way.
public struct SVGCanvas {
    public let width: Double
    public let height: Double
    private var elements: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func n(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    public mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil, opacity: Double = 1) {
        elements.append("<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(max(w, 0)))\" height=\"\(Self.n(max(h, 0)))\" fill=\"\(fill)\""
            + (stroke.map { " stroke=\"\($0)\"" } ?? "") + (opacity < 1 ? " fill-opacity=\"\(Self.n(opacity))\"" : "") + "/>")
    }

    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#333", width: Double = 1) {
        elements.append("<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.n(width))\"/>")
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2) {
        guard points.count > 1 else { return }
        let text = points.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " ")
        elements.append("<polyline points=\"\(text)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.n(width))\"/>")
    }

    public mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double) {
        guard points.count > 2 else { return }
        let text = points.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " ")
        elements.append("<polygon points=\"\(text)\" fill=\"\(fill)\" fill-opacity=\"\(Self.n(opacity))\" stroke=\"none\"/>")
    }

    public mutating func circle(_ x: Double, _ y: Double, r: Double, fill: String, opacity: Double = 1) {
        elements.append("<circle cx=\"\(Self.n(x))\" cy=\"\(Self.n(y))\" r=\"\(Self.n(r))\" fill=\"\(fill)\"" + (opacity < 1 ? " fill-opacity=\"\(Self.n(opacity))\"" : "") + "/>")
    }

    /// An arrow from (x, y) to (x2, y2) with a small head.
    public mutating func arrow(_ x: Double, _ y: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1.2) {
        let dx = x2 - x, dy = y2 - y, length = (dx * dx + dy * dy).squareRoot()
        guard length > 0.5 else { return circle(x, y, r: 0.8, fill: stroke) }
        line(x, y, x2, y2, stroke: stroke, width: width)
        let head = min(4.0, length / 2), ux = dx / length, uy = dy / length
        polygon([(x2, y2), (x2 - head * ux + head * 0.5 * uy, y2 - head * uy - head * 0.5 * ux),
                 (x2 - head * ux - head * 0.5 * uy, y2 - head * uy + head * 0.5 * ux)], fill: stroke, opacity: 1)
    }

    public enum Anchor: String { case start, middle, end }

    public mutating func text(_ x: Double, _ y: Double, _ text: String, size: Double = 12, anchor: Anchor = .start,
                              rotate: Double = 0, weight: String = "normal", fill: String = "#222") {
        let transform = rotate == 0 ? "" : " transform=\"rotate(\(Self.n(rotate)) \(Self.n(x)) \(Self.n(y)))\""
        elements.append("<text x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"\(Self.n(size))\" text-anchor=\"\(anchor.rawValue)\" font-weight=\"\(weight)\" fill=\"\(fill)\"\(transform)>\(Self.escaped(text))</text>")
    }

    /// The whole document.
    public var document: String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + elements.joined(separator: "\n") + "\n</svg>\n"
    }

    /// Writes the document atomically.
    public func write(to path: String) throws { try writeText(document, to: path) }
}

/// Ticks for an axis: about `count` round values covering [low, high].
func niceTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    guard low.isFinite, high.isFinite else { return [0] }
    let span = high > low ? high - low : max(abs(high), 1)
    let raw = span / Double(max(count, 1))
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var t = (low / step).rounded(.down) * step, ticks: [Double] = []
    while t <= high + step * 1e-9, ticks.count < 50 {
        if t >= low - step * 1e-9 { ticks.append(abs(t) < step * 1e-9 ? 0 : t) }
        t += step
    }
    return ticks
}

func tickLabel(_ x: Double) -> String {
    if x != 0, abs(x) >= 1e5 || abs(x) < 1e-3 { return String(format: "%.0e", x) }
    if x == x.rounded() { return String(Int(x)) }
    return String(format: abs(x) < 1 ? "%.3g" : "%.4g", x)
}

/// The colours series are drawn in (Okabe & Ito's palette, distinguishable with colour-blindness).
let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
