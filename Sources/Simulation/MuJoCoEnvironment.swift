import Autodiff

/// What the MuJoCo worlds share: a simulator, a frame skip, an observation built from
/// the simulator state, and gymnasium's `set_state`/reset-noise conventions.
public protocol MuJoCoEnvironment: PhysicsEnvironment {
    var simulator: MuJoCoModel { get }
    /// Physics steps per environment step.
    var frameSkip: Int { get }
    /// Active constraints (contacts and joint limits) during the last `step`; 0 means the
    /// step was contact-free.
    var contactsInLastStep: Int { get }
    /// The observation of the current simulator state.
    func observation() -> [Float]
}

extension MuJoCoEnvironment {
    public var qpos: [Double] { simulator.qpos }
    public var qvel: [Double] { simulator.qvel }

    /// Seconds per environment step (gymnasium's `dt`).
    public var dt: Double { simulator.timestep * Double(frameSkip) }

    public func setState(qpos: [Double], qvel: [Double]) throws -> [Float] {
        try simulator.setState(qpos: qpos, qvel: qvel)
        return observation()
    }
}

/// How gymnasium perturbs the default pose at reset.
enum ResetNoise {
    /// Uniform in [-scale, scale].
    case uniform(Double)
    /// Normal with standard deviation `scale`.
    case normal(Double)

    func sample(_ rng: inout RandomGenerator) -> Double {
        switch self {
        case .uniform(let s): -s + 2 * s * rng.nextDouble()
        case .normal(let s): s * rng.nextNormal()
        }
    }
}

/// The actuators' bounds, read once from the model: clips actions into ctrl and
/// describes the action space.
struct Actuation {
    let low: [Double]
    let high: [Double]

    init(_ simulator: MuJoCoModel) {
        (low, high) = simulator.controlRange
    }

    var space: Space { Space(shape: [low.count], low: low.map(Float.init), high: high.map(Float.init)) }

    /// Writes the clipped action into the simulator and returns Σ a², the quantity the
    /// control costs weigh — taken on the action as given, as gymnasium's `control_cost`
    /// does: the simulator clips the torque, the reward still pays for the whole request.
    @inline(__always) func apply(_ action: [Float], to simulator: MuJoCoModel) throws -> Double {
        try simulator.setControl(action, low: low, high: high)
        var sum = 0.0
        for a in action { sum += Double(a) * Double(a) }
        return sum
    }
}

extension MuJoCoModel {
    /// gymnasium's `reset_model`: clear the state, then default pose plus noise —
    /// all qpos noise drawn first, then all qvel noise, from one seeded generator.
    func resetWithNoise(seed: UInt64, qpos qposNoise: ResetNoise, qvel qvelNoise: ResetNoise) throws {
        var rng = RandomGenerator(seed: seed)
        reset()
        let q = defaultQpos.map { $0 + qposNoise.sample(&rng) }
        let v = (0..<nv).map { _ in qvelNoise.sample(&rng) }
        try setState(qpos: q, qvel: v)
    }

    /// Observation helper: qpos from index `start` on, then qvel (optionally clipped).
    @inline(__always) func positionsAndVelocities(from start: Int, velocityLimit: Double = .infinity) -> [Float] {
        let q = data.pointee.qpos!, v = data.pointee.qvel!
        let nq = self.nq, nv = self.nv
        return [Float](unsafeUninitializedCapacity: nq - start + nv) { buffer, count in
            for i in start..<nq { buffer[i - start] = Float(q[i]) }
            for i in 0..<nv { buffer[nq - start + i] = Float(min(max(v[i], -velocityLimit), velocityLimit)) }
            count = nq - start + nv
        }
    }
}
