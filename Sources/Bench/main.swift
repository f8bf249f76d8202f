// cdsa-bench: the engine's speed next to its ceiling (OpenBLAS sgemm at the same
// shapes, measured in this run) and, given reference results, next to PyTorch.
// One JSON line per result on stdout, a readable line on stderr.
// Usage: cdsa-bench [--threads N] [--quick] [--reference torch.jsonl] [--profile bc|dsm|td3bc|iql|sac|sac-loop]
//        cdsa-bench --worlds | --interpreter [py_interp.py] | --write-load-file PATH | --load PATH
import Autodiff
import COpenBLAS
import Foundation
import NeuralNet

// Measures the kernels cdsa runs with: this machine's choice (`cdsa kernels`), if kept.
KernelChoice.startup()
FileHandle.standardError.write("OpenBLAS \(BLAS.coreName) kernels\n".data(using: .utf8)!)
let arguments = CommandLine.arguments
let quick = arguments.contains("--quick")
let reference: [[String: Any]] = {
    guard let i = arguments.firstIndex(of: "--reference"), i + 1 < arguments.count,
          let text = try? String(contentsOfFile: arguments[i + 1], encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap {
        (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
    }
}()

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + 1e-9 * Double(t.tv_nsec)
}

/// Calls per second of `body`: warm-up, then `reps` timed reps of about `seconds` each.
func rate(reps: Int = 7, seconds: Double = 0.25, _ body: () throws -> Void) rethrows -> (median: Double, min: Double, max: Double) {
    var calls = 1
    while true {
        let t0 = now()
        for _ in 0..<calls { try body() }
        if now() - t0 > seconds / 4 { break }
        calls *= 2
    }
    var rates: [Double] = []
    for _ in 0..<(quick ? 3 : reps) {
        let t0 = now()
        for _ in 0..<calls { try body() }
        rates.append(Double(calls) / (now() - t0))
    }
    rates.sort()
    return (rates[rates.count / 2], rates[0], rates[rates.count - 1])
}

func emit(_ record: [String: Any], _ line: String) {
    FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
    let data = try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    fflush(stdout)
}

/// The reference's median for the result whose name satisfies `matches` at `threads`, if given.
func torch(_ threads: Int, _ matches: (String) -> Bool) -> Double? {
    reference.first { ($0["name"] as? String).map(matches) == true && ($0["threads"] as? Int) == threads }?["median"] as? Double
}
func torch(_ name: String, _ threads: Int) -> Double? { torch(threads) { $0 == name } }

// The worlds and data benchmarks run on their own (see Worlds.swift).
if let i = arguments.firstIndex(where: { ["--worlds", "--write-load-file", "--load", "--interpreter"].contains($0) }) {
    let path = i + 1 < arguments.count ? arguments[i + 1] : ""
    switch arguments[i] {
    case "--worlds": try worldBenchmarks()
    case "--interpreter":
        try interpreterBenchmarks(anchor: path.isEmpty ? nil : path)
        try ruleBenchmark()
    case "--write-load-file": try writeLoadFile(path)
    default: try loadBenchmark(path)
    }
    exit(0)
}

// MARK: - sgemm ceiling

/// One matmul of an update: C[m,n] = op(A) op(B).
struct Shape: Hashable { let m, n, k: Int; let ta, tb: Bool
    var flops: Double { 2 * Double(m * n * k) }
    var label: String { "\(ta ? "T" : "N")\(tb ? "T" : "N") \(m)x\(n)x\(k)" }
}

/// The matmuls of a forward and backward pass through an MLP of `sizes` at batch b
/// (no input gradient for the first layer, as the engine skips it).
func mlpShapes(_ sizes: [Int], batch b: Int) -> [Shape] {
    var shapes: [Shape] = []
    for (i, (fin, fout)) in zip(sizes, sizes.dropFirst()).enumerated() {
        shapes.append(Shape(m: b, n: fout, k: fin, ta: false, tb: true))      // y = x Wᵀ
        shapes.append(Shape(m: fout, n: fin, k: b, ta: true, tb: false))     // dW = dzᵀ x
        if i > 0 { shapes.append(Shape(m: b, n: fin, k: fout, ta: false, tb: false)) }  // dx = dz W
    }
    return shapes
}

/// OpenBLAS's own sgemm at `s` with exactly `threads` OpenBLAS threads, GFLOP/s.
func rawSgemm(_ s: Shape, threads: Int) throws -> (median: Double, min: Double, max: Double) {
    openblas_set_num_threads(Int32(threads))
    defer { openblas_set_num_threads(1) }
    var rng = RandomGenerator(seed: 1)
    let a = try rng.uniform(s.ta ? [s.k, s.m] : [s.m, s.k], low: -1, high: 1).scalars
    let b = try rng.uniform(s.tb ? [s.n, s.k] : [s.k, s.n], low: -1, high: 1).scalars
    var c = [Float](repeating: 0, count: s.m * s.n)
    let r = rate {
        cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans,
                    Int32(s.m), Int32(s.n), Int32(s.k), 1, a, Int32(s.ta ? s.m : s.k), b, Int32(s.tb ? s.k : s.n),
                    0, &c, Int32(s.n))
    }
    return (r.median * s.flops / 1e9, r.min * s.flops / 1e9, r.max * s.flops / 1e9)
}

