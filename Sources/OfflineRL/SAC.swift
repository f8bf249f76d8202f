import Autodiff
import Foundation
import NeuralNet
import Simulation

/// Soft Actor-Critic with automatic entropy tuning (Haarnoja et al. 2018, "Soft
/// Actor-Critic Algorithms and Applications", arXiv 1812.05905), online in one of the
/// project's environments: the policy D4RL-style datasets are collected with. Defaults
/// as the paper's Table 1: 256-256 ReLU networks, Adam 3e-4, batch 256, γ 0.99, τ 0.005,
/// a 1M replay buffer, target entropy H̄ = −|A|, one gradient step per environment step;
/// plus 10,000 uniform-random steps before the first update (PFRL's reproduction of the
/// paper's settings starts replay the same way).
///
/// The actor emits [μ, log σ] (log σ clamped to [-20, 2]) and acts with a = tanh(u),
/// u ~ N(μ, σ²), so log π(a|s) carries the tanh correction ("Enforcing Action Bounds",
/// appendix C of the first SAC paper, arXiv 1801.01290).
/// Episodes end as gymnasium's do: a terminal step is not bootstrapped from; a step cut
/// by the 1000-step limit is (stored as non-terminal), and either starts a new episode.
///
/// `update()` is one environment step and, after the warm-up, one gradient update.
/// Its losses: q_loss, actor_loss, alpha (the temperature used), entropy (−mean log π
/// over the batch), all 0 during the warm-up except alpha; and episode_return, the
/// return of the last finished episode (0 before the first).
///
/// A checkpoint holds everything the run depends on — networks, targets, Adam moments,
/// log α, both generators, the filled part of the replay buffer and the environment
/// mid-episode (MuJoCo's dynamic state and the step count) — so a resumed run is
/// bit-identical to one that never stopped.
public final class SAC: Trainer {
    public struct Config: Codable, Sendable, Equatable {
        /// Minibatch size.
        public var batchSize = 256
        /// Adam's step size, for the actor, the critics and the temperature.
        public var learningRate: Float = 3e-4
        /// Hidden layer widths of the actor and of each critic.
        public var hidden = [256, 256]
        /// γ, the discount factor.
        public var discount: Float = 0.99
        /// τ, how fast the target critics follow the learned ones.
        public var tau: Float = 0.005
        /// Uniform-random environment steps before the first update.
        public var warmupSteps = 10_000
        /// Transitions the replay buffer keeps (then the oldest are overwritten).
        public var bufferSize = 1_000_000

        public init() {}
    }

    public var algorithm: String { "sac" }
    public let config: Config
    public var step = 0
    let env: any ResumableEnvironment
    let actor: MLP
    let critic1: MLP, critic2: MLP, critic1Target: MLP, critic2Target: MLP
    /// log α, learned so that the policy's entropy stays near H̄.
    let logAlpha: Parameter
    let actorOptimizer: Adam, criticOptimizer: Adam, alphaOptimizer: Adam
    /// H̄ = −|A|.
    let targetEntropy: Float
    var buffer: ReplayBuffer
    /// Network initialisation, minibatches and the policy's noise.
    var rng: RandomGenerator
    /// Episode reset seeds and the warm-up's random actions.
    var envRNG: RandomGenerator
    var observation: [Float]
    var episodeReturn = 0.0, episodeLength = 0, lastReturn = 0.0
    let seed: UInt64

    public init(environment: any PhysicsEnvironment, config: Config = Config(), seed: UInt64) throws {
        guard config.batchSize > 0 else { throw TrainingError.invalidConfig("batch_size must be positive, got \(config.batchSize)") }
        guard config.bufferSize > 0 else { throw TrainingError.invalidConfig("buffer_size must be positive, got \(config.bufferSize)") }
        guard config.warmupSteps >= 0 else { throw TrainingError.invalidConfig("warmup_steps must be non-negative, got \(config.warmupSteps)") }
        // A copy, so the caller's environment is left alone.
        guard let env = try environment.duplicate() as? any ResumableEnvironment else {
            throw TrainingError.invalidConfig("sac cannot checkpoint \(environment.name) mid-episode; it trains in hopper, walker2d or halfcheetah")
        }
        let space = env.actionSpace
        guard space.low.allSatisfy({ $0 == -1 }), space.high.allSatisfy({ $0 == 1 }) else {
            throw TrainingError.invalidConfig("sac's tanh actor acts in [-1, 1]; \(env.name)'s actions are bounded by \(space.low) and \(space.high)")
        }
        self.config = config
        self.seed = seed
        self.env = env
        let (s, a) = (env.observationSpace.size, space.size)
        rng = RandomGenerator(seed: seed)
        envRNG = rng.split()
        actor = try MLP(.init(sizes: [s] + config.hidden + [2 * a]), name: "net", rng: &rng)
        critic1 = try MLP(.init(sizes: [s + a] + config.hidden + [1]), name: "q1", rng: &rng)
        critic2 = try MLP(.init(sizes: [s + a] + config.hidden + [1]), name: "q2", rng: &rng)
        (critic1Target, critic2Target) = (try critic1.copy(), try critic2.copy())
        logAlpha = Parameter(name: "log_alpha", value: Tensor(0))   // α = 1 at first, as the authors' code
        let adam = Adam.Config(learningRate: config.learningRate)
        actorOptimizer = Adam(actor.parameters, adam)
        criticOptimizer = Adam(critic1.parameters + critic2.parameters, adam)
        alphaOptimizer = Adam([logAlpha], adam)
        targetEntropy = -Float(a)
        buffer = ReplayBuffer(capacity: config.bufferSize, observationSize: s, actionSize: a)
        observation = try env.reset(seed: envRNG.next())
    }

