// REPL: reads statements line by line into one session. A statement that is not finished
// (Failure.isIncompleteInput) asks for another line with the continuation prompt; an
// expression's value is printed; errors are reported and the session goes on. Ctrl-C
// during an evaluation trips the interpreter's cancellation hook, so the evaluation stops
// with "interrupted" and every variable keeps its value; Ctrl-C at the prompt clears the line.

import Bindings
import Foundation
import Language

enum REPL {
    static let prompt = "cdsa> "
    static let continuationPrompt = "...> "

    /// Readline on a terminal.
    static func interactive() -> Int32 {
        Launch.installInterruptHandler(batch: false)
        return Launch.onLargeStack {
            guard let evaluator = Evaluator.make() else { return Language.ExitCode.runtimeError.rawValue }
            evaluator.isInteractive = true
            let editor = LineEditor(completer: Completer(session: evaluator.session),
                                    historyPath: LineEditor.defaultHistoryPath)
            print("cdsa \(Versions.cdsa) — :help for commands, Tab completes, Ctrl-D quits")
            while true {
                switch editor.read(prompt: evaluator.isContinuing ? continuationPrompt : prompt) {
                case .endOfInput:
                    print()
                    return 0
                case .interrupted:
                    evaluator.discardPending()
                case .line(let line):
                    editor.remember(line)
                    if evaluator.feed(line) == .quit { return 0 }
                }
            }
        }
    }

    /// Plain lines from a pipe: no prompts, no readline, read as `cdsa run` reads a file
    /// (Evaluator.feedPiped). Exits with the code of the first failure (0 if none), after
    /// running every statement.
    static func piped() -> Int32 {
        Launch.installInterruptHandler(batch: true)
        return Launch.onLargeStack {
            guard let evaluator = Evaluator.make() else { return Language.ExitCode.runtimeError.rawValue }
            evaluator.path = "<stdin>"
            while let line = readLine(strippingNewline: true) {
                if evaluator.feedPiped(line) == .quit { break }
                // Ctrl-C ends batch input, as it ends `cdsa run`.
                if evaluator.firstFailure == Language.ExitCode.interrupted.rawValue { break }
            }
            if evaluator.firstFailure != Language.ExitCode.interrupted.rawValue { evaluator.finishPiped() }
            fflush(nil)
            return evaluator.firstFailure ?? 0
        }
    }
}

/// One session fed a line at a time; shared by the terminal and the pipe.
///
/// Both read statements as a file would be read, with one difference where a file can look
/// ahead and a terminal cannot. A statement ends at the end of a line unless the line leaves
/// it unfinished (an open bracket or block, a trailing operator), and in a file a following
/// line that starts with `|>` (or `else`) continues it. Piped input does exactly that: a
/// complete statement is held until the next line that is not blank, a comment, `|>…` or
/// `else…` shows it is over. At a terminal a statement runs as soon as it is complete, so
/// a line starting with `|>` continues the *previous input's result* instead: the last
/// expression's value (also `_`, as in Python's REPL), or the variable the previous `let x
/// = …` or `x = …` set, which gets the new value (`x = x |> stage`) — nothing runs twice.
final class Evaluator {
    enum Step { case done, needMore, quit }

    let session: Session
    /// The names the session started with (built-ins, prelude): `:vars` shows the others.
    let initialNames: Set<String>
    /// The name errors give the input: `<repl>` at a terminal, `<stdin>` for a pipe (whose
    /// errors carry the line's number in the whole input).
    var path = "<repl>"
    private var pending = ""
    private var pendingLine = 1
    private(set) var lineNumber = 0
    /// Piped input: `pending` is a complete statement waiting to see the next line, and
    /// `trailing` the blank and comment lines read since (from line `trailingLine`).
    private var held = false
    private var trailing = ""
    private var trailingLine = 1
    /// Piped input: `pending` has more than blank and comment lines.
    private var pendingHasCode = false
    /// What a terminal line starting with `|>` continues (see the type's comment).
    private var previous: Previous?
    private(set) var firstFailure: Int32?
    /// On a terminal the echoed ^C is left without a newline; errors then start a fresh line.
    var isInteractive = false

    enum Previous { case value, variable(String) }

    init(session: Session) {
        self.session = session
        initialNames = Set(session.globals.names)
    }

    static func make() -> Evaluator? {
        do { return Evaluator(session: try Launch.makeSession()) } catch {
            Launch.report("cdsa: cannot start a session: \(error)\n")
            return nil
        }
    }

    var isContinuing: Bool { !pending.isEmpty }

    func discardPending() { pending = "" }

    /// A terminal line: runs as soon as the statement is complete.
    func feed(_ line: String) -> Step {
        lineNumber += 1
        if pending.isEmpty {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(":") { return command(trimmed) }
            if trimmed.isEmpty { return .done }
            if trimmed.hasPrefix("|>") { return continuePrevious(line) }
            pendingLine = lineNumber
        }
        pending += line + "\n"
        switch evaluate(pending, allowIncomplete: true) {
        case .needMore: return .needMore
        default:
            pending = ""
            return .done
        }
    }

