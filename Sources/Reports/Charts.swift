import Foundation

/// The pictures cdsa draws, each a standalone SVG: bar charts with error bars (policies
/// side by side), learning curves with bands (runs over seeds), heat maps (a k1 × k2
/// sweep) and vector fields over a plane (a score field on the point maze).
public enum Charts {
    /// A plot area inside the canvas with linear x and y scales.
    struct Frame {
        let left = 70.0, top = 40.0, right: Double, bottom: Double
        let xRange: (Double, Double), yRange: (Double, Double)
        init(width: Double, height: Double, x: (Double, Double), y: (Double, Double), rightMargin: Double = 20) {
            right = width - rightMargin
            bottom = height - 55
            xRange = x.0 == x.1 ? (x.0 - 1, x.1 + 1) : x
            yRange = y.0 == y.1 ? (y.0 - 1, y.1 + 1) : y
        }
        func x(_ v: Double) -> Double { left + (v - xRange.0) / (xRange.1 - xRange.0) * (right - left) }
        func y(_ v: Double) -> Double { bottom - (v - yRange.0) / (yRange.1 - yRange.0) * (bottom - top) }

        func axes(_ c: inout SVGCanvas, title: String, xLabel: String, yLabel: String, xTicks: Bool = true) {
            c.text((left + right) / 2, 22, title, size: 15, anchor: .middle, weight: "bold")
            for t in niceTicks(yRange.0, yRange.1) {
                c.line(left, y(t), right, y(t), stroke: "#e4e4e4")
                c.text(left - 6, y(t) + 4, tickLabel(t), size: 11, anchor: .end)
            }
            if xTicks {
                for t in niceTicks(xRange.0, xRange.1, count: 6) {
                    c.line(x(t), bottom, x(t), bottom + 4)
                    c.text(x(t), bottom + 17, tickLabel(t), size: 11, anchor: .middle)
                }
            }
            c.line(left, bottom, right, bottom)
            c.line(left, top, left, bottom)
            c.text((left + right) / 2, bottom + 40, xLabel, size: 12, anchor: .middle)
            c.text(18, (top + bottom) / 2, yLabel, size: 12, anchor: .middle, rotate: -90)
        }
    }

    static func range(_ values: [Double], includeZero: Bool = false) -> (Double, Double) {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if includeZero { low = min(low, 0); high = max(high, 0) }
        let pad = (high - low) * 0.05
        return (low - (includeZero && low == 0 ? 0 : pad), high + pad)
    }

    /// One bar per (group, series), with an error bar (± `errors`) when given: e.g. groups
    /// are environments, series are policies, values are mean normalised scores.
    public static func bars(title: String, groups: [String], series: [(label: String, values: [Double], errors: [Double]?)],
                            yLabel: String, width: Double = 720, height: Double = 420) -> SVGCanvas {
        var c = SVGCanvas(width: width, height: height)
        let tops = series.flatMap { s in s.values.indices.map { s.values[$0] + (s.errors?[$0] ?? 0) } }
        let bottoms = series.flatMap { s in s.values.indices.map { s.values[$0] - (s.errors?[$0] ?? 0) } }
        let f = Frame(width: width, height: height, x: (0, Double(max(groups.count, 1))), y: range(tops + bottoms, includeZero: true),
                      rightMargin: 150)
        f.axes(&c, title: title, xLabel: "", yLabel: yLabel, xTicks: false)
        let slot = (f.right - f.left) / Double(max(groups.count, 1)), bar = slot * 0.8 / Double(max(series.count, 1))
        for (g, name) in groups.enumerated() {
            c.text(f.left + slot * (Double(g) + 0.5), f.bottom + 18, name, size: 12, anchor: .middle)
            for (k, s) in series.enumerated() where g < s.values.count && s.values[g].isFinite {
                let x0 = f.left + slot * Double(g) + slot * 0.1 + bar * Double(k)
                let (a, b) = (f.y(max(s.values[g], 0)), f.y(min(s.values[g], 0)))
                c.rect(x0, a, bar * 0.92, b - a, fill: palette[k % palette.count])
                if let e = s.errors?[g], e.isFinite, e > 0 {
                    let mid = x0 + bar * 0.46
                    c.line(mid, f.y(s.values[g] - e), mid, f.y(s.values[g] + e), stroke: "#111", width: 1.3)
                    for v in [s.values[g] - e, s.values[g] + e] { c.line(mid - bar * 0.2, f.y(v), mid + bar * 0.2, f.y(v), stroke: "#111", width: 1.3) }
                }
            }
        }
        legend(&c, series.map(\.label), x: f.right + 12, y: f.top)
        return c
    }

