// The offline-RL algorithms' updates, timed through the trainers themselves (not copies
// of their maths), with the matmuls each performs for its FLOP limit.
import Autodiff
import COpenBLAS
import Foundation
import OfflineRL
import Simulation

/// The matmuls of a forward pass only (target networks, no gradient).
func forwardShapes(_ sizes: [Int], batch b: Int) -> [Shape] {
    zip(sizes, sizes.dropFirst()).map { Shape(m: b, n: $1, k: $0, ta: false, tb: true) }
}

/// A forward pass and the backward pass to its input, without weight gradients: a critic
/// under the actor's loss (its weights are not trained there; the action's gradient is).
func inputGradientShapes(_ sizes: [Int], batch b: Int) -> [Shape] {
    forwardShapes(sizes, batch: b) + zip(sizes, sizes.dropFirst()).map { Shape(m: b, n: $0, k: $1, ta: false, tb: false) }
}

let (actorSizes, criticSizes) = ([11, 256, 256, 3], [14, 256, 256, 1])
/// Two TD3+BC updates (the actor's cycle): each a target actor and two target critics
/// forward and two critics trained; once, the actor trained through critic 1.
let td3bcShapes = (0..<2).flatMap { _ in
    forwardShapes(actorSizes, batch: 256) + forwardShapes(criticSizes, batch: 256) + forwardShapes(criticSizes, batch: 256)
        + mlpShapes(criticSizes, batch: 256) + mlpShapes(criticSizes, batch: 256)
} + mlpShapes(actorSizes, batch: 256) + inputGradientShapes(criticSizes, batch: 256)

/// One SAC update: the actor (11 → 2·3) sampling a′ and two target critics forward; two
/// critics trained; the actor trained through both critics.
let sacActorSizes = [11, 256, 256, 6]
let sacShapes = forwardShapes(sacActorSizes, batch: 256) + forwardShapes(criticSizes, batch: 256) + forwardShapes(criticSizes, batch: 256)
    + mlpShapes(criticSizes, batch: 256) + mlpShapes(criticSizes, batch: 256)
    + mlpShapes(sacActorSizes, batch: 256) + inputGradientShapes(criticSizes, batch: 256) + inputGradientShapes(criticSizes, batch: 256)

/// One IQL update: V(s′) and two target critics forward; V, two critics and the
/// Gaussian actor trained (as ../shared/anchors/torch_iql.py).
let valueSizes = [11, 256, 256, 1]
let iqlShapes = forwardShapes(valueSizes, batch: 256) + forwardShapes(criticSizes, batch: 256) + forwardShapes(criticSizes, batch: 256)
    + mlpShapes(valueSizes, batch: 256) + mlpShapes(criticSizes, batch: 256) + mlpShapes(criticSizes, batch: 256)
    + mlpShapes(actorSizes, batch: 256)

/// 100k random Hopper-shaped transitions, as the PyTorch references sample from.
func benchTransitions() throws -> Dataset {
    var rng = RandomGenerator(seed: 2)
    let n = datasetSize
    return try Dataset(observations: states, actions: actions, rewards: try rng.normal([n]),
                       terminals: (0..<n).map { _ in rng.nextFloat() < 0.01 }, timeouts: [Bool](repeating: false, count: n),
                       nextObservations: try rng.normal([n, 11]), source: "bench", format: "bench", environmentName: "hopper")
}

/// One IQL update per call.
func iqlUpdate() throws -> () throws -> Void {
    let trainer = try IQL(dataset: benchTransitions(), seed: 0)
    return {
        _ = try trainer.update()
        trainer.step += 1
    }
}

/// Two TD3+BC updates per call on 100k random Hopper-shaped transitions.
func td3bcUpdates() throws -> () throws -> Void {
    let trainer = try TD3BC(dataset: benchTransitions(), seed: 0)
    return {
        for _ in 0..<2 {
            _ = try trainer.update()
            trainer.step += 1
        }
    }
}

/// A SAC trainer in Hopper past a short warm-up (its buffer holds `warmup` transitions).
func sacPastWarmUp(warmup: Int = 5000) throws -> SAC {
    var config = SAC.Config()
    config.warmupSteps = warmup
    let trainer = try SAC(environment: try Hopper(), config: config, seed: 0)
    for _ in 0..<warmup {
        _ = try trainer.update()
        trainer.step += 1
    }
    return trainer
}

/// One SAC gradient step per call (no environment step).
func sacUpdate() throws -> () throws -> Void {
    let trainer = try sacPastWarmUp()
    return { _ = try trainer.learn() }
}

/// One step of SAC's training loop per call: act, step Hopper, store, update.
func sacLoopStep() throws -> () throws -> Void {
    let trainer = try sacPastWarmUp()
    return {
        _ = try trainer.update()
        trainer.step += 1
    }
}

/// An update's speed as a fraction of its FLOP limit, measured in alternating rounds: the
/// update, then one OpenBLAS sgemm per shape at one thread (the limit's own definition,
/// Σ time(shape)), so a machine whose load drifts weighs on both alike. `shapes` are the
/// matmuls of one call of `body`. Returns the median, lowest and highest round.
func fractionOfLimitInRounds(_ body: () throws -> Void, shapes: [Shape]) throws -> (median: Double, min: Double, max: Double) {
    openblas_set_num_threads(1)
    var rng = RandomGenerator(seed: 1)
    let operands = try shapes.map { s in
        (try rng.uniform(s.ta ? [s.k, s.m] : [s.m, s.k], low: -1, high: 1).scalars,
         try rng.uniform(s.tb ? [s.n, s.k] : [s.k, s.n], low: -1, high: 1).scalars)
    }
    var c = [Float](repeating: 0, count: shapes.map { $0.m * $0.n }.max() ?? 0)
    func replay() {
        for (s, (a, b)) in zip(shapes, operands) {
            cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans,
                        Int32(s.m), Int32(s.n), Int32(s.k), 1, a, Int32(s.ta ? s.m : s.k), b, Int32(s.tb ? s.k : s.n),
                        0, &c, Int32(s.n))
        }
    }
    var fractions: [Double] = []
    for _ in 0..<(quick ? 3 : 9) {
        let update = try rate(reps: 3, seconds: 0.3, body).median
        let limit = rate(reps: 3, seconds: 0.3, replay).median
        fractions.append(update / limit)
    }
    fractions.sort()
    return (fractions[fractions.count / 2], fractions[0], fractions[fractions.count - 1])
}
