import Autodiff
import Foundation
import NeuralNet
@testable import OfflineRL
import Simulation
import Testing

// One contract over every offline algorithm: on a tiny dataset each learns (its policy
// moves toward the data's actions), acts deterministically, saves and loads to the same
// actions, repeats its numbers under a seed, and a run resumed from a checkpoint halfway
// equals the run that never stopped, bit for bit.

/// A 3,000-step point-maze dataset by D4RL's recipe: small, quick, with real structure.
let tinyMaze: Dataset = {
    let maze = PointMaze(.umaze, reward: .dense, resampleGoals: true)
    let controller = WaypointController(maze: maze, noise: 0.3, seed: 1)
    return try! collect(env: maze, policy: controller, steps: 3000, seed: 2)
}()

/// Small networks and batches so every algorithm's run takes well under a second.
func tinyConfig(_ algorithm: String) -> String {
    switch algorithm {
    case "bc": return #"{"hidden": [32, 32], "batch_size": 64, "learning_rate": 0.003}"#
    case "10%bc": return #"{"hidden": [32, 32], "batch_size": 64, "learning_rate": 0.003, "top_fraction": 0.1}"#
    case "td3bc": return #"{"hidden": [32, 32], "batch_size": 64, "learning_rate": 0.003}"#
    case "iql": return #"{"hidden": [32, 32], "batch_size": 64, "learning_rate": 0.003}"#
    case "por": return #"{"hidden": [32, 32], "execute_hidden": [32, 32], "batch_size": 64, "learning_rate": 0.003, "normalize_states": true}"#
    case "por-q": return #"{"hidden": [32, 32], "execute_hidden": [32, 32], "batch_size": 64, "learning_rate": 0.003, "variant": "q", "alpha": 5, "normalize_states": true}"#
    default: return #"{"hidden": [32, 32], "batch_size": 64}"#
    }
}

let offlineAlgorithms = ["bc", "10%bc", "td3bc", "iql", "por", "por-q"]

/// The mean squared distance between the policy's actions and the data's, on its states.
func actionError(_ p: ActorPolicy, _ d: Dataset) throws -> Float {
    let rows = Array(stride(from: 0, to: d.count, by: 7))
    let a = try p.act(batch: d.observations.gather(rows))
    return try mse(a, d.actions.gather(rows)).scalar!
}

/// "por-q" is POR with variant q.
func registryName(_ algorithm: String) -> String { algorithm == "por-q" ? "por" : algorithm }

func trainer(_ algorithm: String, seed: UInt64 = 5) throws -> any Trainer {
    try Algorithms.make(registryName(algorithm), source: .dataset(tinyMaze), config: tinyConfig(algorithm), seed: seed)
}

@Suite struct AlgorithmContractTests {
    @Test(arguments: offlineAlgorithms)
    func learnsActsDeterministicallyAndRoundTrips(_ algorithm: String) throws {
        let t = try trainer(algorithm)
        // %BC learns only the best episodes' actions.
        let learned = algorithm.hasSuffix("%bc") ? try tinyMaze.topEpisodes(fraction: 0.1) : tinyMaze
        let before = try actionError(t.policy(), learned)
        let policy = try TrainingLoop(trainer: t, options: TrainingOptions(steps: 300)).run()
        let after = try actionError(policy, learned)
        #expect(after < 0.8 * before, "\(algorithm): action error \(before) → \(after)")
        #expect(policy.provenance.algorithm == t.algorithm && policy.provenance.steps == 300)

        let s = try tinyMaze.observations.gather([0, 10, 20])
        #expect(try policy.act(batch: s).scalars == policy.act(batch: s).scalars)
        // One observation goes through gemv, a batch through gemm: the same to rounding.
        let one = try policy.act(tinyMaze.observations.gather([10]).scalars), row = try policy.act(batch: s).scalars[2..<4]
        #expect(zip(one, row).allSatisfy { abs($0 - $1) < 1e-5 }, "one observation and a batch row must agree")

        let folder = try temporaryFolder(algorithm)
        defer { cleanup(folder) }
        try PolicyFile.write(policy, to: folder + "/p.safetensors")
        let loaded = try PolicyFile.read(from: folder + "/p.safetensors")
        #expect(try loaded.act(batch: s).scalars == policy.act(batch: s).scalars)
        #expect(loaded.provenance == policy.provenance)
    }