    /// Lines of y over x, each with an optional band (low…high): learning curves, the mean
    /// over seeds with its spread.
    public static func lines(title: String, xLabel: String, yLabel: String,
                             series: [(label: String, x: [Double], y: [Double], low: [Double]?, high: [Double]?)],
                             width: Double = 720, height: Double = 420) -> SVGCanvas {
        var c = SVGCanvas(width: width, height: height)
        let xs = series.flatMap(\.x), ys = series.flatMap { $0.y + ($0.low ?? []) + ($0.high ?? []) }
        let f = Frame(width: width, height: height, x: (xs.min() ?? 0, xs.max() ?? 1), y: range(ys), rightMargin: 150)
        f.axes(&c, title: title, xLabel: xLabel, yLabel: yLabel)
        for (k, s) in series.enumerated() {
            let colour = palette[k % palette.count]
            if let low = s.low, let high = s.high, low.count == s.x.count, high.count == s.x.count {
                c.polygon(zip(s.x, high).map { (f.x($0), f.y($1)) } + zip(s.x, low).reversed().map { (f.x($0), f.y($1)) },
                          fill: colour, opacity: 0.2)
            }
            c.polyline(zip(s.x, s.y).filter { $0.1.isFinite }.map { (f.x($0), f.y($1)) }, stroke: colour)
        }
        legend(&c, series.map(\.label), x: f.right + 12, y: f.top)
        return c
    }

    /// A grid of values, colour from low (light) to high (dark), each cell labelled.
    public static func heatMap(title: String, xLabel: String, yLabel: String, columns: [String], rows: [String],
                               values: [[Double]], width: Double = 560, height: Double = 460) -> SVGCanvas {
        var c = SVGCanvas(width: width, height: height)
        let f = Frame(width: width, height: height, x: (0, 1), y: (0, 1), rightMargin: 30)
        c.text((f.left + f.right) / 2, 22, title, size: 15, anchor: .middle, weight: "bold")
        let finite = values.flatMap { $0 }.filter(\.isFinite)
        let (low, high) = (finite.min() ?? 0, finite.max() ?? 1)
        let cw = (f.right - f.left) / Double(max(columns.count, 1)), ch = (f.bottom - f.top) / Double(max(rows.count, 1))
        for (i, row) in values.enumerated() where i < rows.count {
            for (j, v) in row.enumerated() where j < columns.count {
                let t = high > low ? (v - low) / (high - low) : 0.5
                let x = f.left + cw * Double(j), y = f.bottom - ch * Double(i + 1)
                c.rect(x, y, cw, ch, fill: v.isFinite ? shade(t) : "#cccccc", stroke: "white")
                c.text(x + cw / 2, y + ch / 2 + 4, v.isFinite ? String(format: "%.1f", v) : "–", size: 11, anchor: .middle,
                       fill: t > 0.55 ? "white" : "#111")
            }
        }
        for (j, name) in columns.enumerated() { c.text(f.left + cw * (Double(j) + 0.5), f.bottom + 17, name, size: 11, anchor: .middle) }
        for (i, name) in rows.enumerated() { c.text(f.left - 6, f.bottom - ch * (Double(i) + 0.5) + 4, name, size: 11, anchor: .end) }
        c.text((f.left + f.right) / 2, f.bottom + 40, xLabel, size: 12, anchor: .middle)
        c.text(18, (f.top + f.bottom) / 2, yLabel, size: 12, anchor: .middle, rotate: -90)
        return c
    }

    /// Arrows over a plane (a vector field: each arrow from (x, y) by (dx, dy) × `scale`),
    /// with points drawn faintly behind (the data) and rectangles (walls) under both.
    public static func vectorField(title: String, xLabel: String, yLabel: String, xRange: (Double, Double), yRange: (Double, Double),
                                   points: [(Double, Double)], arrows: [(x: Double, y: Double, dx: Double, dy: Double)],
                                   walls: [(x: Double, y: Double, width: Double, height: Double)] = [], scale: Double = 1,
                                   width: Double = 620, height: Double = 560) -> SVGCanvas {
        var c = SVGCanvas(width: width, height: height)
        let f = Frame(width: width, height: height, x: xRange, y: yRange)
        f.axes(&c, title: title, xLabel: xLabel, yLabel: yLabel)
        for w in walls { c.rect(f.x(w.x), f.y(w.y + w.height), f.x(w.x + w.width) - f.x(w.x), f.y(w.y) - f.y(w.y + w.height), fill: "#9a9a9a") }
        for p in points { c.circle(f.x(p.0), f.y(p.1), r: 1.1, fill: palette[5], opacity: 0.35) }
        for a in arrows where a.dx.isFinite && a.dy.isFinite {
            c.arrow(f.x(a.x), f.y(a.y), f.x(a.x + a.dx * scale), f.y(a.y + a.dy * scale), stroke: palette[3])
        }
        return c
    }

    static func legend(_ c: inout SVGCanvas, _ labels: [String], x: Double, y: Double) {
        for (k, label) in labels.enumerated() {
            c.rect(x, y + Double(k) * 20, 12, 12, fill: palette[k % palette.count])
            c.text(x + 18, y + Double(k) * 20 + 10, label, size: 12)
        }
    }

    /// Light yellow → teal → dark blue (ColorBrewer's YlGnBu), so middle values stay clear.
    static func shade(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(255, 255, 204), (161, 218, 180), (65, 182, 196), (44, 127, 184), (37, 52, 148)]
        let u = min(max(t, 0), 1) * Double(stops.count - 1), i = min(Int(u), stops.count - 2), f = u - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        return String(format: "#%02x%02x%02x", Int(a.0 + (b.0 - a.0) * f), Int(a.1 + (b.1 - a.1) * f), Int(a.2 + (b.2 - a.2) * f))
    }
}
