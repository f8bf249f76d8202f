// The command line: `cdsa` (the REPL, or plain lines when stdin is piped), `cdsa run`,
// `cdsa check`, `cdsa --version`. Exit codes are Language.ExitCode: 0 ok, 64 usage,
// 65 compile error, 70 runtime error.

import ArgumentParser
import Autodiff
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

    func apply() { if let threads { BLAS.setThreads(threads) } }
}

public struct CDSACommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cdsa",
        abstract: "A scripting language and REPL for conservative test-time correction of offline-RL policies.",
        usage: "cdsa [<subcommand>]",
        discussion: "With no subcommand, starts the REPL (or reads statements line by line when stdin is not a terminal).",
        version: Versions.summary,
        subcommands: [RunCommand.self, CheckCommand.self]
    )

    @OptionGroup var threads: ThreadsOption

    public init() {}

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
        (number, string, bool, nil, list or record); --set cfg.field=value replaces one field \
        of a record literal. The value is read as a cdsa literal, or taken as text. It must \
        have the type of the literal it replaces. An unknown name is a usage error (64) that \
        lists the script's settable names.
        """
    )

    @ArgumentParser.Argument(help: "The script to run.")
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a top-level config value.", valueName: "name=value"))
    var sets: [String] = []

    @Option(help: "Seed the session's random generator (as `seed(N)` would; default 0).")
    var seed: Int?

    @OptionGroup var threads: ThreadsOption

    func run() throws {
        threads.apply()
        let file = file, sets = sets, seed = seed
        Launch.installInterruptHandler(batch: true)
        let code = Launch.onLargeStack { RunCommand.execute(file: file, sets: sets, seed: seed) }
        if code != 0 { throw ArgumentParser.ExitCode(code) }
    }

    static func execute(file: String, sets: [String], seed: Int?) -> Int32 {
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
        abstract: "Parse and resolve a script without running it (imports are loaded).")

    @ArgumentParser.Argument(help: "The script to check.")
    var file: String

    func run() throws {
        let file = file
        let code = Launch.onLargeStack {
            guard let read = Launch.readSource(file) else { return Language.ExitCode.usage.rawValue }
            do {
                _ = try Launch.makeSession().compile(try read.get())
                return Language.ExitCode.ok.rawValue
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
