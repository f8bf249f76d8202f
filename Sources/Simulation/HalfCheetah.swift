/// HalfCheetah-v4 as gymnasium 1.0 defines it: a planar runner rewarded for forward (+x)
/// speed. It never terminates; episodes end at the 1000-step limit.
///
/// Observation (17): qpos[1...] (z, torso angle, 6 joint angles), then qvel (9),
/// unclipped. Action (6): joint torques in [-1, 1] (gears 120, 90, 60, 120, 60, 30).
/// Reward: forward_reward_weight · ẋ − ctrl_cost_weight · Σ a², ẋ over dt = 5 × 0.01 s.
public final class HalfCheetah: PlanarLocomotion {
    /// HalfCheetah-v4's defaults; the qvel reset noise is normal with std resetNoiseScale.
    public static let defaults = Config(ctrlCostWeight: 0.1, resetNoiseScale: 0.1)

    public init(config: Config = defaults) throws {
        try super.init(name: "halfcheetah", asset: "half_cheetah", frameSkip: 5, config: config,
                       velocityNoise: ResetNoise.normal, remake: { try HalfCheetah(config: $0) })
    }
}
