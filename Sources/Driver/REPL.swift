// REPL: reads statements line by line into one session. A statement that is not finished
// (Failure.isIncompleteInput) asks for another line with the continuation prompt; an
// expression's value is printed; errors are reported and the session goes on. Ctrl-C
// during an evaluation trips the interpreter's cancellation hook, so the evaluation stops
// with "interrupted" and every variable keeps its value; Ctrl-C at the prompt clears the line.

import Autodiff
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

    /// Plain lines from a pipe: no prompts, no readline. Exits with the code of the first
    /// failure (0 if none), after running every statement.
    static func piped() -> Int32 {
        Launch.installInterruptHandler(batch: true)
        return Launch.onLargeStack {
            guard let evaluator = Evaluator.make() else { return Language.ExitCode.runtimeError.rawValue }
            while let line = readLine(strippingNewline: true) {
                if evaluator.feed(line) == .quit { break }
            }
            if evaluator.isContinuing { evaluator.finish() }
            fflush(nil)
            return evaluator.firstFailure ?? 0
        }
    }
}

/// One session fed a line at a time; shared by the terminal and the pipe.
final class Evaluator {
    enum Step { case done, needMore, quit }

    let session: Session
    /// The names the session started with (built-ins, prelude): `:vars` shows the others.
    let initialNames: Set<String>
    private var pending = ""
    private var pendingLine = 1
    private var lineNumber = 0
    private(set) var firstFailure: Int32?
    /// On a terminal the echoed ^C is left without a newline; errors then start a fresh line.
    var isInteractive = false

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

    func feed(_ line: String) -> Step {
        lineNumber += 1
        if pending.isEmpty {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(":") { return command(trimmed) }
            if trimmed.isEmpty { return .done }
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

    /// End of input in the middle of a statement: report it as it stands.
    func finish() {
        _ = evaluate(pending, allowIncomplete: false)
        pending = ""
    }

    /// Runs text in the session and prints its value. `.needMore` if it is unfinished.
    @discardableResult
    func evaluate(_ text: String, allowIncomplete: Bool, timed: Bool = false) -> Step {
        let start = DispatchTime.now().uptimeNanoseconds
        var succeeded = false
        do {
            let source = try Source(path: "<repl>", text: text)
            if let value = try session.run(source) {
                if case .nil = value {} else { print(value.repr) }
            }
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
        CancellationToken.interrupt.reset()
        if timed && succeeded {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            print("time: " + (seconds < 1 ? String(format: "%.3f ms", seconds * 1e3) : String(format: "%.3f s", seconds)))
        }
        fflush(nil)
        return .done
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
