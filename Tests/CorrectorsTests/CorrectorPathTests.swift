import Autodiff
@testable import Correctors
import NeuralNet
import OfflineRL
import Testing

// The corrector's single-observation path (plain arrays around the four forwards, for
// speed) computes what its batch path computes, for every option.

/// A corrector on untrained networks with a non-trivial normaliser (11 states, 3 actions).
func untrainedCorrector(_ correction: Correction) throws -> CDSACorrector {
    var rng = RandomGenerator(seed: 9)
    let (s, a) = (11, 3)
    let normalizer = try Normalizer(mean: (0..<s).map { Float($0) * 0.3 - 1 }, std: (0..<s).map { 0.5 + Float($0) * 0.1 })
    let actor = try MLP(.init(sizes: [s, 32, 32, a], outputActivation: .tanh), rng: &rng)
    let base = try ActorPolicy(actor: actor, head: .action, normalizer: normalizer, actionSize: a, provenance: Provenance(algorithm: "test"))
    let g = try ScoreModel(network: MLP(.init(sizes: [s + a + 1, 32, 32, a], activation: .silu), rng: &rng), target: .action,
                           sigmas: [0.05, 0.1, 0.2], normalizer: normalizer, actionSize: a)
    let h = try ScoreModel(network: MLP(.init(sizes: [s + a + 1, 32, 32, s], activation: .silu), rng: &rng), target: .state,
                           sigmas: [0.05, 0.1, 0.2], normalizer: normalizer, actionSize: a, eta: 0.7)
    let inv = try InverseDynamics(network: MLP(.init(sizes: [2 * s, 32, 32, a], outputActivation: .tanh), rng: &rng), normalizer: normalizer)
    return try CDSACorrector(base: base, g: g, h: h, inverse: inv, correction: correction)
}

@Suite struct CorrectorPathTests {
    static let options: [Correction] = {
        var all: [Correction] = []
        for scaling in [Correction.Scaling.tweedie, .raw] {
            for inverse in [Correction.InverseTerm.absolute, .delta] {
                for combination in [Correction.Combination.add, .blend] {
                    for steps in [1, 3] {
                        var c = Correction(k1: scaling == .raw ? 0.01 : 0.8, k2: 0.3)
                        (c.scaling, c.inverseTerm, c.combination, c.steps) = (scaling, inverse, combination, steps)
                        if steps == 3 { c.sigma = 0.1 }
                        all.append(c)
                    }
                }
            }
        }
        return all
    }()

    @Test(arguments: options.indices)
    func oneObservationActsAsABatchOfOne(_ k: Int) throws {
        let corrector = try untrainedCorrector(Self.options[k])
        var rng = RandomGenerator(seed: UInt64(k))
        for _ in 0..<5 {
            let s = try (rng.normal([11]) * 2).scalars
            let single = try corrector.act(s)
            let batch = try corrector.act(batch: Tensor(shape: [1, 11], scalars: s)).scalars
            let base = try corrector.base.act(s)
            #expect(zip(single, batch).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(Self.options[k]): \(single) vs \(batch)")
            #expect(single != base, "the correction acts")
        }
        let identity = try untrainedCorrector(Correction(k1: 0, k2: 0))
        let s = try rng.normal([11]).scalars
        #expect(try identity.act(s) == identity.base.act(s))
    }
}
