// The real readline REPL through a pseudo-terminal: a definition, Tab completion, an
// incomplete statement, an error, Ctrl-C during a runaway loop, state that survives, :quit.

import Foundation
import Testing

@Suite(.enabled(if: cdsaBinary != nil, "cdsa binary not found next to the tests; build with --build-tests first"),
       .timeLimit(.minutes(2)))
struct ReplTests {
    func start(in dir: URL) throws -> Terminal {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = dir.path
        environment["CDSA_HISTORY"] = dir.appendingPathComponent("history").path
        environment["TERM"] = "dumb"
        environment["INPUTRC"] = "/dev/null"
        environment["COLUMNS"] = "250"  // the pty has no size; long lines must not scroll
        return try Terminal(cdsaBinary!, environment: environment)
    }

    @Test func aSessionSurvivesErrorsAndCtrlC() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let term = try start(in: dir)
        try #require(term.expect("cdsa> "))

        term.send("let answer = 42\n")
        try #require(term.expect("cdsa> "))

        // Tab completes a variable, then a record field.
        term.send("answ\t + 1\n")
        try #require(term.expect("43\n"))
        term.send("let cfg = {steps: 7, lr: 0.5}\n")
        try #require(term.expect("cdsa> "))
        term.send("cfg.st\t\n")
        try #require(term.expect("cfg.steps"))
        try #require(term.expect("\n7\n"))

        // Inside a string, Tab completes file paths (and closes the string after a file).
        write("", to: "weights_demo.safetensors", in: dir)
        term.send("len(\"\(dir.path)/weights_de\t)\n")
        try #require(term.expect("weights_demo.safetensors\")\n"))
        try #require(term.expect("\(dir.path.count + 25)\n"))

        // An unfinished statement asks for more with the continuation prompt.
        term.send("fn twice(x) {\n")
        try #require(term.expect("...> "))
        term.send("  return 2 * x\n")
        try #require(term.expect("...> "))
        term.send("}\n")
        try #require(term.expect("cdsa> "))
        term.send("twice(answer)\n")
        try #require(term.expect("84\n"))

        // An error is reported with a caret, and the REPL goes on.
        term.send("answer + nosuch\n")
        try #require(term.expect("error: unknown name 'nosuch'"))
        try #require(term.expect("^~~~~~"))
        try #require(term.expect("cdsa> "))

        // Ctrl-C stops a runaway loop; the loop's progress and the earlier variables survive.
        term.send("let i = 0\n")
        try #require(term.expect("cdsa> "))
        term.send("print(\"looping\"); while true { i += 1 }\n")
        try #require(term.expect("looping\n"))  // the loop is running: the ^C lands in it
        Thread.sleep(forTimeInterval: 0.2)
        term.send("\u{03}")
        try #require(term.expect("error: interrupted"))
        try #require(term.expect("cdsa> "))
        term.send("[answer, i > 0, twice(2)]\n")
        try #require(term.expect("[42, true, 4]\n"))

        // Ctrl-C at the prompt clears the line (also in the middle of a statement).
        term.send("this is not cdsa")
        Thread.sleep(forTimeInterval: 0.3)
        term.send("\u{03}")
        try #require(term.expect("^C"))
        term.send("answer\n")
        try #require(term.expect("42\n"))

        term.send(":help len\n")
        try #require(term.expect("len(x)\n  Number of items"))
        term.send(":quit\n")
        #expect(term.waitForExit() == 0)
        let history = try String(contentsOf: dir.appendingPathComponent("history"), encoding: .utf8)
        #expect(history.contains("let answer = 42\n"))
        #expect(history.contains("print(\"looping\"); while true { i += 1 }\n"))
    }

    @Test func historyPersistsAcrossSessionsAndCtrlDQuits() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let term = try start(in: dir)
            try #require(term.expect("cdsa> "))
            term.send("let remembered = \"yes\"\n")
            try #require(term.expect("cdsa> "))
            term.send("\u{04}")
            #expect(term.waitForExit() == 0)
        }
        let term = try start(in: dir)
        try #require(term.expect("cdsa> "))
        // Up-arrow (ESC [ A) recalls the previous session's line; a dumb terminal shows it.
        term.send("\u{1B}[A\n")
        try #require(term.expect("let remembered = \"yes\""))
        term.send("remembered\n")
        try #require(term.expect("\"yes\"\n"))
        term.send(":q\n")
        #expect(term.waitForExit() == 0)
    }
}
