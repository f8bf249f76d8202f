import Bindings
import CReadline

/// The versions of cdsa and of the C libraries it is linked against, as `--version` prints them.
public enum Versions {
    public static let cdsa = "0.1.0"

    public static var libraries: [(String, String)] {
        EngineControl.libraryVersions + [("readline", String(cString: cdsa_rl_library_version()))]
    }

    public static var summary: String {
        "cdsa \(cdsa)\n" + libraries.map { "  \($0.0) \($0.1)" }.joined(separator: "\n")
    }
}