    /// A piped line: statements are read as in a file (see the type's comment).
    func feedPiped(_ line: String) -> Step {
        lineNumber += 1
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let filler = trimmed.isEmpty || trimmed.hasPrefix("#")
        if held {
            // Blank and comment lines after a held statement wait: they join it if a `|>`
            // line follows, else they go with the next statement (a comment above a `fn`
            // is its documentation).
            if filler {
                if trailing.isEmpty { trailingLine = lineNumber }
                trailing += line + "\n"
                return .needMore
            }
            if trimmed.hasPrefix("|>") || Evaluator.startsWithElse(trimmed) {
                pending += trailing + line + "\n"
                trailing = ""
                held = isComplete(pending)
                return .needMore
            }
            runPending()
            (pending, pendingLine, trailing) = (trailing, trailingLine, "")
        }
        if !pendingHasCode {
            if trimmed.hasPrefix(":") {
                pending = ""
                return command(trimmed)
            }
            if pending.isEmpty {
                if trimmed.isEmpty { return .done }
                pendingLine = lineNumber
            }
        }
        pending += line + "\n"
        if !filler { pendingHasCode = true }
        held = pendingHasCode && isComplete(pending)
        return .needMore
    }

    /// End of piped input: runs what is held, or reports an unfinished statement as it stands.
    func finishPiped() {
        if pendingHasCode { runPending() }
    }

    private func runPending() {
        evaluate(pending, allowIncomplete: false, firstLine: pendingLine)
        pending = ""
        pendingHasCode = false
        held = false
    }

    /// Whether `text` holds at least one statement and nothing left unfinished (parsing only).
    private func isComplete(_ text: String) -> Bool {
        guard let source = try? Source(path: path, text: text) else { return true }
        let (syntax, errors) = Parser.parse(source)
        if errors.isEmpty { return !syntax.statements.isEmpty }
        return !Failure(errors).isIncompleteInput
    }

    static func startsWithElse(_ text: String) -> Bool {
        text.hasPrefix("else") && !(text.dropFirst(4).first.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false)
    }

    /// `|> stage` at a terminal: applies the stage to the previous input's result.
    private func continuePrevious(_ line: String) -> Step {
        let text: String
        switch previous {
        case .value?: text = "_ " + line.trimmingCharacters(in: .whitespaces)
        case .variable(let name)?: text = "\(name) = \(name) " + line.trimmingCharacters(in: .whitespaces)
        case nil:
            fail("\(path):1:1: error: a line starting with '|>' continues the previous input's value, and there is none "
                 + "(the previous input was not an expression, `let x = …` or `x = …`)\n", .compileError)
            return .done
        }
        pendingLine = lineNumber
        pending = text + "\n"
        let step = evaluate(pending, allowIncomplete: true)
        if step != .needMore { pending = "" }
        return step
    }

    /// Runs text in the session and prints its value. `.needMore` if it is unfinished.
    @discardableResult
    func evaluate(_ text: String, allowIncomplete: Bool, timed: Bool = false, firstLine: Int = 1) -> Step {
        let start = DispatchTime.now().uptimeNanoseconds
        var succeeded = false
        do {
            let source = try Source(path: path, text: text, firstLine: firstLine)
            var value = try session.run(source)
            if case .nil? = value { value = nil }  // `print(x)` shows nothing and is no result
            if let value {
                session.globals["_"] = value
                print(value.repr)
            }
            previous = Evaluator.result(of: source, value: value)
            succeeded = true
        } catch let failure as Failure {
            if allowIncomplete && failure.isIncompleteInput { return .needMore }
            let interrupted = isInteractive && failure.diagnostics.contains { $0.message == "interrupted" }
            fail((interrupted ? "\n" : "") + failure.description, failure.exitCode)
        } catch let d as Diagnostic {
            fail(d.description, d.exitCode)
        } catch {
            fail("\(error)\n", .runtimeError)
        }
        // A Ctrl-C that came too late to stop anything must not stop the next evaluation.
        EngineControl.clearInterrupt()
        if timed && succeeded {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            print("time: " + (seconds < 1 ? String(format: "%.3f ms", seconds * 1e3) : String(format: "%.3f s", seconds)))
        }
        fflush(nil)
        return .done
    }

    /// What a following `|> stage` would continue: the value of a final expression, or the
    /// variable a final `let` or assignment to a name set.
    static func result(of source: Source, value: Value?) -> Previous? {
        if value != nil { return .value }
        switch Parser.parse(source).0.statements.last {
        case .let(let name, _, _)?: return .variable(name)
        case .assign(.name(let name, _), _, _)?: return .variable(name)
        default: return nil
        }
    }

    func fail(_ text: String, _ code: Language.ExitCode) {
        Launch.report(text)
        if firstFailure == nil { firstFailure = code.rawValue }
    }

    private func command(_ text: String) -> Step {
        let name = String(text.dropFirst().prefix { !$0.isWhitespace })
        let argument = text.dropFirst(1 + name.count).trimmingCharacters(in: .whitespaces)
        guard let command = REPL.commands.first(where: { $0.name == name || $0.alias == name }) else {
            fail("unknown command ':\(name)' (:help lists the commands)\n", .usage)
            return .done
        }
        return command.run(self, argument)
    }
}
