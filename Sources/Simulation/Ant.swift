import Autodiff

/// Ant-v4 as gymnasium 1.0 defines it: a four-legged robot on a free joint rewarded for
/// forward (+x) speed while its torso stays between 0.2 and 1.0 m high.
///
/// Observation (27 by default): qpos[2...] (torso z, orientation quaternion, 8 joint
/// angles), then qvel (14). With `useContactForces`, the 84 external body forces
/// (cfrc_ext, clipped to `contactForceRange`) follow, as in gymnasium's option.
/// Action (8): joint torques in [-1, 1] (gear 150), ordered hip/ankle of legs 4, 1, 2, 3.
/// Reward: ẋ + healthy_reward − ctrl_cost_weight · Σ a² (− contact cost with the option),
/// ẋ from the torso's body position over dt = 5 × 0.01 s.
public final class Ant: MuJoCoEnvironment {
    public struct Config: Sendable {
        /// Weight of Σ a².
        public var ctrlCostWeight = 0.5
        /// Append the clipped contact forces to the observation and charge the contact cost.
        public var useContactForces = false
        /// Weight of Σ clip(cfrc_ext)² (only with `useContactForces`).
        public var contactCostWeight = 5e-4
        /// Reward per step for staying healthy.
        public var healthyReward = 1.0
        /// End the episode when unhealthy (otherwise the healthy reward stops).
        public var terminateWhenUnhealthy = true
        /// Closed interval for the torso height z.
        public var healthyZRange = (low: 0.2, high: 1.0)
        /// Bounds each contact force component is clipped to.
        public var contactForceRange = (low: -1.0, high: 1.0)
        /// Half-width of the uniform qpos noise and std of the normal qvel noise at reset.
        public var resetNoiseScale = 0.1
        public init() {}
    }

    public let name: String
    public let config: Config
    public let simulator: MuJoCoModel
    public let frameSkip = 5
    public let maxEpisodeSteps: Int
    public private(set) var contactsInLastStep = 0
    public private(set) var elapsedSteps = 0
    private let actuation: Actuation
    private let torso: Int
    /// The torso's (x, y) as mjData.xpos held it when the step began. gymnasium reads
    /// xpos after mj_step, where it lags one physics step behind qpos; keeping the value
    /// reproduces its forward reward exactly.
    var torsoXYBefore: SIMD2<Double> = .zero

    public convenience init(config: Config = Config()) throws {
        try self.init(config: config, simulator: MuJoCoModel(bundled: "ant"), name: "ant", maxEpisodeSteps: 1000)
    }

    public func duplicate() throws -> any PhysicsEnvironment { try Ant(config: config) }

    /// An Ant in another world (AntMaze): the model must contain the same Ant.
    init(config: Config, simulator: MuJoCoModel, name: String, maxEpisodeSteps: Int) throws {
        self.config = config
        self.simulator = simulator
        self.name = name
        self.maxEpisodeSteps = maxEpisodeSteps
        actuation = Actuation(simulator)
        torso = try simulator.bodyID("torso")
    }

    public var observationSpace: Space { .unbounded(27 + (config.useContactForces ? 6 * simulator.nbody : 0)) }
    public var actionSpace: Space { actuation.space }

    public func observation() -> [Float] {
        var o = simulator.positionsAndVelocities(from: 2)
        if config.useContactForces { o += clippedContactForces().map(Float.init) }
        return o
    }

    /// cfrc_ext clipped to `contactForceRange`.
    public func clippedContactForces() -> [Double] {
        simulator.externalForces().map { min(max($0, config.contactForceRange.low), config.contactForceRange.high) }
    }

    public var isHealthy: Bool {
        let s = simulator, z = s.qpos(2)
        for i in 0..<s.nq where !s.qpos(i).isFinite { return false }
        for i in 0..<s.nv where !s.qvel(i).isFinite { return false }
        return config.healthyZRange.low <= z && z <= config.healthyZRange.high
    }

    public func setState(qpos: [Double], qvel: [Double]) throws -> [Float] {
        try simulator.setState(qpos: qpos, qvel: qvel)
        torsoXYBefore = torsoXY
        return observation()
    }

    public func reset(seed: UInt64) throws -> [Float] {
        try simulator.resetWithNoise(seed: seed, qpos: .uniform(config.resetNoiseScale),
                                     qvel: .normal(config.resetNoiseScale))
        torsoXYBefore = torsoXY
        elapsedSteps = 0
        return observation()
    }

    private var torsoXY: SIMD2<Double> {
        let p = simulator.bodyPosition(torso)
        return SIMD2(p.x, p.y)
    }

    /// The reward terms of the last step, as gymnasium's info reports them.
    public private(set) var lastRewardTerms = (forward: 0.0, healthy: 0.0, control: 0.0, contact: 0.0)

    public func step(_ action: [Float]) throws -> Step {
        let squaredAction = try actuation.apply(action, to: simulator)
        contactsInLastStep = try simulator.step(frameSkip)
        let xy = torsoXY
        let forward = (xy.x - torsoXYBefore.x) / dt
        torsoXYBefore = xy
        let healthy = isHealthy
        let healthyReward = healthy || config.terminateWhenUnhealthy ? config.healthyReward : 0
        let control = config.ctrlCostWeight * squaredAction
        var contact = 0.0
        var obs = simulator.positionsAndVelocities(from: 2)
        if config.useContactForces {
            let forces = clippedContactForces()
            contact = config.contactCostWeight * forces.reduce(0) { $0 + $1 * $1 }
            obs += forces.map(Float.init)
        }
        lastRewardTerms = (forward, healthyReward, control, contact)
        elapsedSteps += 1
        return Step(observation: obs, reward: forward + healthyReward - control - contact,
                    terminated: config.terminateWhenUnhealthy && !healthy,
                    truncated: elapsedSteps >= maxEpisodeSteps)
    }
}
