// Session: the pipeline on one screen — source → parse → (imports) → resolve → run —
// stopping after a stage that reported errors. It owns the globals, so a REPL runs one
// line after another in the same session; the prelude is loaded when it starts.

import Foundation

/// Finds the source of `import "name"`.
public protocol Importer {
    /// `importer` is the path of the importing file (nil for REPL input).
    func load(_ name: String, from importer: String?) throws -> Source
}

/// Looks in the importing file's folder, then in the stdlib folder; ".cdsa" is implied.
public struct FileImporter: Importer {
    public var stdlibDirectory: String?
    public init(stdlibDirectory: String?) { self.stdlibDirectory = stdlibDirectory }

    public func load(_ name: String, from importer: String?) throws -> Source {
        let file = name.hasSuffix(".cdsa") ? name : name + ".cdsa"
        var folders: [String] = []
        if let importer { folders.append((importer as NSString).deletingLastPathComponent) }
        if let stdlibDirectory { folders.append(stdlibDirectory) }
        for folder in folders {
            let path = folder.isEmpty ? file : (folder as NSString).appendingPathComponent(file)
            if let data = FileManager.default.contents(atPath: path) {
                return try Source(path: path, bytes: [UInt8](data))
            }
        }
        throw ScriptError("cannot find module '\(name)' (looked beside the importing file and in the stdlib folder)")
    }
}

public final class Session {
    public let interpreter: Interpreter
    public var importer: any Importer
    private var loaded: Set<String> = []
    private var loading: [String] = []

    /// A session with the core library and, if `prelude` is true, stdlib/prelude.cdsa.
    public init(importer: any Importer = FileImporter(stdlibDirectory: nil), libraries: [Library] = [],
                prelude: Bool = true, output: @escaping (String) -> Void = { Swift.print($0, terminator: "") }) throws {
        interpreter = Interpreter(output: output)
        self.importer = importer
        interpreter.register(CoreLibrary.library)
        for library in libraries { interpreter.register(library) }
        if prelude { try load(module: "prelude", from: nil, at: nil) }
        interpreter.globals.markLibraries()
    }

    public var globals: Globals { interpreter.globals }

    /// Reads and runs a file (for `cdsa run`).
    public func run(file path: String) throws -> Value? {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScriptError("cannot read '\(path)'")
        }
        let source: Source
        do { source = try Source(path: path, bytes: [UInt8](data)) } catch { throw Failure([error]) }
        return try run(source)
    }

    /// Parses, loads imports, resolves and runs. Throws `Failure` with every diagnostic of
    /// the first stage that failed. Returns the last expression statement's value.
    @discardableResult
    public func run(_ source: Source) throws(Failure) -> Value? {
        let program = try compile(source)
        do { return try interpreter.run(program) } catch { throw Failure([error]) }
    }

    /// Parse and resolve only (`cdsa check`); imports are loaded so their names resolve.
    public func compile(_ source: Source) throws(Failure) -> ResolvedProgram {
        let (syntax, syntaxErrors) = Parser.parse(source)
        if !syntaxErrors.isEmpty { throw Failure(syntaxErrors) }
        for case .import(let name, let span) in syntax.statements {
            try load(module: name, from: source, at: span)
        }
        let (program, resolveErrors) = Resolver.resolve(syntax, globals: interpreter.globals)
        if !resolveErrors.isEmpty { throw Failure(resolveErrors) }
        return program
    }

    /// Runs a module once per session; a cycle or a missing module is a compile error.
    private func load(module name: String, from importer: Source?, at span: Span?) throws(Failure) {
        func fail(_ message: String) -> Failure {
            guard let importer, let span else { return Failure([Diagnostic(phase: .resolve, message: message, path: name)]) }
            return Failure([Diagnostic(phase: .resolve, message: message, source: importer, span: span)])
        }
        let source: Source
        do { source = try self.importer.load(name, from: importer?.path) } catch let d as Diagnostic {
            throw Failure([d])
        } catch {
            throw fail("\(error)")
        }
        if loaded.contains(source.path) { return }
        if loading.contains(source.path) { throw fail("import cycle: \((loading + [source.path]).map { ($0 as NSString).lastPathComponent }.joined(separator: " → "))") }
        loading.append(source.path)
        defer { loading.removeLast() }
        try run(source)
        loaded.insert(source.path)
    }
}
