import Autodiff
import Foundation
import NeuralNet
@testable import OfflineRL
import Simulation
import Testing

// cdsa's recreation of D4RL's locomotion datasets: names, conventions, determinism.

@Suite struct LocomotionDataTests {
    @Test func namesAsD4RLSpellsThem() {
        #expect(LocomotionData.parse("hopper-medium")! == ("hopper", .medium))
        #expect(LocomotionData.parse("hopper-medium-replay-v2")! == ("hopper", .mediumReplay))
        #expect(LocomotionData.parse("Walker2d-expert-v2")! == ("walker2d", .expert))
        #expect(LocomotionData.parse("halfcheetah-medium-expert")! == ("halfcheetah", .mediumExpert))
        #expect(LocomotionData.parse("half_cheetah-random")! == ("halfcheetah", .random))
        for other in ["hopper", "hopper-medium.hdf5", "ant-medium", "antmaze-umaze-v2", "hopper-full-replay", "data/hopper-medium"] {
            #expect(LocomotionData.parse(other) == nil, "\(other)")
        }
    }

    /// A Gaussian actor standing in for a committed SAC policy.
    func behaviour(in folder: String, level: LocomotionData.Kind, seed: UInt64? = nil) throws {
        var rng = RandomGenerator(seed: seed ?? (level == .medium ? 1 : 2))
        let actor = try MLP(.init(sizes: [11, 16, 6]), rng: &rng)
        let policy = try ActorPolicy(actor: actor, head: .tanhGaussian, normalizer: nil, actionSize: 3,
                                     provenance: Provenance(algorithm: "sac", steps: 10, seed: 0))
        try PolicyFile.write(policy, to: LocomotionData.policyPath("hopper", level, in: folder))
    }

    @Test func aDatasetFromABehaviourPolicyKeepsD4RLsConventionsAndRepeatsByteForByte() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        try behaviour(in: folder, level: .medium)
        try behaviour(in: folder, level: .expert)
        let a = folder + "/a.hdf5", b = folder + "/b.hdf5"
        let d = try LocomotionData.make("hopper", .medium, behaviour: folder, to: a, steps: 1500)
        usleep(1_100_000)   // HDF5 stamps objects with the time to the second unless told not to
        try LocomotionData.make("hopper", .medium, behaviour: folder, to: b, steps: 1500)
        #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b))

        let back = try Dataset.load(a)
        #expect(back.count == 1500 && back.environmentName == "hopper")
        #expect(back.recipe?.hasPrefix("cdsa's recreation of D4RL's hopper-medium by its recipe") == true)
        #expect(back.recipe?.hasSuffix("not D4RL's file") == true)
        #expect(back.description.contains("not D4RL's file"))
        #expect(back.qpos?.width == 6 && back.qvel?.width == 6)
        // A random Gaussian actor falls over: episodes end in terminals, never both flags.
        #expect(back.terminalCount > 0)
        #expect(zip(back.terminals, back.timeouts).allSatisfy { !($0 && $1) })
        // Sampling: the actions are not the deterministic policy's.
        let policy = try PolicyFile.read(from: LocomotionData.policyPath("hopper", .medium, in: folder))
        #expect(try policy.act(batch: d.observations.gather([0, 1, 2])).scalars != d.actions.gather([0, 1, 2]).scalars)