    public var configJSON: String { (try? ConfigCoding.encode(config)) ?? "{}" }

    /// Q(s, a) as a vector [n].
    func q(_ critic: MLP, _ s: Tensor, _ a: Tensor) throws -> Tensor {
        try critic(Tensor.concat([s, a], axis: 1)).reshaped([-1])
    }

    /// a = tanh(u), u = μ + σ ε, and log π(a|s) = Σ [log N(u; μ, σ) − log(1 − tanh² u)],
    /// the correction written 2 (log 2 − u − softplus(−2u)) so it stays finite when
    /// tanh u rounds to ±1.
    func sample(_ s: Tensor) throws -> (action: Tensor, logProb: Tensor) {
        let out = try actor(s), n = actor.outputSize / 2
        let mean = try out.slice(axis: 1, 0, n)
        let logStd = try out.slice(axis: 1, n, 2 * n).clamped(ActorPolicy.logStdRange.0, ActorPolicy.logStdRange.1)
        let eps = try rng.normal(mean.shape)
        let u = try mean + logStd.exp() * eps
        // (u − μ)/σ is ε exactly, so log N(u; μ, σ) needs no division.
        let gaussian = try eps * eps * -0.5 - logStd - Float(0.5 * Foundation.log(2 * Double.pi))
        let squash = try 2 * (Float(Foundation.log(2.0)) - u - (-2 * u).softplus())
        return (try u.tanh(), try (gaussian - squash).sum(axes: [1]))
    }

    public func update() throws -> Losses {
        let learning = step >= config.warmupSteps
        let action = learning
            ? try sample(Tensor(shape: [1, observation.count], scalars: observation)).action.scalars
            : (0..<env.actionSpace.size).map { _ in 2 * envRNG.nextFloat() - 1 }
        let result = try env.step(action)
        let cut = !result.terminated && (result.truncated || episodeLength + 1 >= env.maxEpisodeSteps)
        buffer.append(observation, action, Float(result.reward), result.observation, terminal: result.terminated, timeout: cut)
        episodeReturn += result.reward
        episodeLength += 1
        if result.terminated || cut {
            (lastReturn, episodeReturn, episodeLength) = (episodeReturn, 0, 0)
            observation = try env.reset(seed: envRNG.next())
        } else {
            observation = result.observation
        }
        guard learning else {
            return [("q_loss", 0), ("actor_loss", 0), ("alpha", Double(try logAlpha.value.exp().scalar!)), ("entropy", 0),
                    ("episode_return", lastReturn)]
        }
        let (qLoss, actorLoss, alpha, entropy) = try learn()
        return [("q_loss", Double(qLoss)), ("actor_loss", Double(actorLoss)), ("alpha", Double(alpha)),
                ("entropy", Double(entropy)), ("episode_return", lastReturn)]
    }

