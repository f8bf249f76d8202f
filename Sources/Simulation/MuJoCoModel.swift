import CMuJoCo
import Foundation

/// What can go wrong building or driving a simulated world.
public enum SimulationError: Error, Equatable, CustomStringConvertible {
    /// MuJoCo refused the MJCF file; `message` is its own error text.
    case modelLoad(path: String, message: String)
    case missingAsset(String)
    case unknownBody(String)
    case unknownEnvironment(String, known: [String])
    case wrongSize(what: String, expected: Int, got: Int)

    public var description: String {
        switch self {
        case .modelLoad(let path, let message): "cannot load MuJoCo model \(path): \(message)"
        case .missingAsset(let name): "model asset '\(name)' is not bundled with cdsa"
        case .unknownBody(let name): "the model has no body named '\(name)'"
        case .unknownEnvironment(let name, let known):
            "unknown environment '\(name)' (known: \(known.joined(separator: ", ")))"
        case .wrongSize(let what, let expected, let got): "\(what) has \(got) values, expected \(expected)"
        }
    }
}

/// One MuJoCo world: the compiled model and its simulation state (mjModel + mjData),
/// freed together. Not thread-safe; use one per thread.
public final class MuJoCoModel {
    public let model: UnsafeMutablePointer<mjModel>
    public let data: UnsafeMutablePointer<mjData>

    /// MuJoCo's XML loader keeps global state (the last loaded spec), so loads are serialised.
    private static let loadLock = NSLock()

    /// Compiles the MJCF file at `path`.
    public init(path: String) throws {
        var message = [CChar](repeating: 0, count: 1000)
        let loaded = Self.loadLock.withLock { mj_loadXML(path, nil, &message, Int32(message.count)) }
        guard let m = loaded else {
            let text = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            throw SimulationError.modelLoad(path: path, message: String(decoding: text, as: UTF8.self))
        }
        guard let d = mj_makeData(m) else {
            mj_deleteModel(m)
            throw SimulationError.modelLoad(path: path, message: "out of memory allocating mjData")
        }
        model = m
        data = d
    }

    /// A model shipped with cdsa in Sources/Simulation/Assets, e.g. `bundled("hopper")`.
    public convenience init(bundled name: String) throws {
        try self.init(path: try Self.assetPath(name))
    }

    /// The path of a bundled MJCF file.
    public static func assetPath(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "xml", subdirectory: "Assets") else {
            throw SimulationError.missingAsset(name)
        }
        return url.path
    }

    deinit {
        mj_deleteData(data)
        mj_deleteModel(model)
    }

    public var nq: Int { Int(model.pointee.nq) }
    public var nv: Int { Int(model.pointee.nv) }
    public var nu: Int { Int(model.pointee.nu) }
    public var nbody: Int { Int(model.pointee.nbody) }
    /// Seconds per physics step.
    public var timestep: Double { model.pointee.opt.timestep }

    public var qpos: [Double] {
        get { Array(UnsafeBufferPointer(start: data.pointee.qpos, count: nq)) }
        set { copy(newValue, to: data.pointee.qpos, count: nq) }
    }

    public var qvel: [Double] {
        get { Array(UnsafeBufferPointer(start: data.pointee.qvel, count: nv)) }
        set { copy(newValue, to: data.pointee.qvel, count: nv) }
    }

    public var ctrl: [Double] {
        get { Array(UnsafeBufferPointer(start: data.pointee.ctrl, count: nu)) }
        set { copy(newValue, to: data.pointee.ctrl, count: nu) }
    }

    /// The model's default pose (qpos0), which gymnasium calls `init_qpos`.
    public var defaultQpos: [Double] { Array(UnsafeBufferPointer(start: model.pointee.qpos0, count: nq)) }

    @inline(__always) public func qpos(_ i: Int) -> Double { data.pointee.qpos[i] }
    @inline(__always) public func qvel(_ i: Int) -> Double { data.pointee.qvel[i] }

    /// The actuators' control ranges as (low, high) per actuator.
    public var controlRange: (low: [Double], high: [Double]) {
        let r = model.pointee.actuator_ctrlrange!
        return ((0..<nu).map { r[2 * $0] }, (0..<nu).map { r[2 * $0 + 1] })
    }

    /// Writes `action` into ctrl, each component clipped to [low, high].
    @inline(__always) public func setControl(_ action: [Float], low: [Double], high: [Double]) throws {
        guard action.count == nu else { throw SimulationError.wrongSize(what: "action", expected: nu, got: action.count) }
        let c = data.pointee.ctrl!
        for i in 0..<nu { c[i] = min(max(Double(action[i]), low[i]), high[i]) }
    }

    /// Sets (qpos, qvel) and recomputes the derived quantities (gymnasium's `set_state`).
    public func setState(qpos: [Double], qvel: [Double]) throws {
        guard qpos.count == nq else { throw SimulationError.wrongSize(what: "qpos", expected: nq, got: qpos.count) }
        guard qvel.count == nv else { throw SimulationError.wrongSize(what: "qvel", expected: nv, got: qvel.count) }
        self.qpos = qpos
        self.qvel = qvel
        forward()
    }

    /// Clears the state to the default pose, zero velocity, zero controls and warm start.
    public func reset() { mj_resetData(model, data) }

    /// Recomputes positions, velocities, forces and accelerations from the current state.
    public func forward() { mj_forward(model, data) }

    /// Advances `n` physics steps (the environment's frame skip). Returns the largest
    /// number of active constraints (contacts, joint limits, friction loss) seen in any of
    /// those steps: 0 means the motion was free, where MuJoCo versions agree exactly.
    @discardableResult
    public func step(_ n: Int) -> Int {
        // nefc holds the count of the last evaluated state: the current one after
        // setState/forward, the end of the last step (RK4's final stage) after a step.
        var constraints = Int(data.pointee.nefc)
        for _ in 0..<n {
            mj_step(model, data)
            constraints = max(constraints, Int(data.pointee.nefc))
        }
        return constraints
    }

    /// Contacts detected by the last forward pass.
    public var contactCount: Int { Int(data.pointee.ncon) }

    /// The index of the body called `name`.
    public func bodyID(_ name: String) throws -> Int {
        let id = mj_name2id(model, Int32(mjOBJ_BODY.rawValue), name)
        guard id >= 0 else { throw SimulationError.unknownBody(name) }
        return Int(id)
    }

    /// A body's frame origin in world coordinates (mjData.xpos). After `step` this is
    /// the position computed at the start of the last physics step, as gymnasium reads it.
    @inline(__always) public func bodyPosition(_ body: Int) -> SIMD3<Double> {
        let p = data.pointee.xpos + 3 * body
        return SIMD3(p[0], p[1], p[2])
    }

    /// External (contact) forces on every body, nbody × 6 (torque then force, about the
    /// centre of mass), after running MuJoCo's post-constraint pass that fills them.
    public func externalForces() -> [Double] {
        mj_rnePostConstraint(model, data)
        return Array(UnsafeBufferPointer(start: data.pointee.cfrc_ext, count: 6 * nbody))
    }

    private func copy(_ values: [Double], to pointer: UnsafeMutablePointer<mjtNum>, count: Int) {
        precondition(values.count == count, "expected \(count) values, got \(values.count)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }
}
