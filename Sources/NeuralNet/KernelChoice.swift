import Autodiff
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which of OpenBLAS's kernel sets cdsa uses on this machine: measured once (`cdsa kernels`,
/// run by scripts/setup), kept in ~/.cache/cdsa/openblas-kernels.json ($CDSA_KERNELS_FILE),
/// and adopted at every start by re-executing with OPENBLAS_CORETYPE set — OpenBLAS reads
/// that variable only when it loads, before main. A non-empty OPENBLAS_CORETYPE wins.
///
/// Why: OpenBLAS picks kernels from the CPU model, and the pick can be several times slower
/// at cdsa's shapes than another kernel set the CPU also runs (see `BLAS.updateProductSpeed`).
/// Another kernel set sums in another order, so a run's numbers are the same bits only under
/// the same choice; runs record the kernels they used (`cdsa --version`, run manifests).
public enum KernelChoice {
    /// The argument that makes a cdsa executable print "<core> <GFLOP/s>" and exit.
    public static let measureFlag = "--measure-openblas-kernels"

    /// What is kept on disk.
    public struct Record: Codable, Equatable, Sendable {
        /// CPU model, instruction flags and OpenBLAS build: a record for another machine is ignored.
        public var machine: String
        /// The kernels OpenBLAS picks by itself, and the ones cdsa uses.
        public var openblas: String
        public var chosen: String
        /// GFLOP/s of an MLP update's products under each kernel set measured.
        public var speeds: [String: Double]
        /// Each set's largest error on those products (`BLAS.updateProductError`): above
        /// `tolerance` its results are wrong, and it is never chosen. A record without it
        /// (from before the check) is not trusted.
        public var errors: [String: Double]
    }

    /// The largest product error, in units of Σ|a·b|, that is rounding and not a wrong kernel
    /// (rounding stays below 1.5·10⁻⁵ at cdsa's shapes; a wrong kernel reads near 1).
    public static let tolerance = 1e-4

    public static var file: String {
        ProcessInfo.processInfo.environment["CDSA_KERNELS_FILE"]
            ?? NSHomeDirectory() + "/.cache/cdsa/openblas-kernels.json"
    }

    /// First thing in an executable's main: answers a measurement request from `choose`, or
    /// re-executes this program under the recorded kernels when they are not the ones loaded.
    /// Returns when there is nothing to do (or exec fails, which leaves OpenBLAS's own pick).
    public static func startup(_ arguments: [String] = CommandLine.arguments) {
        if arguments.count == 2, arguments[1] == measureFlag {
            print(BLAS.coreName, BLAS.updateProductSpeed(), BLAS.updateProductError())
            exit(0)
        }
        let forced = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) } ?? ""
        if !forced.isEmpty { refuseUnrunnable(forced); return }
        guard let record = recorded(),
              record.chosen.lowercased() != BLAS.coreName.lowercased() else { return }
        setenv("OPENBLAS_CORETYPE", record.chosen, 1)
        var argv = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        unsetenv("OPENBLAS_CORETYPE")
    }

    /// Stops with a one-line error when OPENBLAS_CORETYPE names kernels that `cdsa kernels`
    /// tried on this machine and could not run (they trap on an instruction the CPU lacks —
    /// OpenBLAS takes a forced name without checking).
    static func refuseUnrunnable(_ forced: String) {
        let name = forced.lowercased()
        guard name == BLAS.coreName.lowercased(), let record = recorded(),
              candidates().contains(where: { $0.lowercased() == name }),
              !record.speeds.keys.contains(where: { $0.lowercased() == name }) else { return }
        let ran = record.speeds.keys.sorted().joined(separator: ", ")
        FileHandle.standardError.write(Data("cdsa: OPENBLAS_CORETYPE=\(forced): this CPU cannot run those kernels (`cdsa kernels` tried them; it runs \(ran)); unset it or name one of those\n".utf8))
        exit(64)
    }

    /// The record for this machine, if one was kept.
    public static func recorded() -> Record? {
        guard let data = FileManager.default.contents(atPath: file),
              let record = try? JSONDecoder().decode(Record.self, from: data),
              record.machine == machine else { return nil }
        return record
    }

    /// Measures OpenBLAS's own pick and every other kernel set this CPU can run, each in a
    /// child process of `executable` (which must call `startup` first), and keeps the
    /// choice `decide` makes. The record is written atomically.
    public static func choose(executable: String) throws -> Record {
        var speeds: [String: Double] = [:], errors: [String: Double] = [:]
        var openblas = BLAS.coreName
        for core in [nil] + candidates() {
            guard let (name, speed, error) = measure(executable: executable, core: core) else { continue }
            if core == nil { openblas = name }
            // OpenBLAS falls back to its own pick for a name it cannot use: skip the repeat.
            if core == nil || name.lowercased() == core!.lowercased() { (speeds[name], errors[name]) = (speed, error) }
        }
        let chosen = decide(openblas: openblas, speeds: speeds, errors: errors)
        let record = Record(machine: machine, openblas: openblas, chosen: chosen, speeds: speeds, errors: errors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let folder = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try writeAtomically([UInt8](try encoder.encode(record)) + [10], to: file)
        return record
    }

    /// Among the kernel sets whose products are right (error ≤ `tolerance`), the fastest when
    /// it beats OpenBLAS's pick by 15% or more, else OpenBLAS's pick; the fastest right one
    /// when OpenBLAS's pick computes wrong results; OpenBLAS's pick when none is right.
    static func decide(openblas: String, speeds: [String: Double], errors: [String: Double]) -> String {
        let right = speeds.filter { (errors[$0.key] ?? .infinity) <= tolerance }
        guard let best = right.max(by: { $0.value < $1.value }) else { return openblas }
        guard let base = right[openblas] else { return best.key }
        return best.value >= 1.15 * base ? best.key : openblas
    }

    /// One child's reading: the kernels it loaded, their speed and their largest error.
    static func measure(executable: String, core: String?) -> (String, Double, Double)? {
        let process = Process(), pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [measureFlag]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = core
        process.environment = environment
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let words = String(decoding: output, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard process.terminationStatus == 0, words.count == 3, let speed = Double(words[1]), let error = Double(words[2]) else { return nil }
        return (String(words[0]), speed, error)
    }

    /// Kernel sets worth trying, by the instructions they need (a missing one would trap).
    static func candidates() -> [String] {
        let flags = Set(cpuInfo("flags").split(separator: " ").map(String.init))
        var cores: [String] = []
        if flags.contains("avx512f") && flags.contains("avx512vl") { cores.append("SkylakeX") }
        if flags.isSuperset(of: ["avx2", "fma"]) { cores += ["Haswell", "Zen", "Excavator"] }
        if flags.contains("avx") { cores.append("Sandybridge") }
        return cores + ["Nehalem"]
    }

    /// This machine, as far as the choice goes: CPU model, its flags (hashed) and OpenBLAS's build.
    static var machine: String {
        let flags = SHA256.hash(Array(cpuInfo("flags").utf8)).prefix(16)
        // The configuration names the kernels loaded: leave them out, they are what is chosen.
        let build = BLAS.configuration.split(separator: " ").filter { $0 != BLAS.coreName }.joined(separator: " ")
        return "\(cpuInfo("model name")) | flags \(flags) | \(build)"
    }

    /// A field of the first processor in /proc/cpuinfo ("" when absent).
    static func cpuInfo(_ field: String) -> String { firstProcessor[field] ?? "" }

    /// /proc/cpuinfo's first processor, read once: every start of cdsa asks for it.
    static let firstProcessor: [String: String] = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [:] }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }   // a blank line ends the first processor
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            fields[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }()
}