    /// One gradient step of the critics, the actor and the temperature, then the targets:
    /// what `update()` does after its environment step (public for the benchmark).
    public func learn() throws -> (q: Float, actor: Float, alpha: Float, entropy: Float) {
        let b = try buffer.sample(config.batchSize, using: &rng)
        let alpha = try logAlpha.value.exp()
        // y = r + γ (1 − d) (min_i Q̄_i(s′, a′) − α log π(a′|s′)), a′ ~ π(·|s′).
        let (next, nextLogProb) = try sample(b.nextObservations)
        let nextQ = try Tensor.minimum(q(critic1Target, b.nextObservations, next), q(critic2Target, b.nextObservations, next))
        let y = try b.rewards + config.discount * b.notDone * (nextQ - alpha * nextLogProb)
        // J_Q = E[½ (Q_i(s, a) − y)²] for each critic.
        let (qLoss, qGrads) = try valueWithGradients(at: criticOptimizer.parameters) {
            try 0.5 * (mse(q(critic1, b.observations, b.actions), y) + mse(q(critic2, b.observations, b.actions), y))
        }
        try criticOptimizer.step(qGrads)

        // J_π = E[α log π(a|s) − min_i Q_i(s, a)], a reparametrised; critics as just updated.
        var logProb = Tensor(0)
        let (actorLoss, actorGrads) = try valueWithGradients(at: actor.parameters) {
            let (a, lp) = try sample(b.observations)
            logProb = lp.detached
            let value = try Tensor.minimum(q(critic1, b.observations, a), q(critic2, b.observations, a))
            return try (alpha * lp - value).mean()
        }
        try actorOptimizer.step(actorGrads)

        // J(α) = E[−log α (log π(a|s) + H̄)], with this step's log π (the authors' code).
        let (_, alphaGrads) = try valueWithGradients(at: [logAlpha]) {
            try -(logAlpha.value * (logProb + targetEntropy).mean())
        }
        try alphaOptimizer.step(alphaGrads)

        try softUpdate(target: critic1Target, source: critic1, tau: config.tau)
        try softUpdate(target: critic2Target, source: critic2, tau: config.tau)
        return (qLoss, actorLoss, alpha.scalar!, -(try logProb.mean().scalar!))
    }

    /// The deterministic policy tanh(μ); `with(sampling: true)` samples as SAC explores.
    public func policy() throws -> ActorPolicy {
        try ActorPolicy(actor: actor.copy(), head: .tanhGaussian, normalizer: nil, actionSize: actor.outputSize / 2,
                        provenance: Provenance(algorithm: algorithm, config: configJSON, steps: step, seed: seed, environment: env.name,
                                                kernels: BLAS.coreName))
    }

    var modules: [(String, MLP)] {
        [("actor", actor), ("critic1", critic1), ("critic2", critic2), ("critic1.target", critic1Target), ("critic2.target", critic2Target)]
    }

    public func save(into state: inout TrainingState) throws {
        for (part, net) in modules { state.save(net, as: part) }
        state.save(actorOptimizer, as: "actor.adam")
        state.save(criticOptimizer, as: "critic.adam")
        state.save(logAlpha.value, as: "log_alpha")
        state.save(alphaOptimizer, as: "alpha.adam")
        state.save(rng, as: "rng")
        state.save(envRNG, as: "env.rng")
        try buffer.save(into: &state, as: "buffer")
        for (key, values) in env.episodeState { state.save(values, as: "env/\(key)") }
        state.save(Tensor(observation), as: "env.observation")
        state.save([episodeReturn, lastReturn], as: "episode.returns")
        state.values["episode.length"] = String(episodeLength)
    }

    public func restore(from state: TrainingState) throws {
        for (part, net) in modules { try state.restore(net, from: part) }
        try state.restore(actorOptimizer, from: "actor.adam")
        try state.restore(criticOptimizer, from: "critic.adam")
        let alpha = try state.tensor("log_alpha")
        guard alpha.count == 1 else { throw TrainingError.checkpoint("'log_alpha' has \(alpha.count) values") }
        logAlpha.value = try alpha.reshaped([])
        try state.restore(alphaOptimizer, from: "alpha.adam")
        rng = try state.generator("rng")
        envRNG = try state.generator("env.rng")
        try buffer.restore(from: state, part: "buffer")
        var episode: [String: [Double]] = [:]
        for key in state.values.keys where key.hasPrefix("env/") { episode[String(key.dropFirst(4))] = try state.doubles(key) }
        do { try env.restore(episodeState: episode) } catch { throw TrainingError.checkpoint("env: \(error)") }
        observation = try state.tensor("env.observation").scalars
        let returns = try state.doubles("episode.returns")
        guard returns.count == 2 else { throw TrainingError.checkpoint("'episode.returns' has \(returns.count) values") }
        (episodeReturn, lastReturn) = (returns[0], returns[1])
        episodeLength = try state.integer("episode.length")
    }
}

extension SAC: ExperienceSource {
    /// The replay buffer as a dataset (D4RL's medium-replay is this, up to the medium policy).
    public func experience() throws -> Dataset { try buffer.dataset(environment: env.name) }
}
