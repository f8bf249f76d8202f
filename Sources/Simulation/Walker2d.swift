/// Walker2d-v4 as gymnasium 1.0 defines it: a planar biped rewarded for walking forward
/// (+x) while its torso stays high and upright.
///
/// Observation (17): qpos[1...] (z, torso angle, 6 joint angles), then qvel (9) clipped
/// to ±10. Action (6): joint torques in [-1, 1] (gear 100).
/// Reward: forward_reward_weight · ẋ + healthy_reward − ctrl_cost_weight · Σ a²,
/// ẋ from the root's x over dt = 4 × 0.002 s. Terminates when unhealthy.
public final class Walker2d: PlanarLocomotion {
    /// Walker2d-v4's defaults; the qvel reset noise is uniform.
    public static let defaults = Config(ctrlCostWeight: 1e-3, resetNoiseScale: 5e-3, health: Health(
        zRange: (0.8, 2.0), angleRange: (-1.0, 1.0)))

    public init(config: Config = defaults) throws {
        try super.init(name: "walker2d", asset: "walker2d", frameSkip: 4, config: config, velocityLimit: 10,
                       remake: { try Walker2d(config: $0) })
    }
}
