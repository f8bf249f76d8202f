import Autodiff
import CHDF5
import CMuJoCo
import CReadline

/// The versions of cdsa and of the C libraries it is linked against, as `--version` prints them.
public enum Versions {
    public static let cdsa = "0.1.0"

    public static var libraries: [(String, String)] {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        H5get_libversion(&major, &minor, &release)
        return [
            ("OpenBLAS", BLAS.coreName + " kernels"),
            ("MuJoCo", String(cString: mj_versionString())),
            ("HDF5", "\(major).\(minor).\(release)"),
            ("readline", String(cString: cdsa_rl_library_version())),
        ]
    }

    public static var summary: String {
        "cdsa \(cdsa)\n" + libraries.map { "  \($0.0) \($0.1)" }.joined(separator: "\n")
    }
}
