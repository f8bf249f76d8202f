import CMuJoCo
import Foundation
import Testing
@testable import Simulation

/// Our MJCF files against gymnasium's: both compiled by MuJoCo 2.2.2, every physical
/// quantity of the compiled models must be equal (masses and inertias included, since
/// they follow from the geoms).
enum ReferenceModels {
    static let assets: URL = URL(fileURLWithPath: NSHomeDirectory())
        .appendingPathComponent(".cache/cdsa-reference-venv/lib/python3.11/site-packages/gymnasium/envs/mujoco/assets")

    static var available: Bool { FileManager.default.fileExists(atPath: assets.path) }
}

/// The compiled model's physical facts, by field name.
func physicalFacts(_ sim: MuJoCoModel) -> [String: [Double]] {
    let m = sim.model.pointee
    func d(_ p: UnsafeMutablePointer<mjtNum>?, _ n: Int32, _ w: Int) -> [Double] {
        Array(UnsafeBufferPointer(start: p, count: Int(n) * w))
    }
    func i(_ p: UnsafeMutablePointer<Int32>?, _ n: Int32, _ w: Int = 1) -> [Double] {
        UnsafeBufferPointer(start: p, count: Int(n) * w).map(Double.init)
    }
    func f(_ p: UnsafeMutablePointer<UInt8>?, _ n: Int32) -> [Double] {
        UnsafeBufferPointer(start: p, count: Int(n)).map(Double.init)
    }
    let o = m.opt
    return [
        "sizes": [m.nq, m.nv, m.nu, m.nbody, m.ngeom, m.njnt].map(Double.init),
        "option": [o.timestep, Double(o.integrator), o.gravity.0, o.gravity.1, o.gravity.2, o.impratio, o.tolerance,
                   Double(o.iterations), Double(o.cone), Double(o.jacobian), Double(o.solver)],
        "qpos0": d(m.qpos0, m.nq, 1),
        "body_parentid": i(m.body_parentid, m.nbody), "body_pos": d(m.body_pos, m.nbody, 3),
        "body_quat": d(m.body_quat, m.nbody, 4), "body_ipos": d(m.body_ipos, m.nbody, 3),
        "body_iquat": d(m.body_iquat, m.nbody, 4), "body_mass": d(m.body_mass, m.nbody, 1),
        "body_inertia": d(m.body_inertia, m.nbody, 3),
        "jnt_type": i(m.jnt_type, m.njnt), "jnt_bodyid": i(m.jnt_bodyid, m.njnt),
        "jnt_limited": f(m.jnt_limited, m.njnt), "jnt_pos": d(m.jnt_pos, m.njnt, 3), "jnt_axis": d(m.jnt_axis, m.njnt, 3),
        "jnt_range": d(m.jnt_range, m.njnt, 2), "jnt_stiffness": d(m.jnt_stiffness, m.njnt, 1),
        "jnt_solref": d(m.jnt_solref, m.njnt, Int(mjNREF)), "jnt_solimp": d(m.jnt_solimp, m.njnt, Int(mjNIMP)),
        "jnt_margin": d(m.jnt_margin, m.njnt, 1),
        "dof_armature": d(m.dof_armature, m.nv, 1), "dof_damping": d(m.dof_damping, m.nv, 1),
        "dof_frictionloss": d(m.dof_frictionloss, m.nv, 1),
        "geom_type": i(m.geom_type, m.ngeom), "geom_bodyid": i(m.geom_bodyid, m.ngeom),
        "geom_contype": i(m.geom_contype, m.ngeom), "geom_conaffinity": i(m.geom_conaffinity, m.ngeom),
        "geom_condim": i(m.geom_condim, m.ngeom), "geom_size": d(m.geom_size, m.ngeom, 3),
        "geom_pos": d(m.geom_pos, m.ngeom, 3), "geom_quat": d(m.geom_quat, m.ngeom, 4),
        "geom_friction": d(m.geom_friction, m.ngeom, 3), "geom_margin": d(m.geom_margin, m.ngeom, 1),
        "geom_gap": d(m.geom_gap, m.ngeom, 1), "geom_solref": d(m.geom_solref, m.ngeom, Int(mjNREF)),
        "geom_solimp": d(m.geom_solimp, m.ngeom, Int(mjNIMP)), "geom_solmix": d(m.geom_solmix, m.ngeom, 1),
        "actuator_trnid": i(m.actuator_trnid, m.nu, 2), "actuator_gear": d(m.actuator_gear, m.nu, 6),
        "actuator_ctrllimited": f(m.actuator_ctrllimited, m.nu), "actuator_ctrlrange": d(m.actuator_ctrlrange, m.nu, 2),
        "actuator_gainprm": d(m.actuator_gainprm, m.nu, Int(mjNGAIN)), "actuator_biasprm": d(m.actuator_biasprm, m.nu, Int(mjNBIAS)),
    ]
}

@Suite(.enabled(if: ReferenceModels.available, "needs gymnasium's models in the reference venv (absent: skipped)"))
struct ModelFactsTests {
    @Test(arguments: ["hopper", "walker2d", "half_cheetah", "ant"])
    func compiledModelEqualsGymnasiums(_ name: String) throws {
        let ours = physicalFacts(try MuJoCoModel(bundled: name))
        let theirs = physicalFacts(try MuJoCoModel(path: ReferenceModels.assets.appendingPathComponent("\(name).xml").path))
        for key in theirs.keys.sorted() {
            #expect(ours[key] == theirs[key], "\(name): \(key) differs")
        }
    }
}
