import CMuJoCo
import Foundation

/// What can go wrong building or driving a simulated world.
public enum SimulationError: Error, Equatable, CustomStringConvertible {
    /// MuJoCo refused the MJCF file; `message` is its own error text.
    case modelLoad(path: String, message: String)
    case missingAsset(String)
    case unknownBody(String)
    case unknownEnvironment(String, known: [String])
    /// A known world in a version cdsa does not simulate (gymnasium's v5); says why.
    case otherVersion(String)
    case wrongSize(what: String, expected: Int, got: Int)
    /// MuJoCo raised an error while simulating (its default handler would have exited).
    case simulation(String)

    public var description: String {
        switch self {
        case .modelLoad(let path, let message): "cannot load MuJoCo model \(path): \(message)"
        case .missingAsset(let name): "model asset '\(name)' is not bundled with cdsa"
        case .unknownBody(let name): "the model has no body named '\(name)'"
        case .unknownEnvironment(let name, let known):
            "unknown environment '\(name)' (known: \(known.joined(separator: ", ")))"
        case .otherVersion(let why): why
        case .wrongSize(let what, let expected, let got): "\(what) has \(got) values, expected \(expected)"
        case .simulation(let message): "MuJoCo error: \(message); the state was reset"
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

    /// Replaces MuJoCo's exit()-ing error handler with cdsa's, once per process (shim.h).
    private static let handlers: Void = cdsa_mj_install_handlers()

    /// Compiles the MJCF file at `path`.
    public convenience init(path: String) throws {
        try self.init(name: path) { mj_loadXML(path, nil, $0, $1) }
    }

    /// Compiles MJCF text (through MuJoCo's virtual file system; 2.2.2 has no string
    /// loader); `name` is the file name its messages use.
    public convenience init(xml: String, name: String = "model.xml") throws {
        try self.init(name: name) { error, size in
            cdsa_mj_load_xml_text(name, xml, Int32(xml.utf8.count), error, size)
        }
    }

    private init(name: String, load: (UnsafeMutablePointer<CChar>, Int32) -> UnsafeMutablePointer<mjModel>?) throws {
        _ = Self.handlers
        var message = [CChar](repeating: 0, count: 1000)
        let loaded = Self.loadLock.withLock { message.withUnsafeMutableBufferPointer { load($0.baseAddress!, Int32($0.count)) } }
        guard let m = loaded else {
            let text = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            throw SimulationError.modelLoad(path: name, message: String(decoding: text, as: UTF8.self))
        }
        guard let d = cdsa_mj_make_data(m) else {
            mj_deleteModel(m)
            throw SimulationError.modelLoad(path: name, message: Self.lastError)
        }
        model = m
        data = d
    }

    /// The last MuJoCo error on this thread.
    static var lastError: String { String(cString: cdsa_mj_last_error()) }

    /// The last MuJoCo warning on this thread (e.g. an unstable simulation it reset), or nil.
    public static var lastWarning: String? {
        let text = String(cString: cdsa_mj_last_warning())
        return text.isEmpty ? nil : text
    }

    public static func clearWarning() { cdsa_mj_clear_warning() }

    /// After a MuJoCo error the state may be half-updated (and its stack in use): start over
    /// from the default pose, then report.
    private func failed() -> SimulationError {
        let error = SimulationError.simulation(Self.lastError)
        reset()
        return error
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
    /// Actuator activations (0 for plain motors).
    public var na: Int { Int(model.pointee.na) }
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
        try forward()
    }

    /// What `mj_step` reads besides the model: time, qpos, qvel, act, ctrl and the
    /// solver's warm start (the previous step's accelerations). Written into another
    /// instance of the model, the next steps repeat bit for bit.
    public var dynamicState: [String: [Double]] {
        let d = data.pointee
        func read(_ p: UnsafeMutablePointer<mjtNum>?, _ n: Int) -> [Double] {
            guard let p, n > 0 else { return [] }
            return Array(UnsafeBufferPointer(start: p, count: n))
        }
        return ["time": [d.time], "qpos": qpos, "qvel": qvel, "act": read(d.act, na),
                "qacc_warmstart": read(d.qacc_warmstart, nv), "ctrl": ctrl]
    }

    /// Sets what `dynamicState` gave. Derived quantities stay as they were until the next
    /// step recomputes them from the state (as every step starts by doing).
    public func restore(dynamicState s: [String: [Double]]) throws {
        let sizes = ["time": 1, "qpos": nq, "qvel": nv, "act": na, "qacc_warmstart": nv, "ctrl": nu]
        for (key, n) in sizes.sorted(by: { $0.key < $1.key }) {
            guard let values = s[key] else { throw SimulationError.wrongSize(what: key, expected: n, got: 0) }
            guard values.count == n else { throw SimulationError.wrongSize(what: key, expected: n, got: values.count) }
        }
        data.pointee.time = s["time"]![0]
        qpos = s["qpos"]!
        qvel = s["qvel"]!
        ctrl = s["ctrl"]!
        if na > 0 { copy(s["act"]!, to: data.pointee.act, count: na) }
        copy(s["qacc_warmstart"]!, to: data.pointee.qacc_warmstart, count: nv)
    }

    /// Clears the state to the default pose, zero velocity, zero controls and warm start.
    public func reset() { mj_resetData(model, data) }

    /// Recomputes positions, velocities, forces and accelerations from the current state.
    public func forward() throws {
        guard cdsa_mj_forward(model, data) == 0 else { throw failed() }
    }

    /// Advances `n` physics steps (the environment's frame skip). Returns the largest
    /// number of active constraints (contacts, joint limits, friction loss) seen in any of
    /// those steps: 0 means the motion was free, where MuJoCo versions agree exactly.
    /// A MuJoCo error (which would otherwise exit the process) resets the state and throws.
    @discardableResult
    public func step(_ n: Int) throws -> Int {
        // nefc holds the count of the last evaluated state: the current one after
        // setState/forward, the end of the last step (RK4's final stage) after a step.
        let constraints = cdsa_mj_step(model, data, Int32(n))
        guard constraints >= 0 else { throw failed() }
        return Int(constraints)
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

/// The MuJoCo library's own version string ("2.2.2").
public var mujocoVersion: String { String(cString: mj_versionString()) }
