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

    /// Sends each input and waits for each of its expected outputs in turn; a pause
    /// before an input lets a running evaluation get going (so a ^C lands inside it).
    func converse(_ term: Terminal, _ lines: [(send: String, expect: [String], pause: Double)]) throws {
        for line in lines {
            if line.pause > 0 { Thread.sleep(forTimeInterval: line.pause) }
            term.send(line.send)
            for output in line.expect { try #require(term.expect(output), "waiting for \(output.debugDescription) after \(line.send.debugDescription)") }
        }
    }

    @Test func aSessionSurvivesErrorsAndCtrlC() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        write("", to: "weights_demo.safetensors", in: dir)
        let term = try start(in: dir)
        try converse(term, [
            ("", ["cdsa> "], 0),
            ("let answer = 42\n", ["cdsa> "], 0),
            // Tab completes a variable, then a record field.
            ("answ\t + 1\n", ["43\n"], 0),
            ("let cfg = {steps: 7, lr: 0.5}\n", ["cdsa> "], 0),
            ("cfg.st\t\n", ["cfg.steps", "\n7\n"], 0),
            // Inside a string, Tab completes file paths (and closes the string after a file).
            ("len(\"\(dir.path)/weights_de\t)\n", ["weights_demo.safetensors\")\n", "\(dir.path.count + 25)\n"], 0),
            // An unfinished statement asks for more with the continuation prompt.
            ("fn twice(x) {\n", ["...> "], 0),
            ("  return 2 * x\n", ["...> "], 0),
            ("}\n", ["cdsa> "], 0),
            ("twice(answer)\n", ["84\n"], 0),
            // An error is reported with a caret, and the REPL goes on.
            ("answer + nosuch\n", ["error: unknown name 'nosuch'", "^~~~~~", "cdsa> "], 0),
            // Ctrl-C stops a runaway loop; the loop's progress and the earlier variables survive.
            ("let i = 0\n", ["cdsa> "], 0),
            ("print(\"looping\"); while true { i += 1 }\n", ["looping\n"], 0),
            ("\u{03}", ["error: interrupted", "cdsa> "], 0.2),
            ("[answer, i > 0, twice(2)]\n", ["[42, true, 4]\n"], 0),
            // Ctrl-C at the prompt clears the line (also in the middle of a statement).
            ("this is not cdsa", [], 0),
            ("\u{03}", ["^C"], 0.3),
            ("answer\n", ["42\n"], 0),
            (":help len\n", ["len(x)\n  Number of items"], 0),
            // A line starting with `|>` continues the previous input's result: a value (`_`)…
            ("[3, 1, 2]\n", ["[3, 1, 2]\n"], 0),
            ("|> sort\n", ["[1, 2, 3]\n"], 0),
            ("  |> reversed\n", ["[3, 2, 1]\n"], 0),
            // … or the variable a `let` set, updated without running the `let` again.
            ("let calls = 0; fn next() { calls += 1; return [5, 4] }; let ys = next()\n", ["cdsa> "], 0),
            ("|> sort\n", ["cdsa> "], 0),
            ("[ys, calls, _]\n", ["[[4, 5], 1, [3, 2, 1]]\n"], 0),
            (":quit\n", [], 0),
        ])
        #expect(term.waitForExit() == 0)
        let history = try String(contentsOf: dir.appendingPathComponent("history"), encoding: .utf8)
        #expect(history.contains("let answer = 42\n"))
        #expect(history.contains("print(\"looping\"); while true { i += 1 }\n"))
    }

    /// Ctrl-C during training stops between updates, writes a checkpoint and returns to
    /// the prompt with the session intact; the run then resumes from its folder.
    @Test func ctrlCStopsATrainingRunResumably() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run").path, data = dir.appendingPathComponent("maze.hdf5").path
        let term = try start(in: dir)
        try converse(term, [
            ("", ["cdsa> "], 0),
            ("let d = maze_dataset(\"umaze\", 3000, seed=1, path=\"\(data)\")\n", ["cdsa> "], 0),
            ("let p = bc(d, steps=100000000, hidden=[32], run=\"\(run)\", progress=false)\n", [], 0),
            ("\u{03}", ["error: bc: interrupted at step ", " of 100000000; checkpoint written, resume(\"\(run)\") continues", "cdsa> "], 0.5),
            ("d.count\n", ["3000\n"], 0),
            ("let q = resume(\"\(run)\", steps=20, progress=false)\n", ["error: resume: the run is at step ", "past the 20 steps asked for", "cdsa> "], 0),
            (":quit\n", [], 0),
        ])
        #expect(term.waitForExit() == 0)
        #expect(FileManager.default.fileExists(atPath: run + "/checkpoint.safetensors"))
        let events = try String(contentsOf: URL(fileURLWithPath: run + "/events.jsonl"), encoding: .utf8)
        #expect(events.contains("\"event\":\"interrupted\""))
    }

    @Test func historyPersistsAcrossSessionsAndCtrlDQuits() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let term = try start(in: dir)
            try converse(term, [("", ["cdsa> "], 0), ("let remembered = \"yes\"\n", ["cdsa> "], 0), ("\u{04}", [], 0)])
            #expect(term.waitForExit() == 0)
        }
        let term = try start(in: dir)
        // Up-arrow (ESC [ A) recalls the previous session's line; a dumb terminal shows it.
        try converse(term, [
            ("", ["cdsa> "], 0),
            ("\u{1B}[A\n", ["let remembered = \"yes\""], 0),
            ("remembered\n", ["\"yes\"\n"], 0),
            (":q\n", [], 0),
        ])
        #expect(term.waitForExit() == 0)
    }
}
