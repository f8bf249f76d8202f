// Bindings: the engine's registration tables for the language, and the one entry point
// the driver calls. Each engine library is one table (TensorLibrary, NetworkLibrary,
// DataLibrary, EnvLibrary); `:help`, completion and docs/language.md read the same tables.

import Autodiff
import Foundation
import Language
import NeuralNet
import OfflineRL
import Reports
import Simulation

/// What the engine's built-ins share within one session: the one seeded random generator
/// every sampling built-in draws from, and the one cancellation token that Ctrl-C sets.
public final class EngineState {
    /// The session's only source of randomness; `seed(n)` replaces it.
    public var rng: RandomGenerator
    /// Polled by long built-ins and by the interpreter's cancellation hook.
    public let cancellation: CancellationToken
    /// What a name meant before an engine built-in of the same name was installed
    /// (`sum` from the prelude, `exp` from the core library…): non-tensor calls go there.
    var previous: [String: Value] = [:]
    /// cdsa's and its libraries' versions, and the command line, for run manifests (the
    /// driver fills them in).
    public var versions: [String: String] = [:]
    public var commandLine: [String] = []
    /// stdlib/behaviour: the behaviour policies cdsa's locomotion datasets are made from.
    public var behaviourFolder: String?

    public init(seed: UInt64 = 0, cancellation: CancellationToken = .interrupt) {
        rng = RandomGenerator(seed: seed)
        self.cancellation = cancellation
    }

    /// A seed from the session's stream for a call that names none: below 2^49, so the
    /// number a script reads back (`p.seed`) is exact and can be passed again.
    func drawSeed() -> UInt64 { rng.next() >> 15 }

    /// Restarts the session's random stream (`seed(n)`, `cdsa run --seed n`).
    public func reseed(_ seed: UInt64) { rng = RandomGenerator(seed: seed) }

    /// A generator for one call: a fresh one when the call names a seed, else the session's.
    func withGenerator<R>(_ seed: Value, _ body: (inout RandomGenerator) throws -> R) throws -> R {
        if case .number(let s) = seed {
            var local = RandomGenerator(seed: UInt64(bitPattern: Int64(s)))
            return try body(&local)
        }
        return try body(&rng)
    }
}

/// The engine's registration tables, in the order they are installed. Tables built
/// without a session (for docs or completion) work, but their built-ins fall back to
/// nothing for non-tensor arguments.
public func engineLibraries(_ state: EngineState = EngineState()) -> [Library] {
    [TensorLibrary.library(state), NetworkLibrary.library(state), DataLibrary.library(state), EnvLibrary.library(state),
     TrainLibrary.library(state), CorrectorLibrary.library(state)]
}

/// Installs the engine into a session: registers every table (after the prelude, so
/// `sum`, `mean`, `exp`… extend to tensors and keep their meaning for lists and numbers)
/// and wires the interpreter's cancellation hook to the same token the engine polls.
@discardableResult
public func installEngine(into session: Session, seed: UInt64 = 0,
                          cancellation: CancellationToken = .interrupt) -> EngineState {
    let state = EngineState(seed: seed, cancellation: cancellation)
    let libraries = engineLibraries(state)
    for library in libraries {
        for b in library.entries {
            if let old = session.globals[b.name] { state.previous[b.name] = old }
        }
    }
    for library in libraries { session.interpreter.register(library) }
    // One mechanism: the hook reads (and, like `check()`, clears) the engine's token.
    session.interpreter.isCancelled = { [cancellation] in
        guard cancellation.isCancelled else { return false }
        cancellation.reset()
        return true
    }
    return state
}

extension EngineState {
    /// Calls what `name` meant before the engine took it over (the prelude's `sum`…).
    func fallback(_ name: String, _ a: Arguments, _ values: [Value]) throws -> Value {
        guard let old = previous[name] else {
            throw a.bad(0, "tensor expected, got \(values.first?.typeName ?? "no value")")
        }
        return try a.interpreter.call(old, CallArguments(values))
    }

    /// Throws "interrupted" if Ctrl-C was pressed (clearing it for the next evaluation).
    func checkCancelled() throws {
        do { try cancellation.check() } catch { throw ScriptError("interrupted") }
    }
}

/// Runs engine code for the built-in or operator `name`, turning the engine's errors into
/// the one message style, `name: what went wrong`. Errors from cdsa code that the engine
/// called back (a loss function) pass through untouched.
@inline(__always)
func engine<R>(_ name: String, _ body: () throws -> R) throws -> R {
    do { return try body() } catch {
        throw engineError(error, in: name) ?? error
    }
}

