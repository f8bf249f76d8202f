import Foundation

/// Where a long job reports how far it is: training runs, dataset making, sweeps.
public protocol ProgressReporter: AnyObject {
    /// `done` of `total` units; `detail` is the latest losses or evaluation.
    func report(title: String, done: Int, total: Int, rate: Double, detail: String, force: Bool)
    /// The job ended (completed or not); a terminal bar gets its final newline.
    func finish()
}

/// Progress on stderr. On a terminal, one bar redrawn in place at most ten times a
/// second: `iql  12000/200000 ━━━━───── 6% · 95/s · ETA 33m · q 1.23 v 0.45 · eval 54.3`.
/// Elsewhere (CI logs, `cdsa run > log`), one plain line per forced report (a log
/// interval, an evaluation), so logs stay short.
public final class ConsoleProgress: ProgressReporter {
    public let isTerminal: Bool
    private var lastDraw: Double = 0
    private var drawn = false

    public init(isTerminal: Bool = isatty(STDERR_FILENO) != 0) { self.isTerminal = isTerminal }

    public func report(title: String, done: Int, total: Int, rate: Double, detail: String, force: Bool) {
        let now = Date().timeIntervalSinceReferenceDate
        if isTerminal {
            guard force || now - lastDraw >= 0.1 || done == total else { return }
            lastDraw = now
            write("\r\u{1B}[K" + line(title, done, total, rate, detail, bar: true))
            drawn = true
        } else if force {
            write(line(title, done, total, rate, detail, bar: false) + "\n")
        }
    }

    public func finish() {
        if isTerminal, drawn { write("\n") }
        drawn = false
    }

    private func line(_ title: String, _ done: Int, _ total: Int, _ rate: Double, _ detail: String, bar: Bool) -> String {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        var parts = ["\(title) \(done)/\(total)"]
        if bar {
            let width = 20, filled = Int((fraction * Double(width)).rounded(.down))
            parts[0] += " " + String(repeating: "━", count: filled) + String(repeating: "─", count: width - filled)
        }
        parts[0] += " \(Int(fraction * 100))%"
        if rate > 0 {
            parts.append(String(format: rate >= 100 ? "%.0f/s" : "%.1f/s", rate))
            if done < total { parts.append("ETA " + Self.duration(Double(total - done) / rate)) }
        }
        if !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: " · ")
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