        let both = try LocomotionData.make("hopper", .mediumExpert, behaviour: folder, to: folder + "/me.hdf5", steps: 700)
        // Made from medium and expert, each made first under its own name beside it.
        #expect(both.count == 1400)
        #expect(FileManager.default.fileExists(atPath: LocomotionData.path("hopper", .expert, in: folder)))
        #expect(try Dataset.load(LocomotionData.path("hopper", .medium, in: folder)).episodeCount
                + Dataset.load(LocomotionData.path("hopper", .expert, in: folder)).episodeCount == both.episodeCount)
    }

    /// A made file is the name's dataset only while it is what the recipe makes today: a
    /// replaced behaviour policy or another length makes it stale, with the reason, and
    /// medium-expert makes a stale part again instead of concatenating it.
    @Test func aDatasetMadeFromAReplacedPolicyIsStale() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        try behaviour(in: folder, level: .medium)
        try behaviour(in: folder, level: .expert)
        let medium = try LocomotionData.make("hopper", .medium, behaviour: folder, to: LocomotionData.path("hopper", .medium, in: folder), steps: 300)
        let random = try LocomotionData.make("hopper", .random, behaviour: folder, to: folder + "/r.hdf5", steps: 300)
        #expect(try LocomotionData.freshness(of: medium, "hopper", .medium, behaviour: folder, steps: 300) == .current)
        #expect(try LocomotionData.freshness(of: random, "hopper", .random, behaviour: folder, steps: 300) == .current)
        #expect(try LocomotionData.freshness(of: medium, "hopper", .medium, behaviour: folder, steps: 400) == .stale("has 300 transitions, the recipe makes 400"))
        #expect(try LocomotionData.freshness(of: random, "hopper", .medium, behaviour: folder, steps: 300)
                == .stale("does not start with what hopper-medium.safetensors does now"))

        let both = try LocomotionData.make("hopper", .mediumExpert, behaviour: folder, to: folder + "/me.hdf5", steps: 300)
        #expect(try LocomotionData.freshness(of: both, "hopper", .mediumExpert, behaviour: folder, steps: 300) == .current)
        // The expert policy is replaced (as a retrained one would be).
        try behaviour(in: folder, level: .expert, seed: 9)
        #expect(try LocomotionData.freshness(of: both, "hopper", .mediumExpert, behaviour: folder, steps: 300)
                == .stale("does not start at row 300 with what hopper-expert.safetensors does now"))
        #expect(try LocomotionData.freshness(of: medium, "hopper", .medium, behaviour: folder, steps: 300) == .current)
        let again = try LocomotionData.make("hopper", .mediumExpert, behaviour: folder, to: folder + "/me.hdf5", steps: 300)
        #expect(try LocomotionData.freshness(of: again, "hopper", .mediumExpert, behaviour: folder, steps: 300) == .current)
        #expect(try LocomotionData.freshness(of: Dataset.load(LocomotionData.path("hopper", .expert, in: folder)), "hopper", .expert,
                                             behaviour: folder, steps: 300) == .current)
    }

    /// A file made by the same recipe and policies with other arithmetic (another OpenBLAS
    /// kernel set sums in another order) agrees with what is made here to rounding over its
    /// first steps and parts later: it is kept, and says where it parts. A first step that
    /// differs by more than rounding is another policy's.
    @Test func aDatasetMadeWithOtherArithmeticIsKept() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        try behaviour(in: folder, level: .medium)
        let medium = try LocomotionData.make("hopper", .medium, behaviour: folder, to: folder + "/m.hdf5", steps: 300)
        func nudged(row: Int, by delta: Float) throws -> Dataset {
            var copy = medium, actions = medium.actions.scalars
            actions[row * medium.actionSize] += delta
            copy.actions = try Tensor(shape: medium.actions.shape, scalars: actions)
            return copy
        }
        #expect(try LocomotionData.freshness(of: nudged(row: 3, by: 3e-7), "hopper", .medium, behaviour: folder, steps: 300) == .otherArithmetic(row: 3))
        #expect(try LocomotionData.freshness(of: nudged(row: 150, by: 0.5), "hopper", .medium, behaviour: folder, steps: 300) == .otherArithmetic(row: 150))
        #expect(try LocomotionData.freshness(of: nudged(row: 3, by: 1e-2), "hopper", .medium, behaviour: folder, steps: 300)
                == .stale("does not start with what hopper-medium.safetensors does now"))
    }

    /// Ctrl-C while a dataset is being made stops it, and no file is left behind.
    @Test func anInterruptedDatasetLeavesNoFile() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        try behaviour(in: folder, level: .medium)
        let interrupt = CancellationToken()
        interrupt.cancel()
        #expect(throws: TensorError.self) {
            try LocomotionData.make("hopper", .medium, behaviour: folder, to: folder + "/m.hdf5", steps: 3000, cancellation: interrupt)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".hdf5") || $0.hasPrefix(".") }.isEmpty)
    }

    /// Every behaviour policy committed in stdlib/behaviour makes its world's data: a short
    /// dataset with D4RL's conventions, the same numbers twice.
    static let committed: [String] = {
        let folder = committedBehaviourFolder
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".safetensors") }.sorted()
    }()
    static let committedBehaviourFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("stdlib/behaviour").path

    @Test(arguments: committed)
    func aCommittedBehaviourPolicyMakesItsWorldsData(_ file: String) throws {
        let name = String(file.dropLast(".safetensors".count))
        let (world, kind) = try #require(LocomotionData.parse(name), "\(file) is not named <world>-<level>")
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let behaviour = Self.committedBehaviourFolder
        let a = try LocomotionData.make(world, kind, behaviour: behaviour, to: folder + "/a.hdf5", steps: 300)
        let b = try LocomotionData.make(world, kind, behaviour: behaviour, to: folder + "/b.hdf5", steps: 300)
        let env = try Worlds.make(world)
        #expect(a.count == 300 && a.observationSize == env.observationSpace.size && a.actionSize == env.actionSpace.size)
        #expect(a.observations.scalars == b.observations.scalars && a.actions.scalars == b.actions.scalars)
        #expect(a.recipe?.contains("sac") == true && a.recipe?.hasSuffix("not D4RL's file") == true, "\(a.recipe ?? "")")
        #expect(zip(a.terminals, a.timeouts).allSatisfy { !($0 && $1) })
        #expect(a.actions.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    @Test func theRandomDatasetNeedsNoPolicyAndMissingPoliciesAreNamed() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let d = try LocomotionData.make("walker2d", .random, behaviour: folder, to: folder + "/r.hdf5", steps: 400)
        #expect(d.count == 400 && d.actionSize == 6)
        #expect(throws: DatasetError.notFound(file: folder + "/walker2d-expert.safetensors")) {
            try LocomotionData.make("walker2d", .expert, behaviour: folder, to: folder + "/e.hdf5", steps: 10)
        }
    }

    /// medium-replay retrains the medium policy's SAC run to its step and keeps the
    /// buffer: the same transitions, in order, with D4RL's flags.
    @Test func mediumReplayIsTheSACRunsBufferUpToTheMediumPolicy() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let config = #"{"hidden": [16, 16], "batch_size": 16, "warmup_steps": 60, "buffer_size": 1000}"#
        let trainer = try Algorithms.make("sac", source: .environment(try Worlds.make("hopper")), config: config, seed: 4)
        let medium = try TrainingLoop(trainer: trainer, options: TrainingOptions(steps: 150)).run()
        try PolicyFile.write(medium, to: LocomotionData.policyPath("hopper", .medium, in: folder))
        let d = try LocomotionData.make("hopper", .mediumReplay, behaviour: folder, to: folder + "/mr.hdf5")
        #expect(d.count == 150 && d.terminalCount > 0 && d.missingNextCount == 0)
        #expect(d.recipe?.contains("replay buffer of the SAC run") == true)
        #expect(try LocomotionData.freshness(of: d, "hopper", .mediumReplay, behaviour: folder) == .current)
        // Every episode but the last ends in a terminal or a timeout, and successors are real.
        let back = try Dataset.load(folder + "/mr.hdf5")
        #expect(back.episodeCount == d.episodeCount && back.observations.scalars == d.observations.scalars)
        #expect(zip(back.terminals, back.timeouts).allSatisfy { !($0 && $1) })

        // A medium policy the run does not reproduce is refused, not silently replaced.
        var other = RandomGenerator(seed: 1)
        let forged = try ActorPolicy(actor: MLP(medium.actor.config, rng: &other), head: .tanhGaussian, normalizer: nil,
                                     actionSize: 3, provenance: medium.provenance)
        try PolicyFile.write(forged, to: LocomotionData.policyPath("hopper", .medium, in: folder))
        #expect(throws: DatasetError.self) {
            try LocomotionData.make("hopper", .mediumReplay, behaviour: folder, to: folder + "/mr2.hdf5")
        }
        // …and the buffer made from the old one is stale under it.
        let verdict = try LocomotionData.freshness(of: d, "hopper", .mediumReplay, behaviour: folder)
        guard case .stale(let why) = verdict else { Issue.record("a replaced medium policy left medium-replay \(verdict)"); return }
        #expect(why.hasPrefix("was not made from the medium policy in"))

        // The run records its kernel set; a medium policy computed under another is refused
        // before any retraining, saying why.
        #expect(medium.provenance.kernels == BLAS.coreName)
        medium.provenance.kernels = "Elsewhere"
        try PolicyFile.write(medium, to: LocomotionData.policyPath("hopper", .medium, in: folder))
        #expect(throws: DatasetError.invalidArgument("hopper-medium-replay retrains the medium policy's sac run, which computed with OpenBLAS's Elsewhere kernels; this cdsa uses \(BLAS.coreName) (`cdsa kernels`), so it cannot reproduce it")) {
            try LocomotionData.make("hopper", .mediumReplay, behaviour: folder, to: folder + "/mr3.hdf5")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/mr3.hdf5"))
    }

    /// An interrupted medium-replay keeps its retrain's checkpoints; making it again
    /// continues from them to the same buffer, and the folder goes once the file is made.
    @Test func anInterruptedMediumReplayContinuesToTheSameBuffer() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let config = #"{"hidden": [16, 16], "batch_size": 16, "warmup_steps": 60, "buffer_size": 1000}"#
        let trainer = try Algorithms.make("sac", source: .environment(try Worlds.make("hopper")), config: config, seed: 4)
        try PolicyFile.write(try TrainingLoop(trainer: trainer, options: TrainingOptions(steps: 150)).run(),
                             to: LocomotionData.policyPath("hopper", .medium, in: folder))
        let whole = try LocomotionData.make("hopper", .mediumReplay, behaviour: folder, to: folder + "/whole.hdf5")

        final class StopAt: ProgressReporter {
            let token = CancellationToken()
            func report(title: String, done: Int, total: Int, rate: Double, detail: String, force: Bool) {
                if done == 100 { token.cancel() }
            }
            func finish() {}
        }
        let stop = StopAt(), path = folder + "/mr.hdf5", retrain = LocomotionData.retrainFolder(for: path)
        #expect(throws: DatasetError.invalidArgument("making hopper-medium-replay interrupted at step 100 of 150 of its sac retrain; making it again continues from there")) {
            try LocomotionData.make("hopper", .mediumReplay, behaviour: folder, to: path, progress: stop, cancellation: stop.token)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try RunFolder.open(retrain).hasCheckpoint)
        let continued = try LocomotionData.make("hopper", .mediumReplay, behaviour: folder, to: path)
        #expect(continued.observations.scalars == whole.observations.scalars && continued.actions.scalars == whole.actions.scalars)
        #expect(continued.rewards.scalars == whole.rewards.scalars && continued.terminals == whole.terminals)
        #expect(!FileManager.default.fileExists(atPath: retrain))
    }
}