/// The engine's matmul at `s` (its own split across `BLAS.threads` slices), GFLOP/s.
func engineSgemm(_ s: Shape) throws -> (median: Double, min: Double, max: Double) {
    var rng = RandomGenerator(seed: 1)
    let a = try rng.uniform(s.ta ? [s.k, s.m] : [s.m, s.k], low: -1, high: 1)
    let b = try rng.uniform(s.tb ? [s.n, s.k] : [s.k, s.n], low: -1, high: 1)
    let r = try rate { _ = try Tensor.matmul(a, b, transposeA: s.ta, transposeB: s.tb) }
    return (r.median * s.flops / 1e9, r.min * s.flops / 1e9, r.max * s.flops / 1e9)
}

/// The machine's limit at `s` with up to `threads` threads: the fastest of OpenBLAS at
/// one thread, OpenBLAS at `threads`, and the engine's own split (the ceiling any update
/// here could reach, whoever does the threading).
var gflops: [Shape: Double] = [:]
func measureSgemm(_ s: Shape, threads: Int) throws -> Double {
    var best = try rawSgemm(s, threads: 1)
    if threads > 1 {
        for candidate in [try rawSgemm(s, threads: threads), try engineSgemm(s)] where candidate.median > best.median {
            best = candidate
        }
    }
    emit(["name": "sgemm \(s.label)", "threads": threads, "unit": "GFLOP/s", "median": best.median,
          "min": best.min, "max": best.max],
         String(format: "%-44@ threads=%d  GFLOP/s %8.2f", "sgemm \(s.label)" as NSString, threads, best.median))
    return best.median
}

/// Seconds per update if every matmul ran at sgemm's measured speed and nothing else cost time.
func limit(_ shapes: [Shape]) -> Double { shapes.reduce(0) { $0 + $1.flops / (gflops[$1]! * 1e9) } }

/// `r` in steps/s; `shapes` are the matmuls of `per` steps.
func report(_ name: String, torchName: String, threads: Int, shapes: [Shape], _ r: (median: Double, min: Double, max: Double),
            per: Int = 1) {
    let flops = shapes.reduce(0) { $0 + $1.flops } / Double(per)
    let stepLimit = limit(shapes) / Double(per)
    let fraction = r.median * stepLimit
    var record: [String: Any] = ["name": name, "threads": threads, "unit": "steps/s", "median": r.median, "min": r.min,
                                 "max": r.max, "gflop": flops / 1e9, "limit_steps_per_s": 1 / stepLimit,
                                 "fraction_of_limit": fraction]
    var line = String(format: "%-44@ threads=%d  steps/s %8.1f  (%.3f GFLOP; limit %.0f/s; %.0f%% of limit)",
                      name as NSString, threads, r.median, flops / 1e9, 1 / stepLimit, 100 * fraction)
    if let t = torch(torchName, threads) {
        record["torch_median"] = t
        record["ratio_to_torch"] = r.median / t
        line += String(format: "  torch %.1f → %.2f×", t, r.median / t)
    }
    // IQL also next to d3rlpy's own (its fit loop's wall rate, whatever its version).
    if name.contains("IQL"), let d = torch(threads, { $0.hasPrefix("d3rlpy ") && $0.hasSuffix("IQL fit wall b256") }) {
        record["d3rlpy_median"] = d
        record["ratio_to_d3rlpy"] = r.median / d
        line += String(format: "  d3rlpy %.1f → %.2f×", d, r.median / d)
    }
    emit(record, line)
}

