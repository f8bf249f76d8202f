/// Hopper-v4 as gymnasium 1.0 defines it: a planar one-legged robot rewarded for hopping
/// forward (+x) while staying upright.
///
/// Observation (11): qpos[1...] (z, torso angle, 3 joint angles), then qvel (6) clipped
/// to ±10. Action (3): joint torques in [-1, 1] (gear 200).
/// Reward: forward_reward_weight · ẋ + healthy_reward − ctrl_cost_weight · Σ a²,
/// ẋ from the root's x over dt = 4 × 0.002 s. Terminates when unhealthy.
public final class Hopper: PlanarLocomotion {
    /// Hopper-v4's defaults; the qvel reset noise is uniform.
    public static let defaults = Config(ctrlCostWeight: 1e-3, resetNoiseScale: 5e-3, health: Health(
        zRange: (0.7, .infinity), angleRange: (-0.2, 0.2), stateRange: (-100, 100)))

    public init(config: Config = defaults) throws {
        try super.init(name: "hopper", asset: "hopper", frameSkip: 4, config: config, velocityLimit: 10,
                       remake: { try Hopper(config: $0) })
    }
}