    @Test(arguments: offlineAlgorithms)
    func theSameSeedGivesTheSameNumbers(_ algorithm: String) throws {
        func run(_ seed: UInt64) throws -> [Double] {
            let t = try trainer(algorithm, seed: seed)
            return try (0..<20).flatMap { _ in try t.update().map(\.value) }
        }
        #expect(try run(3) == run(3))
        #expect(try run(3) != run(4))
    }

    @Test(arguments: offlineAlgorithms)
    func aRunResumedHalfwayEqualsOneThatNeverStopped(_ algorithm: String) throws {
        let folder = try temporaryFolder(algorithm)
        defer { cleanup(folder) }
        func options(_ steps: Int) -> TrainingOptions {
            var o = TrainingOptions(steps: steps)
            (o.logEvery, o.checkpointEvery) = (10, 20)
            return o
        }
        let whole = try TrainingLoop(trainer: trainer(algorithm), options: options(40)).run()

        let manifest = RunManifest(algorithm: registryName(algorithm), config: tinyConfig(algorithm), seed: 5, options: options(20),
                                   dataset: try tinyMaze.identity(), environment: nil, versions: [:], commandLine: [])
        let first = try RunFolder.create(folder + "/run", manifest: manifest)
        _ = try TrainingLoop(trainer: trainer(algorithm), options: options(20), folder: first).run()

        let again = try RunFolder.open(folder + "/run")
        try again.extend(to: 40)
        let t = try Algorithms.make(again.manifest.algorithm, source: .dataset(tinyMaze), config: again.manifest.config, seed: again.manifest.seed)
        let loop = TrainingLoop(trainer: t, options: again.manifest.options, folder: again)
        try loop.restoreCheckpoint()
        #expect(t.step == 20)
        let resumed = try loop.run()
        #expect(resumed.actor.parameters.map(\.value.scalars) == whole.actor.parameters.map(\.value.scalars))
        let rows = try again.metrics().rows.map { Int($0[0])! }
        #expect(rows == [10, 20, 30, 40])
    }

    /// `resume=true`'s rule: an empty folder starts the run, the same run is continued and
    /// extended, and any other run there is refused with the difference named.
    /// A value out of its field's range is refused by name, by every algorithm.
    @Test(arguments: ["bc", "td3bc", "iql", "por"])
    func outOfRangeSettingsAreRefused(_ algorithm: String) {
        for (field, value, says) in [("learning_rate", "-0.001", "positive"), ("discount", "1.5", "in [0, 1]"), ("hidden", "[32, 0]", "a list of positive sizes")] {
            let config = #"{"\#(field)": \#(value)}"#
            let made = Result { try Algorithms.make(algorithm, source: .dataset(tinyMaze), config: config, seed: 0) }
            if algorithm == "bc" && field == "discount" {   // bc has no discount: an unknown field
                #expect(throws: TrainingError.self) { try made.get() }
                continue
            }
            #expect(throws: TrainingError.invalidConfig("\(field) must be \(says), got \(value.replacingOccurrences(of: " ", with: ""))")) { try made.get() }
        }
    }

