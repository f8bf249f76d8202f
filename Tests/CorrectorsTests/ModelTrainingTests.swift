import Autodiff
@testable import Correctors
import Foundation
import NeuralNet
import OfflineRL
import Testing

// Every CDSA model learner, through the registry: the same seed gives the same numbers,
// a run resumed from its checkpoint halfway equals the run that never stopped, bit for
// bit, and what it learns saves and loads to the same outputs.

/// s′ = s + 0.1·A·a on i.i.d. states N(0, I₃) and actions uniform in [-1, 1]²; episodes of
/// 50 steps cut by a time limit, whose last step's successor is garbage (s + 5) that a
/// model of the dynamics must never see.
let dynamicsMatrix: [[Float]] = [[1, 0.5], [-0.5, 1], [0.3, -0.8]]

let linearDynamics: Dataset = {
    var rng = RandomGenerator(seed: 3)
    let n = 4000
    let s = try! rng.normal([n, 3]), a = try! rng.uniform([n, 2], low: -1, high: 1)
    let (ss, aa) = (s.scalars, a.scalars)
    let timeouts = (0..<n).map { $0 % 50 == 49 }
    var next = [Float]()
    for i in 0..<n {
        for r in 0..<3 {
            let move = 0.1 * (dynamicsMatrix[r][0] * aa[2 * i] + dynamicsMatrix[r][1] * aa[2 * i + 1])
            next.append(ss[3 * i + r] + (timeouts[i] ? 5 : move))
        }
    }
    return try! Dataset(observations: s, actions: a, rewards: Tensor(shape: [n], repeating: 0), terminals: Array(repeating: false, count: n),
                        timeouts: timeouts, nextObservations: Tensor(shape: [n, 3], scalars: next), source: "linear dynamics")
}()

/// Small networks so each run takes a fraction of a second.
let tinyModelConfig = #"{"hidden": [32, 32], "batch_size": 64, "learning_rate": 0.003}"#
let tinyScoreConfig = #"{"hidden": [32, 32], "batch_size": 64, "learning_rate": 0.003, "decay_steps": 40}"#

func learner(_ name: String, seed: UInt64 = 5) throws -> any Learner {
    try Models.make(name, dataset: linearDynamics, config: name == "inverse" ? tinyModelConfig : tinyScoreConfig, seed: seed)
}

/// The learner's product evaluated on fixed rows: a score, or the inverse model's actions.
func outputs(_ l: any Learner) throws -> [Float] {
    let rows = Array(0..<16), s = try linearDynamics.observations.gather(rows), a = try linearDynamics.actions.gather(rows)
    switch l {
    case let t as ScoreTrainer: return try t.model().score(states: s, actions: a, sigma: 0.1).scalars
    case let t as InverseTrainer: return try t.model()(states: s, nextStates: linearDynamics.nextObservations.gather(rows)).scalars
    default: Issue.record("unexpected learner \(l.algorithm)"); return []
    }
}

@Suite struct ModelTrainingTests {
    @Test(arguments: Models.names)
    func theSameSeedGivesTheSameNumbers(_ name: String) throws {
        func run(_ seed: UInt64) throws -> [Double] {
            let l = try learner(name, seed: seed)
            return try (0..<20).flatMap { _ in try l.update().map(\.value) }
        }
        #expect(try run(3) == run(3))
        #expect(try run(3) != run(4))
        #expect(try learner(name).algorithm == name)
    }