// MARK: - workloads

let datasetSize = 100_000
var dataRNG = RandomGenerator(seed: 0)
let states = try dataRNG.normal([datasetSize, 11])
let actions = try dataRNG.uniform([datasetSize, 3], low: -1, high: 1)

func bcUpdate() throws -> () throws -> Void {
    var rng = RandomGenerator(seed: 0)
    let actor = try MLP(.init(sizes: [11, 256, 256, 3], outputActivation: .tanh), rng: &rng)
    let opt = Adam(actor.parameters)
    return {
        let idx = try rng.integers(256, high: datasetSize)
        let s = try states.gather(idx), a = try actions.gather(idx)
        let (_, grads) = try valueWithGradients(at: actor.parameters) { try mse(actor(s), a) }
        try opt.step(grads)
    }
}

func dsmStep() throws -> () throws -> Void {
    var rng = RandomGenerator(seed: 0)
    let net = try MLP(.init(sizes: [14, 256, 256, 256, 3], activation: .silu), rng: &rng)
    let opt = Adam(net.parameters)
    let logLow = Float(Foundation.log(0.01))
    return {
        let idx = try rng.integers(256, high: datasetSize)
        let s = try states.gather(idx), a = try actions.gather(idx)
        let sigma = try rng.uniform([256, 1], low: logLow, high: 0).exp()
        let eps = try rng.normal([256, 3])
        let input = try Tensor.concat([s, a + sigma * eps], axis: 1)
        let (_, grads) = try valueWithGradients(at: net.parameters) {
            let r = try sigma * net(input) + eps
            return try (r * r).sum(axes: [1]).mean()
        }
        try opt.step(grads)
    }
}

let bcShapes = mlpShapes([11, 256, 256, 3], batch: 256)
let dsmShapes = mlpShapes([14, 256, 256, 256, 3], batch: 256)

// One thread count per process (scripts/bench runs each in its own), so one count's
// threads never linger into the other's measurements.
let threads = arguments.firstIndex(of: "--threads").flatMap { i in i + 1 < arguments.count ? Int(arguments[i + 1]) : nil } ?? 1
BLAS.setThreads(threads)
// `--profile bc|dsm|td3bc|iql|sac|sac-loop`: run one workload for about ten seconds and nothing else (for perf).
if let i = arguments.firstIndex(of: "--profile"), i + 1 < arguments.count {
    let workloads = ["bc": bcUpdate, "dsm": dsmStep, "td3bc": td3bcUpdates, "iql": iqlUpdate, "sac": sacUpdate, "sac-loop": sacLoopStep]
    guard let make = workloads[arguments[i + 1]] else { print("bench: --profile takes bc, dsm, td3bc, iql, sac or sac-loop"); exit(64) }
    let r = try rate(reps: 10, seconds: 1, try make())
    print(String(format: "%@ threads=%d calls/s %.1f", arguments[i + 1], threads, r.median))
    exit(0)
}
let bc = try rate(try bcUpdate())
let dsm = try rate(try dsmStep())
let td3bcPairs = try rate(try td3bcUpdates())
let iql = try rate(try iqlUpdate())
let sac = try rate(try sacUpdate())
let sacLoop = try rate(try sacLoopStep())
var inferRNG = RandomGenerator(seed: 0)
let policy = try MLP(.init(sizes: [11, 256, 256, 3], outputActivation: .tanh), rng: &inferRNG)
let observation = try inferRNG.normal([11])
let infer = try rate { _ = try policy(observation) }

// The ceiling, measured after the workloads for the same reason.
for s in Set(bcShapes + dsmShapes + td3bcShapes + iqlShapes + sacShapes).sorted(by: { $0.label < $1.label }) {
    gflops[s] = try measureSgemm(s, threads: threads)
}
report("cdsa BC update b256 (11-256-256-3)", torchName: "torch BC update b256 (11-256-256-3)",
       threads: threads, shapes: bcShapes, bc)
report("cdsa DSM step 14-256x3-3 SiLU b256", torchName: "torch DSM step 14-256x3-3 SiLU b256",
       threads: threads, shapes: dsmShapes, dsm)
// TD3+BC is timed in pairs of updates (the actor's cycle) and reported per update, as
// the PyTorch reference averages over its cycle.
report("cdsa TD3+BC update b256 (actor every 2nd)", torchName: "torch TD3+BC update b256 (actor every 2nd)",
       threads: threads, shapes: td3bcShapes, (2 * td3bcPairs.median, 2 * td3bcPairs.min, 2 * td3bcPairs.max), per: 2)