    /// IQL's and POR's reward transform is keyed on the task their other per-dataset
    /// settings are (the file's name first) and recorded in the config: an NPZ file names no
    /// environment, and `antmaze-umaze-v2.npz` must still get AntMaze's r − 1.
    @Test func theRewardTransformFollowsTheTaskTheSettingsDo() throws {
        func named(_ file: String) throws -> Dataset {
            try Dataset(observations: tinyMaze.observations, actions: tinyMaze.actions, rewards: tinyMaze.rewards,
                        terminals: tinyMaze.terminals, timeouts: tinyMaze.timeouts, source: "/data/" + file)
        }
        let maze = try IQL(dataset: named("antmaze-umaze-v2.npz"), seed: 0)
        #expect(maze.config.rewards == .minusOne && maze.config.expectile == 0.9)
        let hopper = try POR(dataset: named("hopper-medium-v2.npz"), seed: 0)
        #expect(hopper.config.rewards == .returnRange && hopper.config.variant == .q)
        #expect(try IQL(dataset: named("other.npz"), seed: 0).config.rewards == RewardTransform.none)
        var chosen = IQL.Config()
        chosen.rewards = .none
        #expect(try IQL(dataset: named("hopper-medium-v2.npz"), config: chosen, seed: 0).config.rewards == RewardTransform.none)
    }

    @Test func aRunFolderIsContinuedOnlyByTheSameRun() throws {
        let folder = try temporaryFolder("continue")
        defer { cleanup(folder) }
        func manifest(steps: Int, config: String = tinyConfig("bc"), seed: UInt64 = 5) throws -> RunManifest {
            var o = TrainingOptions(steps: steps)
            (o.logEvery, o.checkpointEvery) = (10, 20)
            return RunManifest(algorithm: "bc", config: config, seed: seed, options: o, dataset: try tinyMaze.identity(),
                               environment: nil, versions: [:], commandLine: [])
        }
        func train(_ m: RunManifest, in name: String = "run") throws -> [[Float]] {
            let run = try RunFolder.createOrContinue(folder + "/" + name, manifest: m)
            let t = try Algorithms.make("bc", source: .dataset(tinyMaze), config: m.config, seed: m.seed)
            let loop = TrainingLoop(trainer: t, options: run.manifest.options, folder: run)
            try loop.restoreCheckpoint()
            return try loop.run().actor.parameters.map(\.value.scalars)
        }
        let whole = try TrainingLoop(trainer: trainer("bc"), options: try manifest(steps: 40).options).run()
        _ = try train(try manifest(steps: 20))
        #expect(try train(try manifest(steps: 40)) == whole.actor.parameters.map(\.value.scalars))
        #expect(try RunFolder.open(folder + "/run").manifest.options.steps == 40)
        #expect(try train(try manifest(steps: 40)) == whole.actor.parameters.map(\.value.scalars))   // done: nothing more
        // Each step is logged once, also when a run dies before its first checkpoint: the
        // rows it logged are dropped, not followed by the same steps again.
        let early = try RunFolder.createOrContinue(folder + "/early", manifest: try manifest(steps: 40))
        let logged = try RunFolder.open(folder + "/run").metrics()
        try early.metricsRow(header: logged.header, values: logged.rows[0])
        #expect(try train(try manifest(steps: 40), in: "early") == whole.actor.parameters.map(\.value.scalars))
        for name in ["run", "early"] {
            let steps = try RunFolder.open(folder + "/" + name).metrics().rows.map { $0[0] }
            #expect(steps == ["10", "20", "30", "40"], "\(name)")
        }

        // A run short of its steps has no final score yet: its last evaluations are refused
        // unless asked for as partial.
        let short = try RunFolder.createOrContinue(folder + "/short", manifest: try manifest(steps: 40))
        for step in [10, 20] { try short.metricsRow(header: ["step", "eval_return", "eval_score"], values: ["\(step)", "5", "\(step)"]) }
        #expect(throws: TrainingError.run(folder + "/short is at step 20 of 40: its last evaluations are not its final ones (continue it with resume=true, or read them anyway with partial=true)")) {
            try short.finalEvaluations(2)
        }
        #expect(try short.finalEvaluations(2, partial: true).values == [10, 20])
        for step in [30, 40] { try short.metricsRow(header: ["step", "eval_return", "eval_score"], values: ["\(step)", "5", "\(step)"]) }
        #expect(try short.finalEvaluations(2).values == [30, 40])

