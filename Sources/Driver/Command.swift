import ArgumentParser

/// The `cdsa` command line. Later issues add the REPL (no arguments), `run` and `check`.
public struct CDSACommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cdsa",
        abstract: "A scripting language and REPL for conservative test-time correction of offline-RL policies.",
        version: Versions.summary
    )

    public init() {}

    public func run() throws {
        print(Versions.summary)
    }
}
