import COpenBLAS
import Glibc
import Synchronization

/// The engine's own threads: `parts − 1` persistent workers that run slices of a
/// product or of an elementwise pass while the calling thread runs its own.
///
/// Why not OpenBLAS's threads: on this machine two-thread OpenBLAS training was bimodal,
/// sometimes slower than one thread for whole phases (docs/PERFORMANCE.md), and it left
/// every pass outside sgemm on one thread. Here each slice calls single-threaded
/// OpenBLAS, and a worker spins briefly between jobs (a training step's products are
/// microseconds apart), then sleeps on a condition variable, so an idle REPL costs nothing.
public enum Parallel {
    /// Threads a pass may use (`BLAS.setThreads`): by default the cores OpenBLAS
    /// found, whose own threading is switched off here, before any product runs.
    static let parts = Atomic<Int>(takeOverFromOpenBLAS())

    private static func takeOverFromOpenBLAS() -> Int {
        let cores = Int(openblas_get_num_threads())
        openblas_set_num_threads(1)
        return max(cores, 1)
    }
    /// Held while a parallel pass runs; a second caller (another thread, or a slice that
    /// itself calls `split`) finds it taken and runs its pass serially.
    private static let busy = Atomic<Bool>(false)
    nonisolated(unsafe) private static var workers: [Worker] = []

    /// Runs body(0) … body(count − 1), slice 0 on the caller and the rest on workers, and
    /// returns when all are done. Serial when count is 1 or the workers are busy.
    private static func run(_ count: Int, _ body: @escaping (Int) -> Void) {
        guard count > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<count { body(i) }
            return
        }
        while workers.count < count - 1 { workers.append(Worker()) }
        let tickets = (1..<count).map { workers[$0 - 1].submit(body, part: $0) }
        body(0)
        for (i, ticket) in tickets.enumerated() { workers[i].wait(for: ticket) }
        busy.store(false, ordering: .releasing)
    }

    /// Runs body over 0..<total. By default the range is cut into one slice per thread
    /// when total is at least `grain` (smaller passes are not worth the hand-off) — for
    /// passes whose result does not depend on the cut (elementwise ones). Given `pieces`,
    /// it is cut into exactly that many, whatever the thread count, and the threads share
    /// them out (thread t runs pieces t, t + threads, …): a product's bits then do not
    /// depend on how many cores computed it. Slices are multiples of `align` items.
    public static func split(_ total: Int, grain: Int = 1 << 15, pieces: Int? = nil, align: Int = 16,
                             _ body: @escaping (Range<Int>) -> Void) {
        let threads = parts.load(ordering: .relaxed)
        let count = pieces ?? (total >= grain ? threads : 1)
        guard count > 1 else { return body(0..<total) }
        let used = min(threads, count)
        run(used) { thread in
            for piece in stride(from: thread, to: count, by: used) {
                let range = slice(piece, of: count, total: total, align: align)
                if !range.isEmpty { body(range) }
            }
        }
    }

    /// The half-open range of slice `part` when `total` items are cut into `count` slices,
    /// rounded to multiples of `align` items (so vector loops keep their alignment).
    @inline(__always)
    private static func slice(_ part: Int, of count: Int, total: Int, align: Int = 1) -> Range<Int> {
        let chunk = (total + count * align - 1) / (count * align) * align
        return min(part * chunk, total)..<min((part + 1) * chunk, total)
    }
}

/// One persistent thread. A job is published by bumping `posted` (its ticket); whoever
/// first moves `claimed` to that ticket runs it: the worker, or the caller once its own
/// slice is done. So a worker that is descheduled (the machine is shared) or asleep
/// costs a pass its parallelism, never its progress: the caller runs the slice itself.
private final class Worker: @unchecked Sendable {
    private let posted = Atomic<Int>(0)
    private let claimed = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private var job: ((Int) -> Void)?
    private var part = 0
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    /// How long an idle worker spins (yielding now and then) before it sleeps: longer
    /// than the gaps between a training step's products.
    private static let spinNanoseconds: UInt64 = 200_000

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()   // the thread owns one reference for ever
        let status = pthread_create(&thread, nil, { context in
            // Signals (Ctrl-C above all) go to the threads that expect them, never here.
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, nil)
            Unmanaged<Worker>.fromOpaque(context!).takeUnretainedValue().loop()
        }, context)
        precondition(status == 0, "cdsa: cannot start an engine thread (pthread_create: \(status))")
        pthread_detach(thread)
    }

    func submit(_ body: @escaping (Int) -> Void, part: Int) -> Int {
        job = body
        self.part = part
        let ticket = posted.add(1, ordering: .sequentiallyConsistent).newValue
        if sleeping.load(ordering: .sequentiallyConsistent) {
            pthread_mutex_lock(mutex)
            pthread_cond_signal(wake)
            pthread_mutex_unlock(mutex)
        }
        return ticket
    }

    /// Returns once job `ticket` is done: run here if the worker has not claimed it yet.
    func wait(for ticket: Int) {
        if claimed.compareExchange(expected: ticket - 1, desired: ticket, ordering: .acquiringAndReleasing).exchanged {
            job!(part)
        } else {
            var spins = 0
            while finished.load(ordering: .acquiring) != ticket {
                spins &+= 1
                if spins & 63 == 0 { sched_yield() }
            }
        }
        job = nil
    }

    private func loop() -> Never {
        var seen = 0
        while true {
            var ticket = posted.load(ordering: .acquiring)
            var idleSince: UInt64 = 0, spins = 0
            while ticket == seen {
                spins &+= 1
                if spins & 63 == 0 {
                    sched_yield()   // let a thread that shares this core (the caller) run
                    let t = monotonicNanoseconds()
                    if idleSince == 0 { idleSince = t } else if t - idleSince > Self.spinNanoseconds { park(seen); idleSince = 0 }
                }
                ticket = posted.load(ordering: .acquiring)
            }
            seen = ticket
            if claimed.compareExchange(expected: ticket - 1, desired: ticket, ordering: .acquiringAndReleasing).exchanged {
                job!(part)
                finished.store(ticket, ordering: .releasing)
            }
        }
    }

    /// Blocks until a job after `seen` is posted. `sleeping` is set before `posted` is
    /// read again, and `submit` bumps `posted` before it reads `sleeping`, so (both
    /// sequentially consistent) a job is never posted to a worker that missed it.
    private func park(_ seen: Int) {
        pthread_mutex_lock(mutex)
        sleeping.store(true, ordering: .sequentiallyConsistent)
        while posted.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(wake, mutex) }
        sleeping.store(false, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
    }
}

@inline(__always)
private func monotonicNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}
