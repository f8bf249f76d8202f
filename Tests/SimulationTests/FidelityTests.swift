import Foundation
import Testing
import Autodiff
import OfflineRL
@testable import Simulation

/// ../shared/data/fidelity, found from this file's location (Tests/SimulationTests/ →
/// the package → its sibling `shared`).
enum SharedFixtures {
    static let fidelity: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/data/fidelity").standardizedFileURL

    static func path(_ world: String) -> String {
        fidelity.appendingPathComponent("\(world)-random-gymnasium.hdf5").path
    }

    static var available: Bool { FileManager.default.fileExists(atPath: fidelity.path) }
}

/// A gymnasium recording: per step the state before, the action, and what followed.
struct Recording {
    let steps: Int
    let qpos, qvel, nextQpos: [[Double]]
    let actions, nextObservations: [[Float]]
    let rewards: [Float]
    let terminals: [Bool]

    /// Read through the project's own D4RL loader (OfflineRL), which keeps infos/* at float64.
    init(path: String) throws {
        let d = try Dataset.load(path)
        func rows(_ name: String) throws -> [[Double]] {
            guard let r = d.infos[name] else { throw DatasetError.missingKey(file: path, key: "infos/\(name)") }
            return (0..<r.rows).map { Array(r.values[$0 * r.width..<($0 + 1) * r.width]) }
        }
        func rows(_ t: Tensor) -> [[Float]] {
            let width = t.shape[1], values = t.scalars
            return (0..<t.shape[0]).map { Array(values[$0 * width..<($0 + 1) * width]) }
        }
        qpos = try rows("qpos")
        qvel = try rows("qvel")
        nextQpos = try rows("next_qpos")
        actions = rows(d.actions)
        nextObservations = rows(d.nextObservations)
        rewards = d.rewards.scalars
        terminals = d.terminals
        steps = d.count
    }
}

/// How closely one world reproduces its recording.
struct Fidelity: CustomStringConvertible {
    var errors: [Double] = []            // max |Δobservation| per step
    var contact: [Bool] = []             // the step saw a contact
    var rewardErrors: [Double] = []
    var terminationsEqual: [Bool] = []

    static func median(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.sorted()[xs.count / 2] }

    var free: [Double] { zip(errors, contact).filter { !$0.1 }.map(\.0) }
    var touching: [Double] { zip(errors, contact).filter { $0.1 }.map(\.0) }
    func share(_ flags: [Bool]) -> Double { Double(flags.filter { $0 }.count) / Double(max(flags.count, 1)) }
    var exactShare: Double { share(errors.map { $0 <= 1e-5 }) }
    var rewardShare: Double { share(rewardErrors.map { $0 <= 1e-2 }) }
    var terminationShare: Double { share(terminationsEqual) }

    var description: String {
        String(format: "%d steps (%d contact-free): max err %.2e (contact-free %.2e), median %.2e, contact-step median %.2e; "
               + "%.1f%% within 1e-5; reward within 1e-2 on %.1f%% (max %.2e); terminations equal on %.1f%%",
               errors.count, free.count, errors.max() ?? 0, free.max() ?? 0, Self.median(errors), Self.median(touching),
               100 * exactShare, 100 * rewardShare, rewardErrors.max() ?? 0, 100 * terminationShare)
    }
}

/// Finds states near a constraint: a copy of the world whose geom and joint margins are
/// widened by `clearance`, so any contact or limit within that distance counts. MuJoCo
/// 2.2.2 and 4.0 detect and resolve near-touching contacts and limits differently, so a
/// step is "contact-free" only when its start and end states are clear by this much and
/// our own simulation met no constraint during it.
final class NearContactProbe {
    let sim: MuJoCoModel

    init(asset: String, clearance: Double = 0.01) throws {
        sim = try MuJoCoModel(bundled: asset)
        let m = sim.model.pointee
        for g in 0..<Int(m.ngeom) { m.geom_margin[g] += clearance }
        for j in 0..<Int(m.njnt) { m.jnt_margin[j] += clearance }
    }

    func nearConstraint(qpos: [Double]) throws -> Bool {
        try sim.setState(qpos: qpos, qvel: [Double](repeating: 0, count: sim.nv))
        return sim.data.pointee.nefc > 0
    }
}

