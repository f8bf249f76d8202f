import Autodiff

/// What Hopper, Walker2d and HalfCheetah share, as gymnasium 1.0's v4 defines them: a
/// planar body whose root slides along x. Observation: qpos[1...], then qvel clipped to
/// ±`velocityLimit`. Reward: forward_reward_weight · ẋ (+ healthy_reward) −
/// ctrl_cost_weight · Σ a², ẋ from the root's x over dt. Episodes last 1000 steps at most.
public class PlanarLocomotion: MuJoCoEnvironment, ResumableEnvironment {
    /// gymnasium's keyword arguments; each environment's `defaults` holds its v4 values.
    public struct Config: Sendable {
        /// Weight of the forward velocity term.
        public var forwardRewardWeight = 1.0
        /// Weight of Σ a².
        public var ctrlCostWeight: Double
        /// Half-width of the uniform qpos noise at reset, and the scale of the qvel noise.
        public var resetNoiseScale: Double
        /// When the body has fallen (Hopper, Walker2d); nil for HalfCheetah, which can't.
        public var health: Health?
    }

    /// gymnasium's healthy_* keyword arguments.
    public struct Health: Sendable {
        /// Reward per step for staying healthy.
        public var reward = 1.0
        /// End the episode when unhealthy (otherwise the healthy reward stops).
        public var terminateWhenUnhealthy = true
        /// Open interval for the torso height z, qpos[1].
        public var zRange: (low: Double, high: Double)
        /// Open interval for the torso angle, qpos[2].
        public var angleRange: (low: Double, high: Double)
        /// Open interval for every qpos[2...] and qvel component (Hopper only).
        public var stateRange: (low: Double, high: Double)?
    }

    public let name: String
    public let config: Config
    public let simulator: MuJoCoModel
    public let frameSkip: Int
    public let maxEpisodeSteps = 1000
    public private(set) var contactsInLastStep = 0
    public private(set) var elapsedSteps = 0
    private let actuation: Actuation
    private let velocityLimit: Double
    private let velocityNoise: ResetNoise
    /// Builds another environment of the subclass (Hopper, Walker2d…) from a config.
    private let remake: (Config) throws -> PlanarLocomotion

    /// `velocityNoise` says how gymnasium draws the qvel reset noise of scale `resetNoiseScale`.
    init(name: String, asset: String, frameSkip: Int, config: Config, velocityLimit: Double = .infinity,
         velocityNoise: (Double) -> ResetNoise = ResetNoise.uniform, remake: @escaping (Config) throws -> PlanarLocomotion) throws {
        self.remake = remake
        self.name = name
        self.config = config
        simulator = try MuJoCoModel(bundled: asset)
        self.frameSkip = frameSkip
        actuation = Actuation(simulator)
        self.velocityLimit = velocityLimit
        self.velocityNoise = velocityNoise(config.resetNoiseScale)
    }

    public func duplicate() throws -> any PhysicsEnvironment { try remake(config) }

    public var observationSpace: Space { .unbounded(simulator.nq - 1 + simulator.nv) }
    public var actionSpace: Space { actuation.space }

    public func observation() -> [Float] { simulator.positionsAndVelocities(from: 1, velocityLimit: velocityLimit) }

    /// gymnasium's is_healthy; always true without `config.health`.
    public var isHealthy: Bool {
        guard let h = config.health else { return true }
        let s = simulator
        func inside(_ r: (low: Double, high: Double), _ x: Double) -> Bool { r.low < x && x < r.high }
        if let r = h.stateRange {
            for i in 2..<s.nq where !inside(r, s.qpos(i)) { return false }
            for i in 0..<s.nv where !inside(r, s.qvel(i)) { return false }
        }
        return inside(h.zRange, s.qpos(1)) && inside(h.angleRange, s.qpos(2))
    }

    public func reset(seed: UInt64) throws -> [Float] {
        try simulator.resetWithNoise(seed: seed, qpos: .uniform(config.resetNoiseScale), qvel: velocityNoise)
        elapsedSteps = 0
        return observation()
    }

    /// The simulator's dynamic state and the step count within the episode.
    public var episodeState: [String: [Double]] {
        simulator.dynamicState.merging(["elapsed_steps": [Double(elapsedSteps)]]) { a, _ in a }
    }

    public func restore(episodeState state: [String: [Double]]) throws {
        guard let n = state["elapsed_steps"], n.count == 1, let steps = Int(exactly: n[0]), steps >= 0 else {
            throw SimulationError.wrongSize(what: "elapsed_steps", expected: 1, got: state["elapsed_steps"]?.count ?? 0)
        }
        try simulator.restore(dynamicState: state)
        elapsedSteps = steps
    }

    public func step(_ action: [Float]) throws -> Step {
        let xBefore = simulator.qpos(0)
        let squaredAction = try actuation.apply(action, to: simulator)
        contactsInLastStep = try simulator.step(frameSkip)
        let xVelocity = (simulator.qpos(0) - xBefore) / dt
        // Summed in gymnasium's order (forward + healthy − control), so rewards match bit for bit.
        var reward = config.forwardRewardWeight * xVelocity
        var terminated = false
        if let h = config.health {
            let healthy = isHealthy
            reward += healthy || h.terminateWhenUnhealthy ? h.reward : 0
            terminated = h.terminateWhenUnhealthy && !healthy
        }
        reward -= config.ctrlCostWeight * squaredAction
        elapsedSteps += 1
        return Step(observation: observation(), reward: reward, terminated: terminated,
                    truncated: elapsedSteps >= maxEpisodeSteps)
    }
}