report("cdsa IQL update b256 (Gaussian actor)", torchName: "torch IQL update (Gaussian actor) b256",
       threads: threads, shapes: iqlShapes, iql)
report("cdsa SAC update b256 (11-256-256-6, 2x 14-256-256-1)", torchName: "torch SAC update b256",
       threads: threads, shapes: sacShapes, sac)
emit(["name": "cdsa SAC loop step (Hopper step + update)", "threads": threads, "unit": "steps/s", "median": sacLoop.median,
      "min": sacLoop.min, "max": sacLoop.max, "of_update_alone": sacLoop.median / sac.median],
     String(format: "%-44@ threads=%d  steps/s %8.1f  (%.0f%% of the update alone)", "cdsa SAC loop step (Hopper + update)" as NSString,
            threads, sacLoop.median, 100 * sacLoop.median / sac.median))
// The same fractions measured in alternating rounds with each update's sgemm replay (on
// a loaded machine the separately measured ceiling drifts away from the workload).
if threads == 1 {
    for (name, make, shapes) in [("BC update", bcUpdate, bcShapes), ("TD3+BC update", td3bcUpdates, td3bcShapes),
                                 ("IQL update", iqlUpdate, iqlShapes),
                                 ("SAC update", sacUpdate, sacShapes)] {
        let f = try fractionOfLimitInRounds(try make(), shapes: shapes)
        emit(["name": "\(name) fraction of limit, alternating rounds", "threads": 1, "unit": "fraction", "median": f.median,
              "min": f.min, "max": f.max],
             String(format: "%-44@ threads=1  %.0f%% of limit (rounds %.0f%% … %.0f%%)", "\(name), rounds with its sgemm" as NSString,
                    100 * f.median, 100 * f.min, 100 * f.max))
    }
}
// What thread independence costs one thread: the same updates with products cut into
// their shape-determined pieces (always) and whole (the old one-thread path), measured in
// alternating rounds so the machine's noise falls on both alike.
if threads == 1 {
    for (name, make) in [("BC update", bcUpdate), ("DSM step", dsmStep)] {
        var ratios: [Double] = []
        let (cut, whole) = (try make(), try make())
        for _ in 0..<(quick ? 3 : 7) {
            BLAS.cutsProducts = false
            let w = try rate(reps: 3, seconds: 0.15, whole).median
            BLAS.cutsProducts = true
            ratios.append(w / (try rate(reps: 3, seconds: 0.15, cut).median))
        }
        ratios.sort()
        let cost = ratios[ratios.count / 2] - 1
        emit(["name": "cost of the thread-independent cut, \(name)", "threads": 1, "unit": "fraction", "median": cost,
              "min": ratios[0] - 1, "max": ratios[ratios.count - 1] - 1],
             String(format: "%-44@ threads=1  %+.1f%% time (rounds %+.1f%% … %+.1f%%)",
                    "cut cost, \(name)" as NSString, 100 * cost, 100 * (ratios[0] - 1), 100 * (ratios[ratios.count - 1] - 1)))
    }
}
let us = 1e6 / infer.median
var record: [String: Any] = ["name": "cdsa MLP 256x256 infer b1", "threads": threads, "unit": "us/call",
                             "median": us, "min": 1e6 / infer.max, "max": 1e6 / infer.min]
var line = String(format: "%-44@ threads=%d  us/call %8.2f", "cdsa MLP 256x256 infer b1" as NSString, threads, us)
if let t = torch("torch MLP 256x256 infer b1 no_grad", threads) {
    record["torch_median"] = t
    record["ratio_to_torch"] = t / us
    line += String(format: "  torch %.1f us → %.1f× faster", t, t / us)
}
emit(record, line)
let correctionTimes = try correctionBench()
emit(["name": "cdsa corrected action b1 (base, g, h, I)", "threads": threads, "unit": "us/call", "median": correctionTimes.corrected,
      "networks_alone": correctionTimes.networks, "ratio_to_networks": correctionTimes.corrected / correctionTimes.networks],
     String(format: "%-44@ threads=%d  us/call %8.2f  (the four forwards alone %.2f us: %.2fx)", "cdsa corrected action b1" as NSString,
            threads, correctionTimes.corrected, correctionTimes.networks, correctionTimes.corrected / correctionTimes.networks))
