import Autodiff
import Foundation
import Testing
@testable import NeuralNet

private func bits(_ ps: [Parameter]) -> [[UInt32]] { ps.map { $0.value.scalars.map(\.bitPattern) } }

private func temporaryFile(_ name: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cdsa-checkpoint-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
    return dir.appendingPathComponent(name).path
}

@Suite struct CheckpointTests {
    let spec = NetworkSpec(kind: "mlp", sizes: [3, 8, 2], activation: "tanh", out: "tanh")

    @Test func networkAndNormalizerRoundTripThroughOneFile() throws {
        var rng = RandomGenerator(seed: 1)
        let net = try spec.build(rng: &rng)
        let normalizer = try Normalizer(mean: Tensor([0, 1, 2]), std: Tensor([1, 2, 4]))
        let path = try temporaryFile("policy.safetensors")
        try Checkpoint(net, spec: spec, normalizer: normalizer).write(to: path)

        let back = try Checkpoint.read(from: path)
        #expect(back.kind == .network && back.network == spec && back.optimizer == nil)
        #expect(back.normalizer?.mean.scalars == [0, 1, 2] && back.normalizer?.std.scalars == [1, 2, 4])
        let rebuilt = try back.makeNetwork()
        #expect(bits(rebuilt.parameters) == bits(net.parameters))
        #expect(rebuilt.parameters.map(\.name) == ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"])
        // The normaliser travels as two extra tensors, so the file stays a PyTorch state dict.
        let file = try SafeTensors.read(from: path)
        #expect(Set(file.tensors.keys) == Set(net.stateDict.keys).union(["normalizer.mean", "normalizer.std"]))
    }

    /// Files written before checkpoints moved into NeuralNet (kind "network", the spec under
    /// cdsa.config, the parameters by name) still load.
    @Test func readsTheEarlierNetworkFiles() throws {
        var rng = RandomGenerator(seed: 2)
        let linear = try Linear(2, 3, bias: false, rng: &rng)
        let file = SafeTensors(tensors: linear.stateDict, metadata: [
            "cdsa.kind": "network",
            "cdsa.config": #"{"activation":"identity","bias":false,"kind":"linear","layernorm":false,"out":"identity","sizes":[2,3]}"#,
        ])
        let back = try Checkpoint(SafeTensors.decode(file.encode()), source: "old.safetensors")
        #expect(back.network == NetworkSpec(kind: "linear", sizes: [2, 3], bias: false))
        #expect(back.normalizer == nil)
        #expect(bits(try back.makeNetwork().parameters) == bits(linear.parameters))
    }

    @Test func rejectsHalfANormalizerAndUnknownKinds() throws {
        var rng = RandomGenerator(seed: 0)
        let spec = NetworkSpec(kind: "linear", sizes: [2, 1])
        var file = try Checkpoint(spec.build(rng: &rng), spec: spec).safeTensors
        file.tensors["normalizer.mean"] = Tensor([0, 0])
        #expect(throws: CheckpointError(path: "f", reason: "the normalizer needs both normalizer.mean and normalizer.std")) {
            try Checkpoint(file, source: "f")
        }
        file.metadata["cdsa.kind"] = "policy-from-the-future"
        #expect(throws: CheckpointError(path: "f", reason: "unknown checkpoint kind 'policy-from-the-future'")) {
            try Checkpoint(file, source: "f")
        }
    }

    /// N steps straight through equal N/2 steps, a checkpoint, a fresh network and
    /// optimiser restored from it, and N/2 more: bit for bit.
    @Test func adamResumesBitExactlyFromACheckpoint() throws {
        var data = RandomGenerator(seed: 3)
        let x = try data.normal([64, 3]), y = try data.normal([64, 2])
        let config = Adam.Config(learningRate: 1e-2, weightDecay: 1e-2, decoupledWeightDecay: true)
        func train(_ net: any Module, _ opt: Adam, steps: Int) throws {
            let mlp = net as! MLP
            for _ in 0..<steps {
                let (_, g) = try valueWithGradients(at: net.parameters) { try mse(mlp(x), y) }
                try opt.step(g)
            }
        }
        var rng = RandomGenerator(seed: 4)
        let straight = try spec.build(rng: &rng)
        rng = RandomGenerator(seed: 4)
        let first = try spec.build(rng: &rng)
        let straightOpt = Adam(straight.parameters, config), firstOpt = Adam(first.parameters, config)
        try train(straight, straightOpt, steps: 20)
        try train(first, firstOpt, steps: 10)

        let path = try temporaryFile("opt.safetensors")
        try Checkpoint(first, spec: spec, optimizer: firstOpt).write(to: path)
        let back = try Checkpoint.read(from: path)
        #expect(back.kind == .optimizer && back.optimizer?.name == "adamw" && back.optimizer?.config == config)
        let resumed = try back.makeNetwork()
        let resumedOpt = try #require(try back.makeOptimizer(for: resumed))
        #expect(resumedOpt.steps == 10)
        try train(resumed, resumedOpt, steps: 10)
        #expect(bits(resumed.parameters) == bits(straight.parameters))
        #expect(bits(resumed.parameters) != bits(first.parameters))
    }

    @Test func adamStateIsACopyAndRestoreChecksIt() throws {
        let p = Parameter(name: "w", value: try Tensor(shape: [2], scalars: [1, 2]))
        let opt = Adam([p], .init(learningRate: 0.1))
        try opt.step([Tensor([1, -1])])
        let saved = opt.state()
        try opt.step([Tensor([1, -1])])
        #expect(saved.steps == 1 && opt.steps == 2)
        let oneMinusBeta1: Float = 1 - 0.9
        #expect(saved.firstMoment["w"]?.scalars == [oneMinusBeta1, -oneMinusBeta1])   // (1 − β₁) g

        var missing = saved
        missing.secondMoment = [:]
        #expect(throws: TensorError.invalidArgument(op: "adam", "the state has no v for parameter 'w'")) { try opt.restore(missing) }
        var wrongShape = saved
        wrongShape.firstMoment["w"] = Tensor([0])
        #expect(throws: TensorError.shapeMismatch(op: "adam", "m for 'w' has shape [1], expected [2]")) { try opt.restore(wrongShape) }
        var extra = saved
        extra.firstMoment["b"] = Tensor([0])
        #expect(throws: TensorError.invalidArgument(op: "adam", "the state has m for 'b', which is not a parameter")) { try opt.restore(extra) }
        #expect(opt.steps == 2)
        try opt.restore(saved)
        #expect(opt.steps == 1 && opt.state().secondMoment["w"]?.scalars == saved.secondMoment["w"]?.scalars)
    }
}
