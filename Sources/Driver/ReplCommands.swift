// The REPL's colon commands, one table: `:help` lists it, Tab completes from it.

import Foundation
import Language

struct ReplCommand: Sendable {
    var name: String
    var alias: String?
    var usage: String
    var doc: String
    var run: @Sendable (Evaluator, String) -> Evaluator.Step
}

extension REPL {
    static let commands: [ReplCommand] = [
        ReplCommand(name: "help", alias: "h", usage: ":help [name]",
                    doc: "List the commands, or show a built-in's or function's signature and doc, or a value (as help(name)).") { e, arg in
            print(arg.isEmpty ? REPL.commandList : REPL.help(for: arg, in: e))
            return .done
        },
        ReplCommand(name: "time", alias: "t", usage: ":time expr", doc: "Evaluate and print how long it took.") { e, arg in
            if arg.isEmpty { print("usage: :time expr") } else {
                e.evaluate(arg, allowIncomplete: false, timed: true, firstLine: e.lineNumber)
            }
            return .done
        },
        ReplCommand(name: "vars", alias: "v", usage: ":vars", doc: "List the variables you defined, with their values.") { e, _ in
            let names = e.session.globals.names.filter { !e.initialNames.contains($0) && $0 != "_" }
            if names.isEmpty { print("(no variables yet)") }
            for name in names { print("\(name) = \(REPL.short(e.session.globals[name] ?? .nil))") }
            return .done
        },
        ReplCommand(name: "quit", alias: "q", usage: ":quit", doc: "Leave the REPL (Ctrl-D also does).") { _, _ in .quit },
    ]

    static var commandList: String {
        let width = commands.map(\.usage.count).max() ?? 0
        return (["Commands:"] + commands.map { "  " + $0.usage.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.doc }
            + ["Tab completes names, record fields (cfg.<Tab>) and file paths inside strings.",
               "Ctrl-C stops a running evaluation (variables keep their values) or clears the line."])
            .joined(separator: "\n")
    }

    /// `:help name`: what `help("name")` shows (Interpreter.help), or a colon command's usage.
    static func help(for name: String, in e: Evaluator) -> String {
        let interpreter = e.session.interpreter
        if interpreter.builtin(named: name) == nil, let cmd = commands.first(where: { ":" + $0.name == name || $0.name == name }) {
            return "\(cmd.usage)\n  \(cmd.doc)"
        }
        return interpreter.help(for: name)
    }

    /// A value's REPL form, cut to one screen line.
    static func short(_ value: Value) -> String { Interpreter.short(value) }
}