    @Test(arguments: Models.names)
    func aRunResumedHalfwayEqualsOneThatNeverStopped(_ name: String) throws {
        let folder = try temporaryFolder(name)
        defer { cleanup(folder) }
        func options(_ steps: Int) -> TrainingOptions {
            var o = TrainingOptions(steps: steps)
            (o.logEvery, o.checkpointEvery) = (10, 20)
            return o
        }
        let whole = try learner(name)
        try TrainingLoop(trainer: whole, options: options(40)).train()

        let config = name == "inverse" ? tinyModelConfig : tinyScoreConfig
        let manifest = RunManifest(algorithm: name, config: config, seed: 5, options: options(20),
                                   dataset: try linearDynamics.identity(), environment: nil, versions: [:], commandLine: [])
        let first = try RunFolder.create(folder + "/run", manifest: manifest)
        try TrainingLoop(trainer: learner(name), options: options(20), folder: first).train()

        let again = try RunFolder.open(folder + "/run")
        try again.extend(to: 40)
        let resumed = try Models.make(again.manifest.algorithm, dataset: linearDynamics, config: again.manifest.config, seed: again.manifest.seed)
        let loop = TrainingLoop(trainer: resumed, options: again.manifest.options, folder: again)
        try loop.restoreCheckpoint()
        #expect(resumed.step == 20)
        try loop.train()
        let (wholeOut, resumedOut) = (try outputs(whole), try outputs(resumed))
        #expect(!wholeOut.isEmpty && wholeOut == resumedOut)
        #expect(try again.metrics().rows.map { Int($0[0])! } == [10, 20, 30, 40])
    }

    @Test func theRegistryRefusesUnknownNamesAndFields() throws {
        #expect(throws: TrainingError.invalidConfig("unknown model 'score' (known: score_action, score_state, inverse)")) {
            try Models.make("score", dataset: linearDynamics, config: "{}", seed: 0)
        }
        #expect(throws: TrainingError.self) { try Models.make("inverse", dataset: linearDynamics, config: #"{"sigmas": [0.1]}"#, seed: 0) }
        #expect(throws: TrainingError.self) { try Models.make("score_state", dataset: linearDynamics, config: #"{"sigmas": [0.2, 0.1]}"#, seed: 0) }
        let sigmas = try #require(try Models.defaults("score_action")["sigmas"] as? [Double])
        #expect(sigmas.count == 3 && zip(sigmas, [0.05, 0.1, 0.2]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func theInverseModelLearnsLinearDynamicsAndSkipsTimeLimits() throws {
        let config = try ConfigCoding.merged(InverseTrainer.Config(), with: #"{"hidden": [64, 64], "learning_rate": 0.003}"#)
        let t = try InverseTrainer(dataset: linearDynamics, config: config, seed: 1)
        #expect(t.rows.count == 4000 - 80 && t.rows.allSatisfy { !linearDynamics.timeouts[$0] })
        try TrainingLoop(trainer: t, options: TrainingOptions(steps: 2000)).train()
        // Fresh transitions of the same dynamics, actions away from the tanh's saturation.
        var rng = RandomGenerator(seed: 9)
        let s = try rng.normal([500, 3]), a = try rng.uniform([500, 2], low: -0.9, high: 0.9)
        let move = try Tensor.matmul(a, Tensor(shape: [2, 3], scalars: (0..<2).flatMap { c in dynamicsMatrix.map { $0[c] } }))
        let predicted = try t.model()(states: s, nextStates: s + 0.1 * move)
        let error = try mse(predicted, a).scalar!
        print("inverse dynamics: mean squared action error \(error) (actions' variance 0.27)")
        #expect(error < 0.005)
    }

    @Test func aStateModelMeasuresEtaFromTheOneStepMove() throws {
        let t = try #require(try learner("score_state") as? ScoreTrainer)
        for _ in 0..<40 { _ = try t.update() }
        let model = try t.model()
        // Time-limit rows (whose successors here are garbage) do not count.
        #expect(t.moves.count == 4000 - 80 && t.moves.allSatisfy { !linearDynamics.timeouts[$0] })
        let rows = t.moves
        let moves = try rowNorms(t.data.nextObservations.gather(rows) - t.data.observations.gather(rows))
        #expect(model.oneStepMove == median(moves))
        let eta = try #require(model.eta)
        let h = try model.score(normalizedStates: t.data.observations.gather(rows), actions: linearDynamics.actions.gather(rows))
        let displaced = try median(rowNorms(h * (eta * 0.05 * 0.05)))
        #expect(abs(displaced - model.oneStepMove!) < 1e-4 * model.oneStepMove!, "η σ² h should move a median one step")
        #expect(try learner("score_action").update().count == 1)
        #expect(try (learner("score_action") as! ScoreTrainer).model().eta == nil)
    }
}
