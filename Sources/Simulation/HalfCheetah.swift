import Autodiff

/// HalfCheetah-v4 as gymnasium 1.0 defines it: a planar runner rewarded for forward (+x)
/// speed. It never terminates; episodes end at the 1000-step limit.
///
/// Observation (17): qpos[1...] (z, torso angle, 6 joint angles), then qvel (9),
/// unclipped. Action (6): joint torques in [-1, 1] (gears 120, 90, 60, 120, 60, 30).
/// Reward: forward_reward_weight · ẋ − ctrl_cost_weight · Σ a², ẋ over dt = 5 × 0.01 s.
public final class HalfCheetah: MuJoCoEnvironment {
    public struct Config: Sendable {
        /// Weight of the forward velocity term.
        public var forwardRewardWeight = 1.0
        /// Weight of Σ a².
        public var ctrlCostWeight = 0.1
        /// Half-width of the uniform qpos noise and std of the normal qvel noise at reset.
        public var resetNoiseScale = 0.1
        public init() {}
    }

    public let name = "halfcheetah"
    public let config: Config
    public let simulator: MuJoCoModel
    public let frameSkip = 5
    public let maxEpisodeSteps = 1000
    public private(set) var contactsInLastStep = 0
    public private(set) var elapsedSteps = 0
    private let actuation: Actuation

    public init(config: Config = Config()) throws {
        self.config = config
        simulator = try MuJoCoModel(bundled: "half_cheetah")
        actuation = Actuation(simulator)
    }

    public var observationSpace: Space { .unbounded(17) }
    public var actionSpace: Space { actuation.space }

    public func observation() -> [Float] { simulator.positionsAndVelocities(from: 1) }

    public func reset(seed: UInt64) throws -> [Float] {
        try simulator.resetWithNoise(seed: seed, qpos: .uniform(config.resetNoiseScale),
                                     qvel: .normal(config.resetNoiseScale))
        elapsedSteps = 0
        return observation()
    }

    public func step(_ action: [Float]) throws -> Step {
        let xBefore = simulator.qpos(0)
        let squaredAction = try actuation.apply(action, to: simulator)
        contactsInLastStep = try simulator.step(frameSkip)
        let xVelocity = (simulator.qpos(0) - xBefore) / dt
        let reward = config.forwardRewardWeight * xVelocity - config.ctrlCostWeight * squaredAction
        elapsedSteps += 1
        return Step(observation: observation(), reward: reward, terminated: false,
                    truncated: elapsedSteps >= maxEpisodeSteps)
    }
}
