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
                    doc: "List the commands, or show a built-in's signature and doc.") { e, arg in
            print(arg.isEmpty ? REPL.commandList : REPL.help(for: arg, in: e))
            return .done
        },
        ReplCommand(name: "time", alias: "t", usage: ":time expr", doc: "Evaluate and print how long it took.") { e, arg in
            if arg.isEmpty { print("usage: :time expr") } else { e.evaluate(arg, allowIncomplete: false, timed: true) }
            return .done
        },
        ReplCommand(name: "vars", alias: "v", usage: ":vars", doc: "List the variables you defined, with their values.") { e, _ in
            let names = e.session.globals.names.filter { !e.initialNames.contains($0) }
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

    /// `:help name`: a built-in's signature and doc from its registration table; a cdsa
    /// function's signature and the comment above its definition in the stdlib.
    static func help(for name: String, in e: Evaluator) -> String {
        if let b = e.session.interpreter.builtin(named: name) {
            let library = e.session.interpreter.libraries.first { $0.entries.contains { $0 === b } }?.name
            return "\(b.signature)\n  \(b.doc)" + (library.map { "  [\($0) library]" } ?? "")
        }
        if let cmd = commands.first(where: { ":" + $0.name == name || $0.name == name }) {
            return "\(cmd.usage)\n  \(cmd.doc)"
        }
        guard let value = e.session.globals[name] else {
            if Completer.keywords.contains(name) { return "'\(name)' is a keyword; see docs/language.md" }
            let close = e.session.globals.names.filter { $0.hasPrefix(String(name.prefix(2))) }.sorted().prefix(8)
            return "no built-in or variable named '\(name)'" + (close.isEmpty ? "" : " (names like it: \(close.joined(separator: ", ")))")
        }
        if case .function(let f) = value {
            let signature = "\(name)(\(f.parameterNames.joined(separator: ", ")))"
            return signature + (stdlibDoc(for: name).map { "\n  " + $0 } ?? "")
        }
        return "\(name): \(value.typeName) = \(short(value))"
    }

    /// The `#` comment lines just above `fn name(` in the stdlib's prelude, if any.
    static func stdlibDoc(for name: String) -> String? {
        guard let dir = Launch.stdlibDirectory,
              let text = try? String(contentsOfFile: dir + "/prelude.cdsa", encoding: .utf8) else { return nil }
        let lines = text.components(separatedBy: "\n")
        guard let at = lines.firstIndex(where: { $0.hasPrefix("fn \(name)(") }) else { return nil }
        var doc: [String] = []
        var i = at - 1
        while i >= 0, lines[i].hasPrefix("#") {
            doc.insert(String(lines[i].dropFirst()).trimmingCharacters(in: .whitespaces), at: 0)
            i -= 1
        }
        return doc.isEmpty ? nil : doc.joined(separator: " ")
    }

    /// A value's REPL form, cut to one screen line.
    static func short(_ value: Value) -> String {
        let text = value.repr
        return text.count > 100 ? String(text.prefix(97)) + "..." : text
    }
}