/// Replays `recording` step by step from its recorded states. Steps run in order, so
/// MuJoCo's solver warm start comes from the previous step as it did when recording.
func replay(_ env: some MuJoCoEnvironment, _ recording: Recording, probe: NearContactProbe,
            each: (Int, Step, Bool) -> Void = { _, _, _ in }) throws -> Fidelity {
    var f = Fidelity()
    for i in 0..<recording.steps {
        // Ant's forward reward starts from the torso position gymnasium's last step left
        // in xpos; keep ours when this step continues the previous one.
        let ant = env as? Ant
        let carried = ant?.torsoXYBefore
        _ = try env.setState(qpos: recording.qpos[i], qvel: recording.qvel[i])
        if let ant, let carried, i > 0, recording.qpos[i] == recording.nextQpos[i - 1] { ant.torsoXYBefore = carried }
        let step = try env.step(recording.actions[i])
        let expected = recording.nextObservations[i]
        #expect(step.observation.count == expected.count)
        f.errors.append(zip(step.observation, expected).map { Double(abs($0 - $1)) }.max() ?? 0)
        f.contact.append(try env.contactsInLastStep > 0 || probe.nearConstraint(qpos: recording.qpos[i])
                         || probe.nearConstraint(qpos: recording.nextQpos[i]))
        f.rewardErrors.append(abs(step.reward - Double(recording.rewards[i])))
        f.terminationsEqual.append(step.terminated == recording.terminals[i])
        each(i, step, f.contact[i])
    }
    return f
}

/// Ant-v4's default reward, term by term: ẋ + 1 − 0.5 Σ a², no contact cost.
func expectAntRewardTerms(_ env: Ant, action: [Float], step: Step) {
    let a = action.map(Double.init)
    let terms = env.lastRewardTerms
    #expect(abs(terms.control - 0.5 * a.reduce(0) { $0 + $1 * $1 }) < 1e-6)
    #expect(terms.healthy == 1 && terms.contact == 0)
    #expect(abs(step.reward - (terms.forward + terms.healthy - terms.control)) < 1e-12)
}

@Suite(.enabled(if: SharedFixtures.available, "needs ../shared/data/fidelity (absent: skipped)"), .serialized)
struct FidelityTests {
    func load(_ world: String) throws -> Recording? {
        guard FileManager.default.fileExists(atPath: SharedFixtures.path(world)) else {
            print("skip: \(SharedFixtures.path(world)) is absent")
            return nil
        }
        return try Recording(path: SharedFixtures.path(world))
    }

    @Test func walker2dMatchesOnEveryStep() throws {
        guard let r = try load("walker2d") else { return }
        let f = try replay(Walker2d(), r, probe: NearContactProbe(asset: "walker2d"))
        print("fidelity walker2d: \(f)")
        #expect(f.errors.max()! <= 1e-5)
        #expect(f.rewardErrors.max()! <= 1e-4)
        #expect(f.terminationShare == 1)
    }

    @Test func halfCheetahMatchesOnEveryStep() throws {
        guard let r = try load("halfcheetah") else { return }
        let f = try replay(HalfCheetah(), r, probe: NearContactProbe(asset: "half_cheetah"))
        print("fidelity halfcheetah: \(f)")
        #expect(f.errors.max()! <= 1e-5)
        #expect(f.rewardErrors.max()! <= 1e-4)
        #expect(f.terminationShare == 1)
    }

    @Test func hopperMeetsTheBar() throws {
        guard let r = try load("hopper") else { return }
        let f = try replay(Hopper(), r, probe: NearContactProbe(asset: "hopper"))
        print("fidelity hopper: \(f)")
        #expect((f.free.max() ?? 0) <= 1e-5)
        #expect(Fidelity.median(f.touching) <= 2e-2)
        #expect(f.rewardShare >= 0.97)
        #expect(f.terminationShare >= 0.99)
    }

    @Test func antMeetsTheBar() throws {
        guard let r = try load("ant") else { return }
        let env = try Ant()
        var termsChecked = 0, rewardsChecked = 0
        var previousExact = false
        let f = try replay(env, r, probe: NearContactProbe(asset: "ant")) { i, step, contact in
            let exact = zip(step.observation, r.nextObservations[i]).allSatisfy { abs($0 - $1) <= 1e-5 }
            let continues = i > 0 && r.qpos[i] == r.nextQpos[i - 1]
            defer { previousExact = exact }
            expectAntRewardTerms(env, action: r.actions[i], step: step)
            termsChecked += 1
            // The recorded reward, wherever this step and the one whose torso position it
            // carries over were reproduced (ẋ starts from the previous step's xpos).
            if exact && (previousExact || !continues) {
                #expect(abs(step.reward - Double(r.rewards[i])) < 1e-4, "step \(i)")
                rewardsChecked += 1
            }
        }
        print("fidelity ant: \(f); reward terms checked on \(termsChecked) steps, recorded reward matched on \(rewardsChecked) reproduced steps")
        #expect(env.observationSpace.size == 27)
        #expect((f.free.max() ?? 0) <= 1e-5)
        #expect(rewardsChecked >= 100)
        #expect(f.terminationShare >= 0.99)
    }
}
