import Autodiff

/// Hopper-v4 as gymnasium 1.0 defines it: a planar one-legged robot rewarded for hopping
/// forward (+x) while staying upright.
///
/// Observation (11): qpos[1...] (z, torso angle, 3 joint angles), then qvel (6) clipped
/// to ±10. Action (3): joint torques in [-1, 1] (gear 200).
/// Reward: forward_reward_weight · ẋ + healthy_reward − ctrl_cost_weight · Σ a²,
/// ẋ from the root's x over dt = 4 × 0.002 s. Terminates when unhealthy.
public final class Hopper: MuJoCoEnvironment {
    public struct Config: Sendable {
        /// Weight of the forward velocity term.
        public var forwardRewardWeight = 1.0
        /// Weight of Σ a².
        public var ctrlCostWeight = 1e-3
        /// Reward per step for staying healthy.
        public var healthyReward = 1.0
        /// End the episode when unhealthy (otherwise the healthy reward stops).
        public var terminateWhenUnhealthy = true
        /// Open interval for every qpos[2...] and qvel component.
        public var healthyStateRange = (low: -100.0, high: 100.0)
        /// Open interval for the torso height z.
        public var healthyZRange = (low: 0.7, high: Double.infinity)
        /// Open interval for the torso angle.
        public var healthyAngleRange = (low: -0.2, high: 0.2)
        /// Half-width of the uniform noise added to qpos and qvel at reset.
        public var resetNoiseScale = 5e-3
        public init() {}
    }

    public let name = "hopper"
    public let config: Config
    public let simulator: MuJoCoModel
    public let frameSkip = 4
    public let maxEpisodeSteps = 1000
    public private(set) var contactsInLastStep = 0
    public private(set) var elapsedSteps = 0
    private let actuation: Actuation

    public init(config: Config = Config()) throws {
        self.config = config
        simulator = try MuJoCoModel(bundled: "hopper")
        actuation = Actuation(simulator)
    }

    public var observationSpace: Space { .unbounded(11) }
    public var actionSpace: Space { actuation.space }

    public func observation() -> [Float] { simulator.positionsAndVelocities(from: 1, velocityLimit: 10) }

    public var isHealthy: Bool {
        let s = simulator, c = config
        let z = s.qpos(1), angle = s.qpos(2)
        for i in 2..<s.nq where !(c.healthyStateRange.low < s.qpos(i) && s.qpos(i) < c.healthyStateRange.high) { return false }
        for i in 0..<s.nv where !(c.healthyStateRange.low < s.qvel(i) && s.qvel(i) < c.healthyStateRange.high) { return false }
        return c.healthyZRange.low < z && z < c.healthyZRange.high
            && c.healthyAngleRange.low < angle && angle < c.healthyAngleRange.high
    }

    public func reset(seed: UInt64) throws -> [Float] {
        let noise = ResetNoise.uniform(config.resetNoiseScale)
        try simulator.resetWithNoise(seed: seed, qpos: noise, qvel: noise)
        elapsedSteps = 0
        return observation()
    }

    public func step(_ action: [Float]) throws -> Step {
        let xBefore = simulator.qpos(0)
        let squaredAction = try actuation.apply(action, to: simulator)
        contactsInLastStep = try simulator.step(frameSkip)
        let xVelocity = (simulator.qpos(0) - xBefore) / dt
        let healthy = isHealthy
        let reward = config.forwardRewardWeight * xVelocity
            + (healthy || config.terminateWhenUnhealthy ? config.healthyReward : 0)
            - config.ctrlCostWeight * squaredAction
        elapsedSteps += 1
        return Step(observation: observation(), reward: reward,
                    terminated: config.terminateWhenUnhealthy && !healthy,
                    truncated: elapsedSteps >= maxEpisodeSteps)
    }
}
