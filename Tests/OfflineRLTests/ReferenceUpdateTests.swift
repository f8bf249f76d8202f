import Autodiff
import Foundation
import NeuralNet
@testable import OfflineRL
import Testing

// The algorithms' updates against their reference implementations: PyTorch makes a few
// updates the way the reference code does from given weights and batches
// (Fixtures/make_{iql,por,td3bc}_fixture.py), cdsa makes the same ones from the same weights and
// batches, and every loss and every weight afterwards must agree to float rounding.

/// The tensors of a fixture file, by name.
func referenceTensors(_ name: String) throws -> [String: Tensor] {
    try SafeTensors.read(from: fixture(name, "safetensors")).tensors
}

/// Copies `prefix.<net>.<index>.weight|bias` into an MLP's layers (PyTorch's Sequential
/// numbering: linear layers at even indices).
func load(_ net: MLP, _ tensors: [String: Tensor], _ prefix: String) throws {
    for (i, layer) in net.layers.enumerated() {
        layer.weight.value = try #require(tensors["\(prefix).\(2 * i).weight"], "\(prefix).\(2 * i).weight")
        layer.bias?.value = try #require(tensors["\(prefix).\(2 * i).bias"], "\(prefix).\(2 * i).bias")
    }
}

/// The largest |a − b| / (1 + |b|) over the MLP's weights and the reference's.
func deviation(_ net: MLP, _ tensors: [String: Tensor], _ prefix: String) throws -> Float {
    var worst: Float = 0
    for (i, layer) in net.layers.enumerated() {
        for (mine, key) in [(layer.weight.value, "weight"), (layer.bias!.value, "bias")] {
            let theirs = try #require(tensors["\(prefix).\(2 * i).\(key)"])
            #expect(mine.shape == theirs.shape)
            for (a, b) in zip(mine.scalars, theirs.scalars) { worst = max(worst, abs(a - b) / (1 + abs(b))) }
        }
    }
    return worst
}

