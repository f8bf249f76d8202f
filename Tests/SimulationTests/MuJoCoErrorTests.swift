// MuJoCo's default error handler exits the process; cdsa's turns errors into thrown
// Swift errors (shim.h) and records warnings instead of writing MUJOCO_LOG.TXT.

import Foundation
import Testing
@testable import Simulation

@Suite struct MuJoCoErrorTests {
    @Test func malformedModelTextGivesMuJoCosMessage() {
        do {
            _ = try MuJoCoModel(xml: "<mujoco><worldbody><geom type=\"sphere\"/></worldbody></mujoco>", name: "bad.xml")
            Issue.record("loaded a sphere without a size")
        } catch let SimulationError.modelLoad(path, message) {
            #expect(path == "bad.xml")
            #expect(message.contains("size"), "\(message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: SimulationError.self) { try MuJoCoModel(xml: "<mujoco><worldbody>", name: "cut.xml") }
    }

    @Test func modelTextCompilesLikeAFile() throws {
        let text = try String(contentsOfFile: try MuJoCoModel.assetPath("hopper"), encoding: .utf8)
        let fromText = try MuJoCoModel(xml: text), fromFile = try MuJoCoModel(bundled: "hopper")
        #expect(fromText.nq == fromFile.nq && fromText.defaultQpos == fromFile.defaultQpos)
    }

    /// A fatal MuJoCo error inside mj_step (here its stack overflowing, which mju_error
    /// reports) throws instead of exiting, and the model is usable again afterwards.
    @Test func aFatalErrorWhileSteppingThrowsAndTheModelRecovers() throws {
        let sim = try MuJoCoModel(bundled: "hopper")
        sim.data.pointee.pstack = sim.data.pointee.nstack
        do {
            try sim.step(1)
            Issue.record("stepped with a full stack")
        } catch let SimulationError.simulation(message) {
            #expect(message.contains("Stack overflow"), "\(message)")
        }
        #expect(sim.data.pointee.pstack == 0)
        #expect(try sim.step(4) >= 0)
        sim.data.pointee.pstack = sim.data.pointee.nstack
        #expect(throws: SimulationError.self) { try sim.forward() }
    }

    @Test func warningsAreRecorded() throws {
        MuJoCoModel.clearWarning()
        let sim = try MuJoCoModel(bundled: "hopper")
        var q = sim.qpos
        q[1] = .nan
        try sim.setState(qpos: q, qvel: sim.qvel)
        try sim.step(1)  // MuJoCo warns about the bad position and resets the state
        #expect(MuJoCoModel.lastWarning?.contains("QPOS") == true, "\(MuJoCoModel.lastWarning ?? "no warning")")
        let q2 = sim.qpos
        #expect(q2.allSatisfy { $0.isFinite })
    }
}
