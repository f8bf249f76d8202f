// The Swift-facing API the bindings, REPL and driver build on.

import Foundation
import GoldenSupport
import Language
import Testing

/// A stand-in for an engine tensor: a vector with +, *, @, -x, .shape, indexing, calling.
final class FakeVector: ForeignValue {
    let items: [Double]
    init(_ items: [Double]) { self.items = items }
    var typeName: String { "vector" }
    var summary: String { "vector [\(items.count)]" }
    var fieldNames: [String] { ["shape"] }

    func binary(_ op: BinaryOperator, _ other: Value, selfOnLeft: Bool) throws -> Value? {
        let rhs: [Double]
        switch other {
        case .number(let x): rhs = Array(repeating: x, count: items.count)
        case .foreign(let v as FakeVector): rhs = v.items
        default: return nil
        }
        guard rhs.count == items.count else { throw ScriptError("shape mismatch: [\(items.count)] and [\(rhs.count)]") }
        switch op {
        case .add: return .foreign(FakeVector(zip(items, rhs).map(+)))
        case .multiply: return .foreign(FakeVector(zip(items, rhs).map(*)))
        case .matmul: return .number(zip(items, rhs).map(*).reduce(0, +))
        default: return nil
        }
    }
    func negate() throws -> Value? { .foreign(FakeVector(items.map { -$0 })) }
    func field(_ name: String) throws -> Value? { name == "shape" ? .list(List([.number(Double(items.count))])) : nil }
    func index(_ index: Value) throws -> Value? {
        guard case .number(let i) = index, Int(i) < items.count else { return nil }
        return .number(items[Int(i)])
    }
    func call(_ arguments: CallArguments, interpreter: Interpreter) throws -> Value? {
        guard case .number(let x)? = arguments.positional.first else { throw ScriptError("vector call expects a number") }
        return .foreign(FakeVector(items.map { $0 * x }))
    }
}

var vectorLibrary: Library { Library(name: "vectors", entries: [
    Builtin("vec", [.init("items", .list)], doc: "A vector from a list of numbers.") { a in
        .foreign(FakeVector(try a.list(0).items.map { if case .number(let x) = $0 { x } else { 0 } }))
    },
    Builtin("norm1", [.init("v", .foreign("vector"))], doc: "Sum of absolute values.") { a in
        guard case .foreign(let v as FakeVector) = a[0] else { return .nil }
        return .number(v.items.map(abs).reduce(0, +))
    },
]) }

/// Swift text as a source (tests only write valid text).
func src(path: String = "t", _ text: String) -> Source { try! Source(path: path, text: text) }

func session(_ out: @escaping (String) -> Void = { _ in }, libraries: [Library] = []) throws -> Session {
    try Session(importer: FileImporter(stdlibDirectory: Repository.stdlib), libraries: libraries, output: out)
}

@Suite struct APITests {
    @Test func foreignValuesDispatchOperatorsFieldsIndexingAndCalls() throws {
        var out = ""
        let s = try session({ out += $0 }, libraries: [vectorLibrary])
        try s.run(src(path: "t", """
            let v = vec([1, 2, 3])
            print(v + 1, (v * v)[2], v @ v, (-v)[0], v.shape, v(10)[1], type(v), norm1(-v))
            print([v])
            """))
        #expect(out == "vector [3] 9 14 -1 [3] 20 vector 6\n[vector [3]]\n")
    }

    @Test func foreignErrorsAndKindChecksUseOneStyle() throws {
        let s = try session(libraries: [vectorLibrary])
        for (text, message) in [
            ("vec([1]) + vec([1, 2])", "shape mismatch: [1] and [2]"),
            ("vec([1]) - 1", "operator '-' not defined for vector and number"),
            ("norm1(3)", "bad argument #1 to 'norm1' (vector expected, got number)"),
            ("vec([1]).size", "vector has no field 'size'"),
        ] {
            #expect(throws: Failure.self) { try s.run(src(path: "t", text)) }
            do { try s.run(src(path: "t", text)) } catch {
                #expect(error.diagnostics.map(\.message) == [message])
                #expect(error.exitCode == .runtimeError)
            }
        }
    }

    @Test func cancellationHookStopsARunawayLoop() throws {
        let s = try session()
        var polls = 0
        s.interpreter.isCancelled = { polls += 1; return polls > 3 }
        do {
            try s.run(src(path: "loop.cdsa", "let i = 0\nwhile true { i += 1 }"))
            Issue.record("expected an interruption")
        } catch {
            #expect(error.diagnostics.first?.message == "interrupted")
        }
        // Variables survive the interruption, and the next run starts fresh.
        s.interpreter.isCancelled = nil
        #expect(try s.run(src(path: "t", "i > 0"))?.description == "true")
    }