func referenceBatch(_ tensors: [String: Tensor], _ t: Int) throws -> Transitions.Batch {
    func get(_ key: String) throws -> Tensor { try #require(tensors["batch\(t).\(key)"]) }
    let terminals = try get("terminals")
    return Transitions.Batch(indices: [], observations: try get("observations"), actions: try get("actions"),
                             rewards: try get("rewards"), nextObservations: try get("next_observations"),
                             notDone: Tensor(terminals.scalars.map { 1 - $0 }))
}

/// Four all-zero rows with 2 actions: an algorithm needs a dataset to be built; the
/// batches it learns from come from the fixture.
func referenceDataset(states: Int) throws -> Dataset {
    try Dataset(observations: Tensor.zeros([4, states]), actions: Tensor.zeros([4, 2]), rewards: Tensor.zeros([4]),
                terminals: [false, false, false, true], timeouts: [false, false, false, false], source: "reference")
}

/// Each loss within 1e-5 (relative to 1 + |PyTorch's|) of the reference's, in order.
func expectLosses(_ losses: Losses, _ expected: [Float], _ label: String) {
    for ((name, value), theirs) in zip(losses, expected) {
        #expect(abs(Float(value) - theirs) <= 1e-5 * (1 + abs(theirs)), "\(label) \(name): \(value) vs PyTorch \(theirs)")
    }
}

@Suite struct ReferenceUpdateTests {
    /// CORL's iql.py, three updates: V, twin Q with soft targets, the Gaussian AWR actor on
    /// its cosine schedule.
    @Test func iqlUpdatesMatchCORL() throws {
        let ref = try referenceTensors("iql_updates")
        let data = try referenceDataset(states: 5)
        var config = IQL.Config()
        config.hidden = [16, 16]
        config.learningRate = 1e-2
        config.tau = 0.1
        config.actorDecaySteps = 4
        config.expectile = 0.7
        config.beta = 3
        config.rewards = .none
        config.normalizeStates = false
        let iql = try IQL(dataset: data, config: config, seed: 0)
        let nets = [("actor", iql.actor), ("q1", iql.critic1), ("q2", iql.critic2), ("q1_target", iql.critic1Target),
                    ("q2_target", iql.critic2Target), ("v", iql.value)]
        for (name, net) in nets { try load(net, ref, "init.\(name)") }
        iql.logStd.value = try #require(ref["init.actor.log_std"])

        for t in 0..<3 {
            let losses = try iql.update(on: referenceBatch(ref, t))
            iql.step += 1
            let expected = try #require(ref["losses\(t)"]).scalars
            expectLosses(losses, expected, "update \(t)")
        }
        for (name, net) in nets {
            let d = try deviation(net, ref, "final.\(name)")
            #expect(d <= 1e-5, "\(name) after 3 updates: deviation \(d)")
        }
        let logStd = try #require(ref["final.actor.log_std"]).scalars
        for (a, b) in zip(iql.logStd.value.scalars, logStd) { #expect(abs(a - b) <= 1e-5, "log_std \(a) vs \(b)") }
    }

    /// The authors' por.py, three updates of each variant: twin V with an EMA target, the
    /// guide (POR-r weighted likelihood; POR-q value plus behaviour-guide likelihood of a
    /// reparametrised sample), the execute policy, both on their cosine schedules.
    @Test(arguments: ["r", "q"])
    func porUpdatesMatchTheAuthorsCode(_ variant: String) throws {
        let ref = try referenceTensors("por_updates").reduce(into: [String: Tensor]()) { kept, entry in
            if entry.key.hasPrefix(variant + ".") { kept[String(entry.key.dropFirst(2))] = entry.value }
        }
        let data = try referenceDataset(states: 4)
        var config = POR.Config()
        config.variant = variant == "r" ? .residual : .q
        config.expectile = 0.7
        config.alpha = variant == "r" ? 3 : 5
        config.hidden = [16, 16]
        config.executeHidden = [16, 16]
        config.learningRate = 1e-2
        config.targetRate = 0.1
        config.decaySteps = 4
        config.rewards = .none
        let por = try POR(dataset: data, config: config, seed: 0)
        let nets = [("v1", por.value1), ("v2", por.value2), ("v1_target", por.value1Target), ("v2_target", por.value2Target),
                    ("guide", por.guide), ("execute", por.execute), ("behaviour_guide", por.behaviourGuide)]
        let logStds = [("guide", por.guideLogStd), ("execute", por.executeLogStd), ("behaviour_guide", por.behaviourLogStd)]
        for (name, net) in nets { try load(net, ref, "init.\(name)") }
        for (name, p) in logStds { p.value = try #require(ref["init.\(name).log_std"]) }

        for t in 0..<3 {
            let losses = try por.update(on: referenceBatch(ref, t), guideNoise: ref["noise\(t)"])
            por.step += 1
            let expected = try #require(ref["losses\(t)"]).scalars
            #expect(losses.count == expected.count, "\(losses)")
            expectLosses(losses, expected, "POR-\(variant) update \(t)")
        }
        for (name, net) in nets {
            let d = try deviation(net, ref, "final.\(name)")
            #expect(d <= 1e-5, "POR-\(variant) \(name) after 3 updates: deviation \(d)")
        }
        for (name, p) in logStds {
            let theirs = try #require(ref["final.\(name).log_std"]).scalars
            for (a, b) in zip(p.value.scalars, theirs) { #expect(abs(a - b) <= 1e-5, "POR-\(variant) \(name).log_std \(a) vs \(b)") }
        }
    }

    /// CORL's td3_bc.py, four updates: the critics every time, the actor and all targets on
    /// the second and fourth.
    @Test func td3bcUpdatesMatchCORL() throws {
        let ref = try referenceTensors("td3bc_updates")
        let data = try referenceDataset(states: 5)
        var config = TD3BC.Config()
        config.hidden = [16, 16]
        config.learningRate = 1e-2
        config.tau = 0.1
        config.normalizeStates = false
        let td3 = try TD3BC(dataset: data, config: config, seed: 0)
        let nets = [("actor", td3.actor), ("q1", td3.critic1), ("q2", td3.critic2), ("actor_target", td3.actorTarget),
                    ("q1_target", td3.critic1Target), ("q2_target", td3.critic2Target)]
        for (name, net) in nets { try load(net, ref, "init.\(name)") }
        for t in 0..<4 {
            let losses = try td3.update(on: referenceBatch(ref, t), noise: ref["noise\(t)"])
            td3.step += 1
            let expected = try #require(ref["losses\(t)"]).scalars
            expectLosses(losses, expected, "update \(t)")
        }
        for (name, net) in nets {
            let d = try deviation(net, ref, "final.\(name)")
            #expect(d <= 1e-5, "\(name) after 4 updates: deviation \(d)")
        }
    }
}
