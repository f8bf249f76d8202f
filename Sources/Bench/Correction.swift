// One corrected action for a single Hopper state: CDSA's corrector (base policy, g, h and
// I at their default sizes, untrained) next to the four networks' single-sample forwards
// timed alone — the corrector's own overhead is the difference.
import Autodiff
import Correctors
import NeuralNet
import OfflineRL

func correctionBench() throws -> (corrected: Double, networks: Double) {
    var rng = RandomGenerator(seed: 4)
    let (s, a) = (11, 3)
    let normalizer = try Normalizer(mean: [Float](repeating: 0, count: s), std: [Float](repeating: 1, count: s))
    let actor = try MLP(.init(sizes: [s, 256, 256, a], outputActivation: .tanh), rng: &rng)
    let base = try ActorPolicy(actor: actor, head: .action, normalizer: normalizer, actionSize: a, provenance: Provenance(algorithm: "bench"))
    let gNet = try MLP(.init(sizes: [s + a + 1, 256, 256, 256, a], activation: .silu), rng: &rng)
    let hNet = try MLP(.init(sizes: [s + a + 1, 256, 256, 256, s], activation: .silu), rng: &rng)
    let iNet = try MLP(.init(sizes: [2 * s, 256, 256, a], outputActivation: .tanh), rng: &rng)
    let sigmas: [Float] = [0.05, 0.1, 0.2]
    let g = try ScoreModel(network: gNet, target: .action, sigmas: sigmas, normalizer: normalizer, actionSize: a)
    let h = try ScoreModel(network: hNet, target: .state, sigmas: sigmas, normalizer: normalizer, actionSize: a, eta: 1)
    let inv = try InverseDynamics(network: iNet, normalizer: normalizer)
    let corrector = try CDSACorrector(base: base, g: g, h: h, inverse: inv, correction: Correction(k1: 0.3, k2: 0.1))
    let state = try rng.normal([s]).scalars
    let x1 = try rng.normal([1, s + a + 1]), x2 = try rng.normal([1, 2 * s]), x0 = try rng.normal([1, s])
    let corrected = try rate { _ = try corrector.act(state) }
    let networks = try rate { _ = try actor(x0); _ = try gNet(x1); _ = try hNet(x1); _ = try iNet(x2) }
    return (1e6 / corrected.median, 1e6 / networks.median)
}
