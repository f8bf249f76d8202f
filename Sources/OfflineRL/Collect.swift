import Autodiff
import Foundation
import Simulation

/// Runs `policy` in `env` for `steps` steps and records every transition, D4RL-style:
/// the environment is reset when an episode terminates or hits its time limit.
/// `terminals` records termination (the MDP ended); `timeouts` records truncation by
/// the time limit (`truncated`, or `maxEpisodeSteps` reached) when the step did not
/// also terminate — termination wins, since then there is nothing to bootstrap from.
/// Every step keeps its real successor (the observation `step` returned), so no
/// transition crosses a reset. A `PhysicsEnvironment` also gives infos/qpos and
/// infos/qvel: the simulator state before each step.
///
/// `seed` draws the reset seed of every episode; the policy samples from its own
/// generator (a `RandomPolicy` takes its seed when built). A set `cancellation` (Ctrl-C)
/// stops it within a thousand steps.
public func collect(env: some Environment, policy: some Policy, steps: Int, seed: UInt64,
                    progress: (any ProgressReporter)? = nil, title: String = "collect",
                    cancellation: CancellationToken? = nil) throws -> Dataset {
    guard steps > 0 else { throw DatasetError.invalidArgument("collect: steps must be positive, got \(steps)") }
    let obsSize = env.observationSpace.size, actSize = env.actionSpace.size
    guard policy.observationSize == obsSize, policy.actionSize == actSize else {
        throw DatasetError.invalidArgument("collect: the policy maps \(policy.observationSize) → \(policy.actionSize) values, "
            + "\(env.name) has observations of \(obsSize) and actions of \(actSize)")
    }
    if let why = Worlds.mismatch(policy, env) { throw DatasetError.invalidArgument("collect: \(why)") }
    let physics = env as? any PhysicsEnvironment
    var rng = RandomGenerator(seed: seed)
    var observations: [Float] = [], next: [Float] = [], actions: [Float] = [], rewards: [Float] = []
    var terminals: [Bool] = [], timeouts: [Bool] = [], qpos: [Double] = [], qvel: [Double] = []
    observations.reserveCapacity(steps * obsSize)
    next.reserveCapacity(steps * obsSize)
    actions.reserveCapacity(steps * actSize)

    var observation = try env.reset(seed: rng.next())
    var episodeStep = 0
    let started = Date().timeIntervalSinceReferenceDate
    defer { progress?.finish() }
    for done in 0..<steps {
        if done % 1000 == 0 {
            try cancellation?.check()
            if let progress {
                let rate = Double(done) / Swift.max(Date().timeIntervalSinceReferenceDate - started, 1e-9)
                progress.report(title: title, done: done, total: steps, rate: rate, detail: "", force: done % 100_000 == 0)
            }
        }
        guard observation.count == obsSize else {
            throw DatasetError.invalidArgument("collect: \(env.name) returned \(observation.count) observation values, its space has \(obsSize)")
        }
        if let physics { qpos += physics.qpos; qvel += physics.qvel }
        let action = try policy.act(observation)
        guard action.count == actSize else {
            throw DatasetError.invalidArgument("collect: the policy returned \(action.count) action values, \(env.name) takes \(actSize)")
        }
        let step = try env.step(action)
        episodeStep += 1
        let truncated = !step.terminated && (step.truncated || episodeStep >= env.maxEpisodeSteps)
        observations += observation
        actions += action
        rewards.append(Float(step.reward))
        next += step.observation
        terminals.append(step.terminated)
        timeouts.append(truncated)
        if step.terminated || truncated {
            observation = try env.reset(seed: rng.next())
            episodeStep = 0
        } else {
            observation = step.observation
        }
    }

    var infos: [String: DoubleRows] = [:]
    if physics != nil, qpos.count % steps == 0, qvel.count % steps == 0 {
        infos["qpos"] = try DoubleRows(rows: steps, width: qpos.count / steps, values: qpos)
        infos["qvel"] = try DoubleRows(rows: steps, width: qvel.count / steps, values: qvel)
    }
    return try Dataset(observations: Tensor(shape: [steps, obsSize], scalars: observations),
                       actions: Tensor(shape: [steps, actSize], scalars: actions),
                       rewards: Tensor(rewards), terminals: terminals, timeouts: timeouts,
                       nextObservations: Tensor(shape: [steps, obsSize], scalars: next),
                       infos: infos, source: "collected from \(env.name)", format: "collected", environmentName: env.name)
}

/// `collect`, then writes the dataset to `path` in D4RL's layout (atomically).
@discardableResult
public func collect(env: some Environment, policy: some Policy, steps: Int, seed: UInt64, to path: String,
                    progress: (any ProgressReporter)? = nil, title: String = "collect") throws -> Dataset {
    var dataset = try collect(env: env, policy: policy, steps: steps, seed: seed, progress: progress, title: title)
    try dataset.writeD4RL(to: path)
    dataset.stamp(asFile: path)
    return dataset
}
