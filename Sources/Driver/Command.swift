// The command line: `cdsa` (the REPL, or plain lines when stdin is piped), `cdsa run`
// (also `cdsa script.cdsa`), `cdsa check`, `cdsa --version`. Exit codes are
// Language.ExitCode: 0 ok, 64 usage, 65 compile error, 70 runtime error, 130 Ctrl-C.

import ArgumentParser
import Bindings
import Foundation
import Language

/// `--threads N`: how many cores the engine's products may use (default: all of them).
struct ThreadsOption: ParsableArguments {
    @Option(help: ArgumentHelp("Cores the engine may use for large products (default: every core).", valueName: "n"))
    var threads: Int?

    func validate() throws {
        // One line, like cdsa's other usage errors: a ValidationError would add the usage of
        // the root command (both levels decode --threads), even under `cdsa run`.
        guard let threads, !(1...256).contains(threads) else { return }
        Launch.report("cdsa: --threads must be between 1 and 256, got \(threads)\n")
        throw ArgumentParser.ExitCode(Language.ExitCode.usage.rawValue)
    }

    func apply() { if let threads { EngineControl.setThreads(threads) } }
}

public struct CDSACommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cdsa",
        abstract: "A scripting language and REPL for conservative test-time correction of offline-RL policies.",
        usage: "cdsa [<subcommand> | <script.cdsa>]",
        discussion: "With no subcommand, starts the REPL (or reads statements as a file is read when stdin is not a terminal); with a script, runs it as `cdsa run` does.",
        version: Versions.summary,
        subcommands: [RunCommand.self, CheckCommand.self, KernelsCommand.self]
    )

    @OptionGroup var threads: ThreadsOption

    public init() {}

    /// Runs the command line, where `cdsa script.cdsa …` means `cdsa run script.cdsa …` (as
    /// `python script.py` runs a script): the first argument that is not an option, if it
    /// names a .cdsa file or an existing file rather than a subcommand.
    public static func mainRunningScripts(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        EngineControl.startup()
        main(withScriptShortcut(arguments))
    }

    static func withScriptShortcut(_ arguments: [String]) -> [String] {
        var i = 0
        while i < arguments.count, arguments[i].hasPrefix("-") {
            // Options that take a value as the next argument.
            i += ["--threads", "--set", "--seed"].contains(arguments[i]) ? 2 : 1
        }
        guard i < arguments.count else { return arguments }
        let word = arguments[i]
        let subcommands = configuration.subcommands.map { $0.configuration.commandName } + ["help"]
        var isDirectory: ObjCBool = false
        let isFile = FileManager.default.fileExists(atPath: word, isDirectory: &isDirectory) && !isDirectory.boolValue
        guard !subcommands.contains(word), word.hasSuffix(".cdsa") || isFile else { return arguments }
        return ["run"] + arguments
    }

    public func run() throws {
        threads.apply()
        let code = isatty(STDIN_FILENO) == 1 ? REPL.interactive() : REPL.piped()
        if code != 0 { throw ArgumentParser.ExitCode(code) }
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a script.",
        discussion: """
        --set name=value replaces the value of a top-level `let name = literal` of the script \
        (number, string, bool, nil, list or record); --set cfg.field=value replaces one literal \
        field of a record. The value is read as a cdsa literal, or taken as text. It must \
        have the type of the literal it replaces. An unknown name is a usage error (64) that \
        lists the script's settable names. `cdsa script.cdsa` is `cdsa run script.cdsa`; \
        Ctrl-C exits with 130.
        """
    )

    @ArgumentParser.Argument(help: "The script to run.")
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a top-level config value.", valueName: "name=value"))
    var sets: [String] = []

    // `.unconditional`: `--seed -1` is a value, not an option.
    @Option(parsing: .unconditional, help: "Seed the session's random generator (as `seed(N)` would; default 0; may be negative).",
            transform: RunCommand.seed)
    var seed: UInt64?

    /// A seed as the language reads one: a negative number is its two's-complement UInt64
    /// (`seed(-1)`); up to UInt64.max is accepted too.
    static func seed(_ text: String) throws -> UInt64 {
        if let n = Int64(text) { return UInt64(bitPattern: n) }
        if let n = UInt64(text) { return n }
        throw ValidationError("--seed expects a whole number, got '\(text)'")
    }

    @OptionGroup var threads: ThreadsOption

    func run() throws {
        threads.apply()
        let file = file, sets = sets, seed = seed
        Launch.installInterruptHandler(batch: true)
        let code = Launch.onLargeStack { RunCommand.execute(file: file, sets: sets, seed: seed) }
        if code != 0 { throw ArgumentParser.ExitCode(code) }
    }

    static func execute(file: String, sets: [String], seed: UInt64?) -> Int32 {
        guard let read = Launch.readSource(file) else { return Language.ExitCode.usage.rawValue }
        do {
            var source = try read.get()
            let overrides = try sets.map { (s) throws(UsageError) in try Override(s) }
            source = try Overrides.apply(overrides, to: source)
            let session = try Launch.makeSession(seed: seed)
            try session.run(source)
            fflush(nil)
            return Language.ExitCode.ok.rawValue
        } catch let usage as UsageError {
            Launch.report("cdsa: \(usage)\n")
            return Language.ExitCode.usage.rawValue
        } catch let failure as Failure {
            Launch.report(failure)
            return failure.exitCode.rawValue
        } catch let d as Diagnostic {
            Launch.report(d.description)
            return d.exitCode.rawValue
        } catch {
            Launch.report("cdsa: \(error)\n")
            return Language.ExitCode.runtimeError.rawValue
        }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Parse and resolve a script without running it (imports are loaded; --set overrides are checked).")

    @ArgumentParser.Argument(help: "The script to check.")
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Check an override as `cdsa run` would apply it.", valueName: "name=value"))
    var sets: [String] = []

    func run() throws {
        let file = file, sets = sets
        let code = Launch.onLargeStack {
            guard let read = Launch.readSource(file) else { return Language.ExitCode.usage.rawValue }
            do {
                let overrides = try sets.map { (s) throws(UsageError) in try Override(s) }
                let source = try Overrides.apply(overrides, to: try read.get())
                _ = try Launch.makeSession().compile(source)
                return Language.ExitCode.ok.rawValue
            } catch let usage as UsageError {
                Launch.report("cdsa: \(usage)\n")
                return Language.ExitCode.usage.rawValue
            } catch let failure as Failure {
                Launch.report(failure)
                return failure.exitCode.rawValue
            } catch {
                Launch.report("cdsa: \(error)\n")
                return Language.ExitCode.compileError.rawValue
            }
        }
        if code != 0 { throw ArgumentParser.ExitCode(code) }
    }
}

struct KernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Show which of OpenBLAS's kernel sets cdsa uses on this machine, measuring them the first time.",
        discussion: """
        OpenBLAS picks kernels by CPU model; on some CPUs another set it ships runs cdsa's \
        products several times faster. This measures each set the CPU can run (a few seconds), \
        keeps the fastest in ~/.cache/cdsa/openblas-kernels.json ($CDSA_KERNELS_FILE) when it \
        beats OpenBLAS's pick by 15%, and every later start of cdsa uses it. OPENBLAS_CORETYPE, \
        when set, overrides the choice. scripts/setup runs this once.
        """)

    @Flag(help: "Measure again even when a choice is kept.")
    var again = false

    func run() throws {
        do {
            print(try EngineControl.kernelReport(again: again))
        } catch {
            Launch.report("cdsa: cannot keep the kernel choice: \(error)\n")
            throw ArgumentParser.ExitCode(Language.ExitCode.runtimeError.rawValue)
        }
    }
}