/// The cdsa message for an engine error, or nil if `error` is not the engine's.
func engineError(_ error: any Error, in name: String) -> ScriptError? {
    switch error {
    case TensorError.shapeMismatch(_, let detail), TensorError.invalidArgument(_, let detail):
        return ScriptError("\(name): \(detail)")
    case TensorError.cancelled: return ScriptError("interrupted")
    case let e as TensorError: return ScriptError("\(name): \(e)")
    case let e as DatasetError: return ScriptError("\(name): \(e)")
    case let e as SafeTensorsError: return ScriptError("\(name): \(e)")
    case let e as AtomicWriteError: return ScriptError("\(name): \(e)")
    case let e as CheckpointError: return ScriptError("\(name): \(e)")
    case let e as FileFormatError: return ScriptError("\(name): \(e)")
    case let e as SimulationError: return ScriptError("\(name): \(e)")
    case let e as MazeError: return ScriptError("\(name): \(e)")
    case let e as ScoreError: return ScriptError("\(name): \(e)")
    case let e as EvaluationError: return ScriptError("\(name): \(e)")
    case TrainingError.interrupted: return ScriptError("\(name): \(error)", interrupted: true)
    case let e as TrainingError: return ScriptError("\(name): \(e)")
    default: return nil
    }
}

/// What the driver needs of the engine beyond the language: threads, Ctrl-C and versions.
/// (The driver imports only Language and Bindings.)
public enum EngineControl {
    /// Caps the threads the engine's products and passes use (`--threads`).
    public static func setThreads(_ n: Int) { BLAS.setThreads(n) }

    /// The C libraries the engine is linked against, with their own version strings.
    public static var libraryVersions: [(String, String)] {
        [("OpenBLAS", BLAS.coreName + " kernels"), ("MuJoCo", mujocoVersion), ("HDF5", hdf5Version)]
    }

    /// Answers a kernel measurement or re-executes under this machine's kernel choice
    /// (NeuralNet's KernelChoice); the first call of an executable's main.
    public static func startup() { KernelChoice.startup() }

    /// This machine's kept kernel choice as `cdsa kernels` prints it, measured now when
    /// there is none (or `again`).
    public static func kernelReport(again: Bool) throws -> String {
        let kept = again ? nil : KernelChoice.recorded()
        let record = try kept ?? KernelChoice.choose(executable: "/proc/self/exe")
        let base = record.speeds[record.openblas] ?? .nan
        var lines = ["OpenBLAS kernels on this machine, GFLOP/s of an MLP update's products (1 thread)" +
                     (kept == nil ? ":" : ", as measured before (--again measures anew):")]
        // OPENBLAS_CORETYPE, when set, overrides the choice in every cdsa started with it.
        let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 }
        let overridden = forced != nil && BLAS.coreName.lowercased() != record.chosen.lowercased()
        for (core, speed) in record.speeds.sorted(by: { $0.value > $1.value }) {
            let error = record.errors[core] ?? .infinity
            let notes = [core == record.openblas ? "OpenBLAS's pick" : nil,
                         core == record.chosen ? (overridden ? "cdsa's choice" : "used by cdsa") : nil,
                         overridden && core.lowercased() == BLAS.coreName.lowercased() ? "used (OPENBLAS_CORETYPE)" : nil,
                         error > KernelChoice.tolerance ? "WRONG RESULTS (error \(String(format: "%.1g", error)) of Σ|a·b|)" : nil].compactMap { $0 }
            lines.append("  " + core.padding(toLength: 12, withPad: " ", startingAt: 0)
                         + String(format: "%6.1f  %4.2f×", speed, speed / base)
                         + (notes.isEmpty ? "" : "  " + notes.joined(separator: ", ")))
        }
        if (record.errors[record.chosen] ?? .infinity) > KernelChoice.tolerance {
            lines.append("warning: every kernel set measured computes wrong products here; cdsa's numbers cannot be trusted on this machine")
        }
        lines.append("(each set's products checked against exact sums; one erring by more than \(KernelChoice.tolerance) of Σ|a·b| is never used)")
        if overridden, let forced {
            let speed = record.speeds.first { $0.key.lowercased() == BLAS.coreName.lowercased() }?.value
            let ratio = speed.map { String(format: ", at %.2f× the speed of", $0 / (record.speeds[record.chosen] ?? .nan)) } ?? ", not"
            lines.append("OPENBLAS_CORETYPE=\(forced) is set and overrides the choice: cdsa started with it runs \(BLAS.coreName)'s kernels\(ratio) \(record.chosen)'s; unset it to use those")
        }
        lines.append("kept in \(KernelChoice.file)")
        return lines.joined(separator: "\n")
    }

    /// Ctrl-C's flag (`CancellationToken.interrupt`), which every long engine loop polls.
    /// `requestInterrupt` is an atomic store, safe in a signal handler.
    public static func requestInterrupt() { CancellationToken.interrupt.cancel() }
    public static var interruptRequested: Bool { CancellationToken.interrupt.isCancelled }
    public static func clearInterrupt() { CancellationToken.interrupt.reset() }
}
