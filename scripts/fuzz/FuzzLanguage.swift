// libFuzzer entry for the cdsa language core: lexer → parser → resolver → interpreter.
// Not part of the package (SwiftPM does not build scripts/); scripts/fuzz/run compiles it
// together with Sources/Language/*.swift into one binary with -sanitize=fuzzer,address.
//
// Each input is one script run in a fresh Session, like `cdsa run` does it:
// - on a worker thread with a 64 MB stack (the driver's size), so the language's own
//   bounds (call depth 1000, syntax nesting 200) are what is tested, not the fuzzer's stack;
// - with a step budget: the cancellation hook is polled every 64 loop iterations/calls and
//   stops the run ("interrupted") after 25 ms or once the input has grown the heap by 512 MB, so
//   every input terminates quickly and the rss limit is never reached by honest programs;
// - with `Interpreter.maxLength` (the longest string or list one operation may make)
//   lowered from 128 Mi to 1 Mi;
// - with no file I/O: the importer serves only in-memory modules (the prelude, read once
//   at start-up, and two tiny test modules, one of them an import cycle).

import Foundation

// ASan's live-heap counter (the fuzz binary is always built with -sanitize=address).
@_silgen_name("__sanitizer_get_current_allocated_bytes")
func sanitizerAllocatedBytes() -> Int

/// Modules from memory; anything else is "cannot find module".
struct MemoryImporter: Importer {
    let modules: [String: String]
    func load(_ name: String, from importer: String?) throws -> Source {
        guard let text = modules[name] else { throw ScriptError("cannot find module '\(name)'") }
        return try Source(path: name + ".cdsa", text: text)
    }
}

let preludeText: String = {
    let path = ProcessInfo.processInfo.environment["CDSA_PRELUDE"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("stdlib/prelude.cdsa").path
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        fatalError("fuzz: cannot read the prelude at \(path) (set CDSA_PRELUDE)")
    }
    return text
}()

let importer = MemoryImporter(modules: [
    "prelude": preludeText,
    "helpers": "let helper_name = \"helpers\"\nfn triple(x) = 3 * x\n",
    "cycle": "import \"cycle\"\nlet looped = 1\n",
])

/// Per-input limits: wall time, and heap growth during the input.
let timeBudgetNanoseconds: UInt64 = 25_000_000
let heapBudgetBytes = 512 << 20

/// Breaks the reference cycles a finished session leaves: compiled code holds the globals
/// that hold its functions, and scripts make cycles of their own (`append(xs, xs)`, a
/// recursive local function in its own frame). ARC never frees those, and the real driver
/// runs one session per process, so it does not matter there; here thousands of sessions
/// run in one process, so everything reachable from the globals is emptied after each input
/// (cycles that are no longer reachable still leak; LeakSanitizer is off for this reason).
func breakCycles(_ session: Session) {
    var seen = Set<ObjectIdentifier>()
    var lists: [List] = [], records: [Record] = [], frames: [Frame] = []
    let globals = session.globals
    var work: [Value] = (0..<globals.names.count).map { globals.values[$0] }
    while let v = work.popLast() {
        switch v {
        case .list(let l):
            if seen.insert(ObjectIdentifier(l)).inserted { lists.append(l); work += l.items }
        case .record(let r):
            if seen.insert(ObjectIdentifier(r)).inserted { records.append(r); work += r.values }
        case .function(let f):
            var next = f.env
            while let frame = next, seen.insert(ObjectIdentifier(frame)).inserted {
                frames.append(frame)
                for i in 0..<frame.header.count { work.append(frame[i]) }
                next = frame.parent
            }
        default: break
        }
    }
    for l in lists { l.items = [] }
    for r in records { for k in r.keys { r[k] = nil } }
    for f in frames { for i in 0..<f.header.count { f[i] = .nil } }
    for i in 0..<globals.names.count { globals.set(i, .nil) }
}

/// Runs one script in a fresh session; every outcome other than a crash is fine.
func runOne(_ bytes: [UInt8]) {
    let session: Session
    do {
        var printed = 0
        session = try Session(importer: importer, output: { printed &+= $0.utf8.count })
    } catch {
        fatalError("fuzz: the prelude failed to load: \(error)")
    }
    let interpreter = session.interpreter
    defer { breakCycles(session) }
    let deadline = DispatchTime.now().uptimeNanoseconds + timeBudgetNanoseconds
    let heapLimit = sanitizerAllocatedBytes() + heapBudgetBytes
    interpreter.pollInterval = 64
    interpreter.isCancelled = {
        DispatchTime.now().uptimeNanoseconds > deadline || sanitizerAllocatedBytes() > heapLimit
    }
    do {
        let source = try Source(path: "fuzz.cdsa", bytes: bytes)
        if let value = try session.run(source) {
            _ = value.repr  // what the REPL would print
        }
    } catch let failure as Failure {
        _ = failure.description  // render every diagnostic (carets, stack), as the driver does
    } catch let d as Diagnostic {
        _ = d.description
    } catch {
        _ = "\(error)"
    }
}

/// One long-lived worker thread with a large stack; the fuzzer's thread hands it inputs.
final class Worker: @unchecked Sendable {
    private let request = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var input: [UInt8] = []

    init() {
        // Strings and lists one operation makes are capped lower than the default (128 Mi)
        // so that no honest allocation reaches libFuzzer's malloc limit.
        Interpreter.maxLength = 1 << 20
        let thread = Thread { [unowned self] in
            while true {
                self.request.wait()
                runOne(self.input)
                self.done.signal()
            }
        }
        thread.stackSize = 64 << 20
        thread.start()
    }

    func run(_ bytes: [UInt8]) {
        input = bytes
        request.signal()
        done.wait()
    }
}

let worker = Worker()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    worker.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
