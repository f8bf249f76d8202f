// The driver's pieces in-process: the --set rule and what Tab offers.

import Language
import Testing
@testable import Driver

struct OverrideTests {
    func apply(_ script: String, _ sets: [String]) throws -> String {
        let source = try Source(path: "s.cdsa", text: script)
        return try Overrides.apply(sets.map { try Override($0) }, to: source).text
    }

    @Test func replacesTheLiteralTextOnly() throws {
        let script = "let n = 10  # steps\nlet env = \"hopper\"\nlet cfg = {lr: 0.1, tags: [\"a\"]}\nprint(n)\n"
        #expect(try apply(script, ["n=3", "env=walker", "cfg.tags=[]"])
                == "let n = 3  # steps\nlet env = \"walker\"\nlet cfg = {lr: 0.1, tags: []}\nprint(n)\n")
        #expect(try apply(script, ["env=\"quoted \\\" text\""]).contains("let env = \"quoted \\\" text\"\n"))
        #expect(try apply(script, ["env=a\"b"]).contains("let env = \"a\\\"b\"\n"))
        #expect(try apply(script, ["n=-2.5e-3"]).hasPrefix("let n = -2.5e-3  #"))
    }

    @Test func onlyTopLevelLiteralsAreSettable() throws {
        let script = "let a = 1\nlet b = a + 1\nfn f() { let c = 3 }\nlet d = [1, a]\nlet e = nil\nlet a = 5\n"
        let (syntax, _) = Parser.parse(try Source(path: "s.cdsa", text: script))
        #expect(Overrides.settings(of: syntax).map(\.name) == ["a", "e"])
        #expect(try apply(script, ["e=anything"]).contains("let e = \"anything\""))
        #expect(try apply(script, ["e=[1, 2]"]).contains("let e = [1, 2]"))
        // The first `let` of a name is the setting, and a later one would replace the value set.
        #expect(try apply("let a = 1\nprint(a)\n", ["a=7"]).hasPrefix("let a = 7\n"))
        #expect(throws: UsageError("--set a: s.cdsa binds 'a' again on line 6, so the value set would not be the one it uses")) {
            try apply(script, ["a=7"])
        }
        #expect(throws: UsageError.self) { try apply("let a = 1\na = 2\n", ["a=7"]) }
        // So would a later assignment of the field set, or of a record on the way to it.
        let cfg = "let cfg = {lr: 0.01, net: {width: 8}}\ncfg.lr = 0.5\ncfg.net = {width: 4}\n"
        #expect(throws: UsageError("--set cfg.lr: s.cdsa binds 'cfg.lr' again on line 2, so the value set would not be the one it uses")) {
            try apply(cfg, ["cfg.lr=0.2"])
        }
        #expect(throws: UsageError.self) { try apply(cfg, ["cfg.net.width=16"]) }
        #expect(try apply("let cfg = {lr: 0.01, n: 1}\ncfg.n = 2\n", ["cfg.lr=0.2"]).hasPrefix("let cfg = {lr: 0.2, n: 1}"))
        #expect(throws: UsageError.self) { try apply(script, ["b=1"]) }
        #expect(throws: UsageError.self) { try apply(script, ["a=\"one\""]) }
        #expect(throws: UsageError.self) { try apply(script, ["a.x=1"]) }
    }
}

@Suite struct CompletionTests {
    let session: Session
    init() throws {
        session = try Launch.makeSession()
        try session.run(Source(path: "<repl>", text: "let cfg = {steps: 1, step_size: 2, nested: {deep: 3}}\nlet learning_rate = 1"))
    }

    func words(_ before: String, _ word: String) -> [String] {
        if case .words(let w) = Completer(session: session).complete(before: before, word: word) { return w }
        return ["<files>"]
    }

    @Test func namesFieldsCommandsAndFiles() {
        #expect(words("", "learn") == ["learning_rate"])
        #expect(words("print(", "le").contains("len"))
        #expect(words("", "whi") == ["while"])
        #expect(words("", "cfg.st") == ["cfg.steps", "cfg.step_size"])
        #expect(words("", "cfg.nested.") == ["cfg.nested.deep"])
        #expect(words("", "nothing.") == [])
        #expect(words("", ":he") == [":help"])
        #expect(words(":help ", "map") == ["map"])
        #expect(words("load(\"", "data/") == ["<files>"])
        #expect(words("load(\"a\", ", "le").contains("len"))
        #expect(Completer.commonPrefix(["cfg.steps", "cfg.step_size"]) == "cfg.step")
    }
}