        func refusal(_ m: RunManifest) -> String {
            do { _ = try RunFolder.createOrContinue(folder + "/run", manifest: m); return "" } catch { return "\(error)" }
        }
        #expect(refusal(try manifest(steps: 40, seed: 6)).contains("seed 5, not 6"))
        #expect(refusal(try manifest(steps: 40, config: #"{"hidden": [32, 32], "batch_size": 64, "learning_rate": 0.001}"#))
            .contains("learning_rate 0.003, not 0.001"))

        // Asking a run for fewer steps than it has reached is refused and leaves it as it was.
        #expect(refusal(try manifest(steps: 30)).contains("is at step 40, past the 30 steps asked for"))
        #expect(try RunFolder.open(folder + "/run").manifest.options.steps == 40)

        // A run extended past its first end evaluated there too, off the schedule one long
        // run keeps: its final score leaves that evaluation out.
        var o = TrainingOptions(steps: 25)
        o.evaluateEvery = 20
        let extended = try RunFolder.createOrContinue(folder + "/extended", manifest: RunManifest(
            algorithm: "bc", config: tinyConfig("bc"), seed: 5, options: o, dataset: try tinyMaze.identity(),
            environment: nil, versions: [:], commandLine: []))
        for step in [20, 25] { try extended.metricsRow(header: ["step", "eval_return", "eval_score"], values: ["\(step)", "5", "\(step)"]) }
        try extended.extend(to: 60)
        for step in [40, 60] { try extended.metricsRow(header: ["step", "eval_return", "eval_score"], values: ["\(step)", "5", "\(step)"]) }
        #expect(try extended.finalEvaluations(3).steps == [20, 40, 60])
    }

    /// A run continued under other versions (an OpenBLAS kernel set chosen anew, another
    /// machine) goes on, and its manifest records from which step it ran under what.
    @Test func aRunContinuedUnderOtherVersionsRecordsThem() throws {
        let folder = try temporaryFolder("versions")
        defer { cleanup(folder) }
        func train(to steps: Int, under kernels: String) throws -> String? {
            var o = TrainingOptions(steps: steps)
            (o.logEvery, o.checkpointEvery) = (10, 20)
            let m = RunManifest(algorithm: "bc", config: tinyConfig("bc"), seed: 5, options: o, dataset: try tinyMaze.identity(),
                                environment: nil, versions: ["OpenBLAS": kernels, "cdsa": "0.1.0"], commandLine: [])
            let run = try RunFolder.createOrContinue(folder + "/run", manifest: m)
            let loop = TrainingLoop(trainer: try Algorithms.make("bc", source: .dataset(tinyMaze), config: m.config, seed: m.seed),
                                    options: run.manifest.options, folder: run)
            loop.versions = m.versions
            try loop.restoreCheckpoint()
            _ = try loop.run()
            return try RunFolder.open(folder + "/run").manifest.versions["OpenBLAS"]
        }
        #expect(try train(to: 20, under: "Haswell kernels") == "Haswell kernels")
        #expect(try train(to: 20, under: "SkylakeX kernels") == "Haswell kernels")   // finished: nothing ran
        #expect(try train(to: 40, under: "SkylakeX kernels") == "Haswell kernels; from step 20: SkylakeX kernels")
        #expect(try train(to: 60, under: "SkylakeX kernels") == "Haswell kernels; from step 20: SkylakeX kernels")
        #expect(try train(to: 80, under: "Haswell kernels")
            == "Haswell kernels; from step 20: SkylakeX kernels; from step 60: Haswell kernels")
        let run = try RunFolder.open(folder + "/run")
        #expect(try run.continuing(under: ["OpenBLAS": "Haswell kernels", "cdsa": "0.1.0"], at: 80) == nil)
        let note = try #require(try run.continuing(under: ["OpenBLAS": "Zen kernels", "cdsa": "0.2.0"], at: 80))
        #expect(note.contains("continues at step 80 under other versions (OpenBLAS Haswell kernels, now Zen kernels; cdsa 0.1.0, now 0.2.0)"), "\(note)")
    }
}
