import Autodiff
import Foundation
import NeuralNet
@testable import OfflineRL
import Testing

// Policies cross the PyTorch boundary both ways: actors written by PyTorch act here as
// they act there (fixtures from Fixtures/make_policy_fixture.py, never skipped), and a
// cdsa policy file loads into nn.Sequential with load_state_dict and acts the same
// (where the reference venv with torch exists).

struct PolicyExpectations: Decodable {
    struct Case: Decodable {
        var observations: [[Float]]
        var mean: [Float]?
        var std: [Float]?
        var actions: [[Float]]
    }
    var sac: Case
    var layernorm: Case
}

func fixture(_ name: String, _ ext: String) throws -> String {
    try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures")).path
}

func worst(_ a: Tensor, _ b: [[Float]]) -> Float {
    zip(a.scalars, b.flatMap { $0 }).map { abs($0 - $1) }.max() ?? .infinity
}

@Suite struct ForeignPolicyTests {
    let expected: PolicyExpectations = try! JSONDecoder().decode(
        PolicyExpectations.self, from: Data(contentsOf: URL(fileURLWithPath: try! fixture("torch_policies.expected", "json"))))

    @Test func aPyTorchSACActorActsWithItsMeanAsInPyTorch() throws {
        let c = expected.sac
        let file = try SafeTensors.read(from: try fixture("torch_sac_actor", "safetensors"))
        let normalizer = try Normalizer(mean: c.mean!, std: c.std!)
        // The file holds an actor (net.*) and a critic (critic.*): the actor is named.
        let policy = try ForeignWeights.policy(file, source: "sac", activation: .relu, out: .identity, head: 3,
                                               normalizer: normalizer, prefix: "net")
        let tanhPolicy = try ActorPolicy(actor: policy.actor, head: .tanhGaussian, normalizer: normalizer, actionSize: 3,
                                         provenance: policy.provenance)
        let obs = try Tensor(shape: [5, 11], scalars: c.observations.flatMap { $0 })
        #expect(worst(try tanhPolicy.act(batch: obs), c.actions) < 1e-5)
        // With out="tanh" the mean head gives the same actions.
        let viaOut = try ForeignWeights.policy(file, source: "sac", activation: .relu, out: .tanh, head: 3,
                                               normalizer: normalizer, prefix: "net.")
        #expect(worst(try viaOut.act(batch: obs), c.actions) < 1e-5)
        #expect(viaOut.actionSize == 3 && viaOut.observationSize == 11)
    }

    @Test func aLayerNormActorLoadsFromPlainSequentialNames() throws {
        let c = expected.layernorm
        let file = try SafeTensors.read(from: try fixture("torch_ln_actor", "safetensors"))
        let policy = try ForeignWeights.policy(file, source: "ln", activation: .tanh, out: .tanh, head: nil, normalizer: nil)
        #expect(policy.actor.config.layerNorm)
        let obs = try Tensor(shape: [4, 4], scalars: c.observations.flatMap { $0 })
        #expect(worst(try policy.act(batch: obs), c.actions) < 1e-5)
    }

    @Test func badForeignFilesAreOneLineErrors() throws {
        let sac = try SafeTensors.read(from: try fixture("torch_sac_actor", "safetensors"))
        #expect(throws: TensorError.self) {   // 6 outputs cannot be 4 actions
            try ForeignWeights.policy(sac, source: "sac", activation: .relu, out: .identity, head: 4, normalizer: nil, prefix: "net")
        }
        #expect(throws: TensorError.self) {
            try ForeignWeights.policy(sac, source: "sac", activation: .relu, out: .identity, head: 3, normalizer: nil, prefix: "actor")
        }
        var broken = sac
        broken.tensors["net.2.weight"] = try Tensor.zeros([32, 7])
        #expect(throws: TensorError.self) {
            try ForeignWeights.policy(broken, source: "x", activation: .relu, out: .identity, head: 3, normalizer: nil, prefix: "net")
        }
        #expect(throws: TensorError.self) {
            try ForeignWeights.policy(SafeTensors(tensors: ["w": try Tensor.zeros([2, 2])]), source: "x", activation: .relu,
                                      out: .identity, head: nil, normalizer: nil)
        }
    }

    /// cdsa's policy file → safetensors.torch.load_file → nn.Sequential.load_state_dict
    /// (strict) → the same actions, normaliser read from the file's metadata.
    @Test(.enabled(if: torchPython != nil, "needs the reference venv with torch (../shared/anchors/setup-venv)"))
    func pyTorchLoadsACdsaPolicyFileIntoSequential() throws {
        var rng = RandomGenerator(seed: 9)
        let actor = try MLP(.init(sizes: [11, 32, 32, 3], outputActivation: .tanh), rng: &rng)
        let normalizer = try Normalizer(mean: (0..<11).map { Float($0) * 0.1 }, std: (0..<11).map { 1 + Float($0) * 0.05 })
        let policy = try ActorPolicy(actor: actor, head: .action, normalizer: normalizer, actionSize: 3,
                                     provenance: Provenance(algorithm: "bc", steps: 0, seed: 9))
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        try PolicyFile.write(policy, to: folder + "/policy.safetensors")
        let obs = try rng.normal([6, 11])
        let script = """
            import json, sys, torch
            from safetensors import safe_open
            from safetensors.torch import load_file
            path, obs = sys.argv[1], torch.tensor(json.loads(sys.argv[2]))
            net = torch.nn.Sequential(torch.nn.Linear(11, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(),
                                      torch.nn.Linear(32, 3), torch.nn.Tanh())
            net.load_state_dict(load_file(path))
            with safe_open(path, framework="pt") as f:
                spec = json.loads(f.metadata()["cdsa.policy"])
            n = spec["normalizer"]
            with torch.no_grad():
                print(json.dumps(net((obs - torch.tensor(n["mean"])) / torch.tensor(n["std"])).tolist()))
            """
        let rows = (0..<6).map { i in Array(obs.scalars[i * 11..<(i + 1) * 11]) }
        let out = try runProcess(torchPython!, ["-c", script, folder + "/policy.safetensors",
                                               String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)])
        #expect(out.status == 0, "\(out.stderr)")
        let theirs = try JSONDecoder().decode([[Float]].self, from: Data(out.stdout.utf8))
        #expect(worst(try policy.act(batch: obs), theirs) < 1e-5)
    }
}

/// The reference venv's python when it has torch and safetensors ($CDSA_PYTHON first).
let torchPython: String? = {
    var candidates: [String] = []
    if let env = ProcessInfo.processInfo.environment["CDSA_PYTHON"], !env.isEmpty { candidates.append(env) }
    candidates.append(NSHomeDirectory() + "/.cache/cdsa-reference-venv/bin/python")
    for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
        if let r = try? runProcess(python, ["-c", "import torch, safetensors"]), r.status == 0 { return python }
    }
    return nil
}()

func runProcess(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}
