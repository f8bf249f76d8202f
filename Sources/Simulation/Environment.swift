import Autodiff

/// The shape and bounds of observations or actions.
public struct Space: Equatable, Sendable, CustomStringConvertible {
    public var shape: [Int]
    /// Per-dimension bounds (±infinity where unbounded).
    public var low: [Float]
    public var high: [Float]

    public init(shape: [Int], low: [Float], high: [Float]) {
        self.shape = shape
        self.low = low
        self.high = high
    }

    /// An unbounded box of `size` dimensions.
    public static func unbounded(_ size: Int) -> Space {
        Space(shape: [size], low: .init(repeating: -.infinity, count: size), high: .init(repeating: .infinity, count: size))
    }

    /// A box [low, high]^size.
    public static func box(_ size: Int, low: Float, high: Float) -> Space {
        Space(shape: [size], low: .init(repeating: low, count: size), high: .init(repeating: high, count: size))
    }

    public var size: Int { shape.reduce(1, *) }

    public var description: String { "box\(shape)" }
}

/// What one step of an environment returns (gymnasium's five-tuple, minus info).
public struct Step: Sendable {
    public var observation: [Float]
    public var reward: Double
    /// The episode ended in the MDP (fell over, reached the goal): no bootstrapping.
    public var terminated: Bool
    /// The episode was cut short by the time limit: the state is not terminal.
    public var truncated: Bool

    public init(observation: [Float], reward: Double, terminated: Bool, truncated: Bool) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
    }
}

/// An episodic environment with gymnasium's semantics. Implementations are classes or
/// structs that own their simulator state; one environment is used from one thread.
public protocol Environment: AnyObject {
    /// Registry name, e.g. "hopper".
    var name: String { get }
    var observationSpace: Space { get }
    var actionSpace: Space { get }
    /// Episode length limit (gymnasium's TimeLimit), in steps.
    var maxEpisodeSteps: Int { get }
    /// Starts an episode; `seed` fixes the reset noise (and goal, where there is one).
    func reset(seed: UInt64) throws -> [Float]
    /// Applies `action` (clipped to the action space) and advances one step.
    func step(_ action: [Float]) throws -> Step
}

/// An environment simulated by MuJoCo, whose full state is (qpos, qvel).
public protocol PhysicsEnvironment: Environment {
    var qpos: [Double] { get }
    var qvel: [Double] { get }
    /// Sets the simulator state (as gymnasium's `set_state`) and returns the observation.
    func setState(qpos: [Double], qvel: [Double]) throws -> [Float]
    /// A fresh environment configured like this one (batched evaluation runs several).
    func duplicate() throws -> any PhysicsEnvironment
}

/// An environment that can stop mid-episode and continue elsewhere bit for bit: what an
/// online training run's checkpoint keeps of its environment. (qpos and qvel are not
/// enough: the episode's step count decides when the time limit cuts it.)
public protocol ResumableEnvironment: PhysicsEnvironment {
    /// Every number the next steps depend on, by name.
    var episodeState: [String: [Double]] { get }
    /// Continues from `state`, as `episodeState` gave it in an environment of this kind.
    func restore(episodeState state: [String: [Double]]) throws
}

/// Maps observations to actions. Baselines, loaded weights and corrected policies all
/// conform; evaluation, `rollout` and `collect` take any of them and act in Swift.
public protocol Policy {
    var observationSize: Int { get }
    var actionSize: Int { get }
    /// The action for one observation.
    func act(_ observation: [Float]) throws -> [Float]
    /// Actions for a batch [n, observationSize] → [n, actionSize].
    func act(batch observations: Tensor) throws -> Tensor
    /// The policy for one run (a rollout, an evaluation, a collection) with seed `seed`:
    /// a policy with noise of its own restarts it from `seed` mixed with its own, so a run
    /// is a function of its seed. A deterministic policy is itself.
    func restarted(seed: UInt64) -> any Policy
    /// Whether one policy may act for several environments at once (a batch per step).
    /// False for a policy tied to one environment, such as a controller reading its maze.
    var canActInBatches: Bool { get }
    /// The world it learned for, when known ("walker2d": its data's or its environment's),
    /// so that acting in another body with the same sizes is refused, not scored.
    var world: String? { get }
}

extension Policy {
    public func restarted(seed: UInt64) -> any Policy { self }
    public var canActInBatches: Bool { true }
    public var world: String? { nil }

    public func act(batch observations: Tensor) throws -> Tensor {
        guard observations.rank == 2, observations.shape[1] == observationSize else {
            throw TensorError.shapeMismatch(op: "act", "expects [n, \(observationSize)], got \(observations.shape)")
        }
        let n = observations.shape[0], flat = observations.scalars
        var out: [Float] = []
        out.reserveCapacity(n * actionSize)
        for i in 0..<n { out += try act(Array(flat[i * observationSize..<(i + 1) * observationSize])) }
        return try Tensor(shape: [n, actionSize], scalars: out)
    }
}

/// Uniform random actions in the action space, from its own seeded generator.
public final class RandomPolicy: Policy {
    public let space: Space
    public let observationSize: Int
    public let seed: UInt64
    private var rng: RandomGenerator

    public init(observationSize: Int, actionSpace: Space, seed: UInt64) {
        self.observationSize = observationSize
        self.space = actionSpace
        self.seed = seed
        rng = RandomGenerator(seed: seed)
    }

    public var actionSize: Int { space.size }

    public func restarted(seed run: UInt64) -> any Policy {
        RandomPolicy(observationSize: observationSize, actionSpace: space, seed: mixSeeds(seed, run))
    }

    public func act(_ observation: [Float]) throws -> [Float] {
        (0..<space.size).map { i in space.low[i] + (space.high[i] - space.low[i]) * rng.nextFloat() }
    }
}

/// The seed of a policy's own noise for one run with seed `run`: its seed mixed with the
/// run's, so a rollout is a function of its seed and two policies' streams differ.
public func mixSeeds(_ seed: UInt64, _ run: UInt64) -> UInt64 {
    var mix = RandomGenerator(seed: seed ^ (run &* 0x9E37_79B9_7F4A_7C15))
    return mix.next()
}
