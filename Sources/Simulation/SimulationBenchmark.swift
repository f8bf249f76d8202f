import Autodiff
import CMuJoCo
import Dispatch
import Foundation

/// Environment stepping speed: Hopper env steps per second with uniform random actions,
/// on one core and as a batch split across cores. Compare with the raw C loop
/// (../shared/anchors/mujoco_step.c) run on `MuJoCoModel.assetPath("hopper")`.
public enum SimulationBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        /// Median env steps/s of one environment on one thread.
        public var oneCore: Double
        /// Median steps/s of mujoco_step.c's raw loop on the same model, interleaved.
        public var rawLoop: Double
        /// Median per-repetition ratio of the environment to the raw loop.
        public var ratioToRaw: Double
        /// Median total env steps/s of `environments` environments on `threads` threads.
        public var batch: Double
        public var threads: Int
        public var environments: Int

        public var speedup: Double { batch / oneCore }

        public var description: String {
            String(format: "hopper env steps/s: one core %.0f (raw C loop %.0f, %.1f%%); %d envs on %d threads %.0f (%.2fx)",
                   oneCore, rawLoop, 100 * ratioToRaw, environments, threads, batch, speedup)
        }
    }

    /// Steps `env` `steps` times with random actions, resetting on termination or truncation.
    static func run(_ env: some Environment, steps: Int, rng: inout RandomGenerator) throws {
        let space = env.actionSpace
        var action = [Float](repeating: 0, count: space.size)
        for _ in 0..<steps {
            for j in action.indices { action[j] = space.low[j] + (space.high[j] - space.low[j]) * rng.nextFloat() }
            let s = try env.step(action)
            if s.terminated || s.truncated { _ = try env.reset(seed: rng.next()) }
        }
    }

    /// One environment on the calling thread: median steps/s over `repetitions` runs.
    public static func hopperOneCore(steps: Int = 20_000, repetitions: Int = 5, seed: UInt64 = 0) throws -> Double {
        try hopperVersusRawLoop(steps: steps, repetitions: repetitions, seed: seed).environment
    }

    /// The Hopper environment against the raw C loop of ../shared/anchors/mujoco_step.c
    /// (random ctrl, 4 × mj_step, mj_resetData when unhealthy or after 1000 steps) on the
    /// same model, alternating repetitions in one process so machine drift cancels.
    /// Returns the median steps/s of each and the median of the per-repetition ratios.
    public static func hopperVersusRawLoop(steps: Int = 20_000, repetitions: Int = 5, seed: UInt64 = 0) throws
        -> (environment: Double, raw: Double, ratio: Double) {
        let env = try Hopper()
        let raw = try MuJoCoModel(bundled: "hopper")
        var rng = RandomGenerator(seed: seed)
        _ = try env.reset(seed: rng.next())
        try run(env, steps: steps / 4, rng: &rng)  // warm-up
        rawLoop(raw, steps: steps / 4, rng: &rng)
        var envRates: [Double] = [], rawRates: [Double] = [], ratios: [Double] = []
        for _ in 0..<repetitions {
            var start = DispatchTime.now().uptimeNanoseconds
            rawLoop(raw, steps: steps, rng: &rng)
            let r = Double(steps) / (Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            start = DispatchTime.now().uptimeNanoseconds
            try run(env, steps: steps, rng: &rng)
            let e = Double(steps) / (Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            envRates.append(e); rawRates.append(r); ratios.append(e / r)
        }
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        return (median(envRates), median(rawRates), median(ratios))
    }

    /// mujoco_step.c's loop, through the same C calls.
    static func rawLoop(_ sim: MuJoCoModel, steps: Int, rng: inout RandomGenerator) {
        let m = sim.model, d = sim.data
        let nq = sim.nq, nv = sim.nv, nu = sim.nu
        var t = 0
        mj_resetData(m, d)
        for _ in 0..<steps {
            for j in 0..<nu { d.pointee.ctrl[j] = 2 * rng.nextDouble() - 1 }
            for _ in 0..<4 { mj_step(m, d) }
            let q = d.pointee.qpos!, v = d.pointee.qvel!
            var unhealthy = q[1] <= 0.7 || abs(q[2]) >= 0.2
            for i in 2..<nq where abs(q[i]) >= 100 { unhealthy = true }
            for i in 0..<nv where abs(v[i]) >= 100 { unhealthy = true }
            t += 1
            if unhealthy || t >= 1000 { mj_resetData(m, d); t = 0 }
        }
    }

    /// `environments` Hopper environments split into `threads` contiguous groups, each
    /// group stepped on its own thread (the caller's and `threads − 1` new ones).
    public static func hopperBatch(environments: Int = 8, threads: Int = 2, stepsPerEnvironment: Int = 5_000,
                                   repetitions: Int = 5, seed: UInt64 = 0) throws -> Double {
        var root = RandomGenerator(seed: seed)
        let workers = try (0..<threads).map { t in
            let count = (t + 1) * environments / threads - t * environments / threads
            return try Worker(envs: try (0..<count).map { _ in try Hopper() }, rng: root.split())
        }
        func pass(_ steps: Int) throws {
            // Plain OS threads, one per group: the split does not depend on libdispatch's
            // pool or on the caller running inside Swift concurrency.
            let done = DispatchSemaphore(value: 0)
            for worker in workers.dropFirst() {
                let thread = Thread { worker.run(steps: steps); done.signal() }
                thread.start()
            }
            workers[0].run(steps: steps)
            for _ in workers.dropFirst() { done.wait() }
            if let error = workers.lazy.compactMap(\.error).first { throw error }
        }
        try pass(stepsPerEnvironment / 4)  // warm-up
        var rates: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            try pass(stepsPerEnvironment)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            rates.append(Double(stepsPerEnvironment * environments) / seconds)
        }
        return rates.sorted()[rates.count / 2]
    }

    /// Both measurements, one after the other.
    public static func hopper(threads: Int = 2) throws -> Result {
        let one = try hopperVersusRawLoop()
        let batch = try hopperBatch(environments: 4 * threads, threads: threads)
        return Result(oneCore: one.environment, rawLoop: one.raw, ratioToRaw: one.ratio, batch: batch,
                      threads: threads, environments: 4 * threads)
    }
}

/// One thread's share of the batch; only that thread touches it during a pass.
private final class Worker: @unchecked Sendable {
    let envs: [Hopper]
    var rng: RandomGenerator
    var error: (any Error)?

    init(envs: [Hopper], rng: RandomGenerator) throws {
        self.envs = envs
        self.rng = rng
        for env in envs { _ = try env.reset(seed: self.rng.next()) }
    }

    func run(steps: Int) {
        do {
            for env in envs { try SimulationBenchmark.run(env, steps: steps, rng: &rng) }
        } catch { self.error = error }
    }
}
