// Diagnostic: what went wrong, where, rendered as `path:line:col: error: message`, the
// source line and a caret under the span; runtime errors add the cdsa call stack.

/// The exit codes of `cdsa run` / `cdsa check` (BSD sysexits; 128 + SIGINT for Ctrl-C, as
/// a shell reports a process it interrupted).
public enum ExitCode: Int32, Sendable {
    case ok = 0
    case usage = 64
    case compileError = 65
    case runtimeError = 70
    case interrupted = 130
}

/// One error, self-contained: it keeps its line text so it renders without the source.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stage that reported it; decides the exit code.
    public enum Phase: Sendable, Equatable { case source, syntax, resolve, runtime }

    /// One cdsa call-stack entry: the function and where in it execution was.
    public struct Frame: Sendable, Equatable {
        public var function: String
        public var path: String
        public var line: Int
        public var column: Int
    }

    public var phase: Phase
    public var message: String
    public var path: String
    public var line: Int
    public var column: Int
    /// Width of the underline in columns (at least 1).
    public var width: Int
    public var lineText: String
    /// The cdsa call stack, innermost first (runtime errors only).
    public var stack: [Frame] = []
    /// Ctrl-C stopped a built-in that said where (a training run): an interruption.
    public var interrupted = false
    /// The error is at the end of input (an unclosed bracket, block or string): a REPL
    /// should ask for another line instead of reporting it.
    public var isAtEndOfInput = false

    public init(phase: Phase, message: String, source: Source, span: Span) {
        self.phase = phase
        self.message = message
        self.path = source.path
        (line, column) = source.location(of: span.start)
        let end = source.location(of: span.end)
        width = end.line == line ? max(1, end.column - column) : 1
        lineText = source.lineText(line)
    }

    /// A diagnostic about a whole file (one that could not be found or read).
    public init(phase: Phase, message: String, path: String) {
        self.phase = phase
        self.message = message
        self.path = path
        line = 1
        column = 1
        width = 1
        lineText = ""
    }

    public var exitCode: ExitCode {
        if isInterruption { return .interrupted }
        return phase == .runtime ? .runtimeError : .compileError
    }

    /// A run stopped by the cancellation hook (Ctrl-C), not by an error in the script.
    public var isInterruption: Bool { phase == .runtime && (interrupted || message == "interrupted") }

    /// `path:line:col: error: message`, the line, a caret and tildes, then the stack.
    public var description: String {
        var out = "\(path):\(line):\(column): error: \(message)\n"
        // A very long line is shown as a window around the column.
        var scalars = Array(lineText.unicodeScalars)
        var caretColumn = column - 1
        if scalars.count > Diagnostic.maxLineWidth {
            let start = max(0, min(caretColumn - 40, scalars.count - Diagnostic.maxLineWidth))
            let end = min(scalars.count, start + Diagnostic.maxLineWidth)
            scalars = (start > 0 ? ["…"] : []) + Array(scalars[start..<end]) + (end < scalars.count ? ["…"] : [])
            caretColumn = caretColumn - start + (start > 0 ? 1 : 0)
        }
        var shown = ""
        shown.unicodeScalars.append(contentsOf: scalars)
        out += shown + "\n"
        var pad = ""
        for ch in scalars.prefix(max(0, caretColumn)) { pad.unicodeScalars.append(ch == "\t" ? "\t" : " ") }
        let visible = max(1, min(width, scalars.count - caretColumn))
        out += pad + "^" + String(repeating: "~", count: visible - 1) + "\n"
        // Runs of one repeated frame (deep recursion) are folded after three lines.
        var i = 0
        while i < stack.count {
            var j = i
            while j + 1 < stack.count, stack[j + 1] == stack[i] { j += 1 }
            let run = j - i + 1
            for frame in stack[i..<(i + min(run, 3))] {
                out += "  at \(frame.function) (\(frame.path):\(frame.line):\(frame.column))\n"
            }
            if run > 3 { out += "  ... the frame above repeated \(run - 3) more times\n" }
            i = j + 1
        }
        return out
    }

    static let maxLineWidth = 120
}

/// Everything a run reported; thrown by `Session` when a stage fails.
public struct Failure: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var exitCode: ExitCode {
        if diagnostics.contains(where: \.isInterruption) { return .interrupted }
        return diagnostics.contains { $0.phase == .runtime } ? .runtimeError : .compileError
    }
    public var description: String { diagnostics.map(\.description).joined() }
    /// True when every error is an unfinished construct at the end of input.
    public var isIncompleteInput: Bool { !diagnostics.isEmpty && diagnostics.allSatisfy(\.isAtEndOfInput) }
}
