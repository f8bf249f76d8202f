import Foundation
import Testing
@testable import Simulation

/// Ant-v4 steps recorded by gymnasium with nothing touching (scripts/fixtures/ant_airborne.py):
/// the shared random-action recording never leaves the ground, so this is where Ant's
/// contact-free dynamics, observation layout, reward terms and healthy range are checked.
/// The fixture ships with the tests, so this never skips.
@Suite struct AntAirborneTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ant-airborne-gymnasium.hdf5").path

    @Test func contactFreeStepsMatchGymnasium() throws {
        let r = try Recording(path: Self.fixture)
        let env = try Ant()
        var termsChecked = 0
        let f = try replay(env, r, probe: NearContactProbe(asset: "ant")) { i, step, _ in
            expectAntRewardTerms(env, action: r.actions[i], step: step)
            termsChecked += 1
        }
        print("fidelity ant (airborne): \(f); reward terms checked on \(termsChecked) steps")
        // gymnasium's own ant.xml stepped on this MuJoCo (2.2.2) gives our numbers bit for bit
        // (the test below) and differs from this MuJoCo 4.0 recording by up to 1.5e-5 on a
        // few steps: that gap is the version's, so the bar is ≤ 1e-5 on ≥ 95% of steps.
        #expect(f.free.count >= 150, "too few contact-free steps to mean anything")
        #expect(f.free.filter { $0 <= 1e-5 }.count * 100 >= f.free.count * 95)
        #expect((f.free.max() ?? 1) <= 5e-5)
        #expect(f.rewardErrors.max()! <= 1e-4)
        #expect(f.terminationShare == 1)
        #expect(r.terminals.contains(true) && r.terminals.contains(false))
    }
}


/// gymnasium's own Ant model, where the reference virtualenv (../shared/anchors/setup-venv) has it.
private let gymnasiumAnt = (ProcessInfo.processInfo.environment["CDSA_REFERENCE_VENV"]
    ?? NSHomeDirectory() + "/.cache/cdsa-reference-venv") + "/lib/python3.11/site-packages/gymnasium/envs/mujoco/assets/ant.xml"

extension AntAirborneTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: gymnasiumAnt), "needs gymnasium's ant.xml in the reference venv"))
    func ourAntIsGymnasiumsModelBitForBit() throws {
        let r = try Recording(path: Self.fixture)
        let ours = try Ant()
        let theirs = try Ant(config: .init(), simulator: MuJoCoModel(path: gymnasiumAnt), name: "ant", maxEpisodeSteps: 1000)
        for i in 0..<r.steps {
            try ours.setState(qpos: r.qpos[i], qvel: r.qvel[i])
            try theirs.setState(qpos: r.qpos[i], qvel: r.qvel[i])
            let a = try ours.step(r.actions[i]), b = try theirs.step(r.actions[i])
            #expect(a.observation == b.observation && a.reward == b.reward && a.terminated == b.terminated, "step \(i)")
        }
    }
}
