// One source of truth: every engine built-in has help text, is reachable by name in a
// session (for `:help` and completion), and is documented in docs/language.md with its
// exact signature.

import Bindings
import Foundation
import Language
import Testing

@Suite struct RegistrationTests {
    static var entries: [Builtin] { engineLibraries().flatMap(\.entries) }
    static let docs: String = {
        (try? String(contentsOf: repositoryRoot.appendingPathComponent("docs/language.md"), encoding: .utf8)) ?? ""
    }()

    @Test func tablesAreOnePerLibrary() {
        #expect(engineLibraries().map(\.name) == ["tensor", "nn", "data", "env", "train", "correct"])
        let names = Self.entries.map(\.name)
        #expect(Set(names).count == names.count, "a name is registered twice")
        #expect(names.count >= 50)
    }

    @Test(arguments: entries.map(\.name))
    func everyBuiltinHasHelp(_ name: String) throws {
        let (session, _) = try makeSession(output: { _ in }, cancellation: .init())
        let entry = try #require(session.interpreter.builtin(named: name), "'\(name)' not reachable for :help")
        #expect(entry.doc.count > 10 && entry.doc.hasSuffix("."), "'\(name)' needs a one-line doc ending in a period")
        #expect(!entry.doc.contains("\n"))
    }

    @Test(arguments: entries.map(\.signature))
    func everyBuiltinIsDocumented(_ signature: String) {
        #expect(Self.docs.contains("`\(signature)`"), "docs/language.md lacks `\(signature)`")
    }

    @Test func installingKeepsTheCoreMeaningOfSharedNames() {
        // sum/mean from the prelude and max/exp from the core library still work on numbers and lists.
        let outcome = run("print(sum([1, 2]), mean([2, 4]), max(3, 9), exp(0), std([1, 3]))")
        #expect(outcome.stdout == "3 3 9 1 1\n", "\(outcome.rendered)")
    }
}
