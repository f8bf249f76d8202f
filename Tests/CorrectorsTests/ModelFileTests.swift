import Autodiff
@testable import Correctors
import Foundation
import NeuralNet
import OfflineRL
import Testing

// Model files: a saved model loads to the same outputs, bit for bit, with its metadata
// and PyTorch Sequential names; a corrupt or mismatched file is a one-line error.

func trainedScore(_ target: ScoreModel.Target) throws -> ScoreModel {
    let t = try #require(try learner("score_\(target)") as? ScoreTrainer)
    for _ in 0..<20 { _ = try t.update() }
    return try t.model()
}

func trainedInverse() throws -> InverseDynamics {
    let t = try #require(try learner("inverse") as? InverseTrainer)
    for _ in 0..<20 { _ = try t.update() }
    return try t.model()
}

@Suite struct ModelFileTests {
    let s = try! linearDynamics.observations.gather(Array(0..<32))
    let a = try! linearDynamics.actions.gather(Array(0..<32))
    let next = try! linearDynamics.nextObservations.gather(Array(0..<32))

    @Test(arguments: ScoreModel.Target.allCases)
    func aSavedScoreModelLoadsToTheSameOutputs(_ target: ScoreModel.Target) throws {
        let folder = try temporaryFolder("score\(target)")
        defer { cleanup(folder) }
        let model = try trainedScore(target), path = folder + "/score.safetensors"
        try model.save(to: path)
        let loaded = try ScoreModel.load(from: path)
        for sigma: Float in [0.05, 0.1, 0.2] {
            #expect(try loaded.score(states: s, actions: a, sigma: sigma).scalars == model.score(states: s, actions: a, sigma: sigma).scalars)
        }
        #expect(loaded.target == target && loaded.sigmas == [0.05, 0.1, 0.2] && loaded.normalizer == model.normalizer)
        #expect(loaded.eta == model.eta && loaded.oneStepMove == model.oneStepMove && loaded.provenance == model.provenance)
        #expect(try model.score(states: s, actions: a).shape == [32, target == .action ? 2 : 3])

        let file = try SafeTensors.read(from: path)
        #expect(file.metadata["cdsa.kind"] == "score")
        #expect(Set(file.tensors.keys) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
        let spec = try #require(file.metadata["cdsa.model"])
        #expect(spec.contains("\"target\":\"\(target)\"") && spec.contains("\"sigmas\":[0.05,0.1,0.2]") && spec.contains("\"state_size\":3"))
    }

    @Test func aSavedInverseModelLoadsToTheSameOutputs() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let model = try trainedInverse(), path = folder + "/inverse.safetensors"
        try model.save(to: path)
        let loaded = try InverseDynamics.load(from: path)
        #expect(try loaded(states: s, nextStates: next).scalars == model(states: s, nextStates: next).scalars)
        #expect(loaded.provenance == model.provenance && loaded.normalizer == model.normalizer)
        let file = try SafeTensors.read(from: path)
        #expect(file.metadata["cdsa.kind"] == "inverse" && file.tensors["0.weight"]?.shape == [32, 6])
    }

    @Test func badFilesAreOneLineErrors() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let path = folder + "/m.safetensors"
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        try trainedScore(.action).save(to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))

        try good.prefix(good.count - 10).write(to: URL(fileURLWithPath: path))
        let truncated = message { try ScoreModel.load(from: path) }
        #expect(truncated.hasPrefix(path) && truncated.contains("invalid safetensors file") && !truncated.contains("\n"), "\(truncated)")

        try Data("not a model".utf8).write(to: URL(fileURLWithPath: path))
        #expect(!message { try ScoreModel.load(from: path) }.contains("\n"))

        #expect(message { try ScoreModel.load(from: folder + "/missing.safetensors") }.contains("cannot open"))

        try trainedInverse().save(to: path)
        #expect(message { try ScoreModel.load(from: path) } == "load: \(path): holds a cdsa inverse, not a score model")

        var file = try trainedScore(.state).encode()
        file.tensors["2.weight"] = try Tensor.zeros([5, 5])
        try file.write(to: path)
        let shapes = message { try ScoreModel.load(from: path) }
        #expect(shapes.hasPrefix("load: \(path): ") && shapes.contains("'net.2.weight' has shape [5, 5]") && !shapes.contains("\n"), "\(shapes)")

        file = try trainedScore(.state).encode()
        file.tensors["4.bias"] = nil
        try file.write(to: path)
        #expect(message { try ScoreModel.load(from: path) }.contains("lacks tensor '4.bias'"))

        file = try trainedScore(.state).encode()
        file.metadata["cdsa.model"] = file.metadata["cdsa.model"]!.replacingOccurrences(of: "\"sigmas\":[0.05,0.1,0.2]", with: "\"sigmas\":[0.1]")
        try file.write(to: path)
        #expect(message { try ScoreModel.load(from: path) } == "load: \(path): network [6, 32, 32, 3] does not map 5 inputs to 3 outputs as its metadata says")

        file.metadata["cdsa.model"] = "{\"target\": \"velocity\"}"
        try file.write(to: path)
        let spec = message { try ScoreModel.load(from: path) }
        #expect(spec.hasPrefix("load: \(path): its cdsa.model metadata is not readable") && !spec.contains("\n"), "\(spec)")

        file.metadata["cdsa.kind"] = nil
        try file.write(to: path)
        #expect(message { try ScoreModel.load(from: path) } == "load: \(path): not a cdsa model file (no cdsa.kind in its metadata)")
    }

    @Test func scoresCheckTheirArguments() throws {
        let model = try trainedScore(.action)
        #expect(throws: TensorError.self) { try model.score(states: a, actions: a) }
        #expect(throws: TensorError.invalidArgument(op: "score", "σ 0.5 is out of range: this model was trained at σ within its levels 0.05…0.2")) {
            try model.score(states: s, actions: a, sigma: 0.5)
        }
        #expect(throws: TensorError.self) { try trainedInverse()(states: s, nextStates: a) }
    }
}