    @Test func cancellationHookStopsRunawayRecursionWithoutLoops() throws {
        let s = try session()
        var polls = 0
        s.interpreter.isCancelled = { polls += 1; return polls > 2 }
        #expect(throws: Failure.self) {
            try s.run(src(path: "t", "fn f(n) = 0 if n < 0 else f(n - 1) + f(n - 1)\nf(60)"))
        }
    }

    @Test func errorsInDeepRecursionLeaveTheSessionUsable() throws {
        let s = try session()
        for _ in 0..<50 {
            #expect(throws: Failure.self) {
                try s.run(src("fn f(n) = error(\"deep\") if n == 0 else 1 + f(n - 1)\nf(900)"))
            }
        }
        let v = try s.run(src("fn g(n) = 0 if n == 0 else 1 + g(n - 1)\ng(990)"))
        #expect(v?.description == "990")
    }

    @Test func globalsPersistAcrossRunsLikeAREPL() throws {
        let s = try session()
        try s.run(src(path: "<repl>", "let x = 20\nfn twice(y) = 2 * y"))
        let v = try s.run(src(path: "<repl>", "twice(x) + 2"))
        #expect(v?.description == "42")
        #expect(s.globals["x"]?.description == "20")
        #expect(try s.run(src(path: "<repl>", "let z = 1")) == nil)
    }

    @Test func incompleteInputIsFlaggedForAContinuationPrompt() throws {
        let s = try session()
        for text in ["fn f(x) {", "let xs = [1, 2,", "print(\"a", "let y = (1 +"] {
            do {
                try s.run(src(path: "<repl>", text))
                Issue.record("\(text) should not compile")
            } catch {
                #expect(error.isIncompleteInput, "\(text)")
            }
        }
        do { try s.run(src(path: "<repl>", "let = 1")) } catch { #expect(!error.isIncompleteInput) }
    }

    @Test func importerCanBeInjected() throws {
        struct Memory: Importer {
            func load(_ name: String, from importer: String?) throws -> Source {
                if name == "prelude" { return src(path: "prelude", "") }
                guard name == "consts" else { throw ScriptError("no module '\(name)'") }
                return src(path: "consts.cdsa", "let answer = 42")
            }
        }
        var out = ""
        let s = try Session(importer: Memory(), output: { out += $0 })
        try s.run(src(path: "main.cdsa", "import \"consts\"\nprint(answer)"))
        #expect(out == "42\n")
    }

    @Test func exitCodesAreTheSysexitsValues() {
        #expect(ExitCode.ok.rawValue == 0)
        #expect(ExitCode.usage.rawValue == 64)
        #expect(ExitCode.compileError.rawValue == 65)
        #expect(ExitCode.runtimeError.rawValue == 70)
        #expect(ExitCode.interrupted.rawValue == 130)
        #expect(run("1 +").exitCode == .compileError)
        #expect(run("error(\"x\")").exitCode == .runtimeError)
        #expect(run("1").exitCode == .ok)
    }

    @Test func builtinsAreCallableFromSwiftWithCallbacks() throws {
        let s = try session()
        let double = try #require(try s.run(src(path: "t", "fn(x) = x * 2")))
        let r = try s.interpreter.call(double, CallArguments([.number(4)]))
        #expect(r.description == "8")
        let kw = try s.interpreter.call(s.globals["sort"]!, CallArguments([.list(List([.number(2), .number(1)]))],
                                                                          keywords: [("key", double)]))
        #expect(kw.repr == "[1, 2]")
    }

    @Test func valueStaysSmall() {
        #expect(MemoryLayout<Value>.size <= 17)
    }
}

@Suite struct DocumentationTests {
    static let docs: String = {
        let root = Repository.root
        return (try? String(contentsOf: root.appendingPathComponent("docs/language.md"), encoding: .utf8)) ?? ""
    }()

    /// Every registered built-in has an entry `name(params)` in docs/language.md.
    @Test(arguments: CoreLibrary.library.entries.map(\.signature))
    func everyBuiltinIsDocumented(_ signature: String) {
        #expect(DocumentationTests.docs.contains("`\(signature)`"), "docs/language.md lacks `\(signature)`")
    }

    /// Every prelude function is documented too.
    @Test func everyPreludeFunctionIsDocumented() throws {
        let prelude = try String(contentsOfFile: Repository.stdlib + "/prelude.cdsa", encoding: .utf8)
        let names = prelude.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("fn ") else { return nil }
            return String(line.dropFirst(3).prefix { $0 != "(" })
        }
        #expect(names.count >= 10)
        for name in names { #expect(DocumentationTests.docs.contains("`\(name)("), "prelude \(name) undocumented") }
    }
}
