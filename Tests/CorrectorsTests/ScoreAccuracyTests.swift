import Autodiff
@testable import Correctors
import Foundation
import OfflineRL
import Testing

// The learned score against the exact score of the σ-smoothed mixture the data came
// from, at every trained σ, on points drawn from the smoothed distribution: relative L2
// error at most 0.1. The states are N(3, 2²) in each coordinate, and for the action
// targets the mixture's means move with the first state (a conditional density).
//
// Denoising score matching regresses onto a target whose noise (ε, of size 1) dwarfs the
// signal it averages to at small σ (σ·score, about σ/√(v + σ²) for a component of
// variance v), so accuracy at σ = 0.05 costs samples in proportion to v/σ². The mixtures'
// components have standard deviations of 0.08–0.2 (in normalised units for states), like
// a behaviour policy's noise around its modes, so a few thousand steps reach it.

/// Small networks, a large step size decayed along a cosine: each run takes seconds.
func accuracyConfig(steps: Int) -> String {
    #"{"hidden": [64, 64, 64], "batch_size": 512, "learning_rate": 0.01, "decay_steps": \#(steps)}"#
}

let accuracyRows = 40_000
let evaluationPoints = 4000

// One at a time, so the three trainings do not share the cores and each stays well under 30 s.
@Suite(.serialized) struct ScoreAccuracyTests {
    /// The shift of every action mean at standardised state z: 0.1 z₁ in each coordinate.
    static func shift(_ z: [Double], dimension: Int) -> [Double] { Array(repeating: 0.1 * z[0], count: dimension) }

    /// Trains an action score on (s, a ~ mixture shifted by s) and returns each σ's error.
    func actionErrors(_ mixture: GaussianMixture, steps: Int) throws -> [Float: Double] {
        var rng = RandomGenerator(seed: 11)
        func draw() -> (s: [Double], a: [Double], z: [Double]) {
            let z = [rng.nextNormal(), rng.nextNormal()]
            return (z.map { 3 + 2 * $0 }, mixture.sample(&rng, shift: Self.shift(z, dimension: mixture.dimension)), z)
        }
        let data = (0..<accuracyRows).map { _ in draw() }
        let model = try train(pairs(states: data.map { $0.s }, actions: data.map { $0.a }), "score_action", steps: steps)
        var errors: [Float: Double] = [:]
        for sigma in model.sigmas {
            let points = (0..<evaluationPoints).map { _ in draw() }
            let noisy = points.map { p in p.a.map { $0 + Double(sigma) * rng.nextNormal() } }
            let exact = zip(points, noisy).map { p, a in mixture.smoothedScore(a, sigma: Double(sigma), shift: Self.shift(p.z, dimension: a.count)) }
            let learned = try model.score(states: tensor(points.map { $0.s }), actions: tensor(noisy), sigma: sigma)
            errors[sigma] = relativeError(rows(learned), exact)
        }
        return errors
    }

    func train(_ d: Dataset, _ name: String, steps: Int = 3000) throws -> ScoreModel {
        let trainer = try #require(try Models.make(name, dataset: d, config: accuracyConfig(steps: steps), seed: 7) as? ScoreTrainer)
        try TrainingLoop(trainer: trainer, options: TrainingOptions(steps: steps)).train()
        return try trainer.model()
    }

    func check(_ errors: [Float: Double], _ label: String, since start: Date) {
        let shown = errors.sorted { $0.key < $1.key }.map { "σ \($0.key): \(String(format: "%.3f", $0.value))" }.joined(separator: ", ")
        print("\(label): relative L2 error \(shown) (\(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
        #expect(errors.count == 3)
        for (sigma, error) in errors { #expect(error <= 0.1, "\(label) at σ \(sigma): relative error \(error)") }
    }

    @Test func oneDimensionalActionMixture() throws {
        let start = Date()
        let mixture = GaussianMixture(weights: [0.4, 0.6], means: [[-0.4], [0.3]], variances: [[0.08 * 0.08], [0.1 * 0.1]])
        check(try actionErrors(mixture, steps: 3000), "1-D action mixture", since: start)
    }

    @Test func twoDimensionalActionMixture() throws {
        let start = Date()
        let mixture = GaussianMixture(weights: [0.3, 0.4, 0.3], means: [[-0.45, -0.3], [0.35, 0.4], [0.3, -0.45]],
                                      variances: [[0.01, 0.0064], [0.0081, 0.0121], [0.01, 0.0081]])
        check(try actionErrors(mixture, steps: 5000), "2-D action mixture", since: start)
    }

    @Test func twoDimensionalStateMixture() throws {
        let start = Date()
        let mixture = GaussianMixture(weights: [0.3, 0.4, 0.3], means: [[-2, 0], [1, 1.5], [1.5, -1.5]],
                                      variances: [[0.04, 0.025], [0.03, 0.05], [0.04, 0.04]])
        var rng = RandomGenerator(seed: 12)
        let states = (0..<accuracyRows).map { _ in mixture.sample(&rng) }
        let actions = states.map { _ in [0.5 * rng.nextNormal()] }
        let model = try train(pairs(states: states, actions: actions), "score_state")
        // The score is in normalised units: the mixture seen through the model's normaliser.
        let normalized = mixture.standardized(offset: model.normalizer.mean.scalars, scale: model.normalizer.std.scalars)
        var errors: [Float: Double] = [:]
        for sigma in model.sigmas {
            let clean = try model.normalizer(tensor((0..<evaluationPoints).map { _ in mixture.sample(&rng) }))
            let noisy = rows(clean).map { s in s.map { $0 + Double(sigma) * rng.nextNormal() } }
            let exact = noisy.map { normalized.smoothedScore($0, sigma: Double(sigma)) }
            let a = try tensor((0..<evaluationPoints).map { _ in [0.5 * rng.nextNormal()] })
            errors[sigma] = relativeError(rows(try model.score(normalizedStates: tensor(noisy), actions: a, sigma: sigma)), exact)
        }
        check(errors, "2-D state mixture", since: start)
    }
}
