import Autodiff
import Foundation
import NeuralNet
import Simulation

/// Runs any `Learner` to `options.steps` updates: progress, metrics rows (losses averaged
/// over each log interval), checkpoints, and — for a `Trainer` — periodic evaluation and
/// the final policy.
///
/// A run is a function of its trainer's seed: evaluations draw their episodes from
/// (seed, step), never from the trainer's generator, and a checkpoint holds the trainer's
/// whole state, so a run stopped anywhere — Ctrl-C, a NaN, kill -9 — and resumed from its
/// last checkpoint reaches the same numbers as one that never stopped.
public final class TrainingLoop {
    public let trainer: any Learner
    public let options: TrainingOptions
    public let seed: UInt64
    public let folder: RunFolder?
    public let evaluationEnvironment: (any PhysicsEnvironment)?
    public let progress: (any ProgressReporter)?
    public let cancellation: CancellationToken?
    /// The versions this process runs under (`RunManifest.versions`): a run continued under
    /// others says so (`RunFolder.continuing`). Empty: not checked.
    public var versions: [String: String] = [:]
    /// Evaluations made in this process, in step order.
    public private(set) var evaluations: [(step: Int, report: EvaluationReport)] = []
    /// Wall seconds spent training, over every process that worked on the run.
    private var elapsed: Double = 0
    /// The losses of the log interval under way (their names, sums and count): kept in
    /// checkpoints, so a resumed run logs the same averages as one that never stopped.
    private var names: [String] = [], sums: [Double] = [], count = 0

    public init(trainer: any Learner, options: TrainingOptions, seed: UInt64 = 0, folder: RunFolder? = nil,
                evaluationEnvironment: (any PhysicsEnvironment)? = nil, progress: (any ProgressReporter)? = nil,
                cancellation: CancellationToken? = nil) {
        self.trainer = trainer
        self.options = options
        self.seed = seed
        self.folder = folder
        self.evaluationEnvironment = evaluationEnvironment
        self.progress = progress
        self.cancellation = cancellation
    }

    /// Continues from the folder's checkpoint, if it has one (else from step 0, dropping the
    /// rows a run killed before its first checkpoint logged: they are logged again).
    public func restoreCheckpoint() throws {
        guard let folder else { return }
        guard folder.hasCheckpoint else { return try folder.rewind(to: 0) }
        let state = try folder.readCheckpoint()
        try trainer.restore(from: state)
        trainer.step = try state.integer("step")
        elapsed = Double(try state.value("elapsed")) ?? 0
        names = state.values["interval.names"].map { $0.split(separator: ",").map(String.init) } ?? []
        sums = state.values["interval.sums"].map { $0.split(separator: ",").compactMap { Double(String($0)) } } ?? []
        count = Int(state.values["interval.count"] ?? "") ?? 0
        if sums.count != names.count { (names, sums, count) = ([], [], 0) }
        try folder.rewind(to: trainer.step)
    }

    private func checkpoint() throws {
        guard let folder else { return }
        var state = TrainingState()
        try trainer.save(into: &state)
        state.values["step"] = String(trainer.step)
        state.values["elapsed"] = String(elapsed)
        state.values["algorithm"] = trainer.algorithm
        state.values["interval.names"] = names.joined(separator: ",")
        state.values["interval.sums"] = sums.map { $0.description }.joined(separator: ",")
        state.values["interval.count"] = String(count)
        try folder.writeCheckpoint(state)
        try folder.event("checkpoint", step: trainer.step)
    }

    /// Trains a `Trainer` to `options.steps` and returns the final policy (also written to
    /// the folder).
    public func run() throws -> ActorPolicy {
        guard let trainer = trainer as? any Trainer else {
            throw TrainingError.run("\(self.trainer.algorithm) learns a model, not a policy")
        }
        try train()
        return try trainer.policy()
    }

    /// Trains to `options.steps`.
    public func train() throws {
        let policyTrainer = trainer as? any Trainer
        try options.validate()
        let total = options.steps, title = trainer.algorithm
        guard trainer.step <= total else {
            throw TrainingError.run("the run is at step \(trainer.step), past the \(total) steps asked for")
        }
        if let folder, trainer.step > 0, trainer.step < total, let note = try folder.continuing(under: versions, at: trainer.step) {
            FileHandle.standardError.write(Data(note.utf8))
        }
        try folder?.event(trainer.step == 0 ? "start" : "resume", step: trainer.step)
        defer { progress?.finish() }
        var intervalStart = Date().timeIntervalSinceReferenceDate, intervalStep = trainer.step
        var rate = 0.0, latest = ""
        while trainer.step < total {
            if let cancellation, cancellation.isCancelled {
                cancellation.reset()
                try checkpoint()
                try folder?.event("interrupted", step: trainer.step)
                throw TrainingError.interrupted(step: trainer.step, of: total, checkpoint: folder?.path)
            }
            let t0 = Date().timeIntervalSinceReferenceDate
            let losses = try trainer.update()
            if let bad = losses.first(where: { !$0.value.isFinite }) {
                try folder?.event("non_finite", step: trainer.step + 1, ["loss": bad.name])
                throw TrainingError.nonFinite(step: trainer.step + 1, loss: bad.name, value: bad.value,
                                              checkpoint: folder?.hasCheckpoint == true ? folder?.checkpointPath : nil)
            }
            trainer.step += 1
            elapsed += Date().timeIntervalSinceReferenceDate - t0
            if names.isEmpty { names = losses.map(\.name); sums = Array(repeating: 0, count: names.count) }
            for (i, l) in losses.enumerated() where i < sums.count { sums[i] += l.value }
            count += 1

            let step = trainer.step
            var report: EvaluationReport?
            if let env = evaluationEnvironment, let policyTrainer, options.evaluateEvery > 0, step % options.evaluateEvery == 0 || step == total {
                report = try evaluate(try policyTrainer.policy(), in: env, episodes: options.evaluationEpisodes,
                                      seed: mixSeeds(seed, UInt64(step)), cancellation: cancellation)
                evaluations.append((step, report!))
                try folder?.event("evaluation", step: step, ["returns": report!.returns, "score": report!.score as Any])
            }
            let logNow = step % options.logEvery == 0 || step == total || report != nil
            if logNow {
                let now = Date().timeIntervalSinceReferenceDate
                rate = Double(step - intervalStep) / Swift.max(now - intervalStart, 1e-9)
                (intervalStart, intervalStep) = (now, step)
                let means = sums.map { $0 / Double(Swift.max(count, 1)) }
                latest = zip(names, means).map { "\(Self.short($0)) \(String(format: "%.3g", $1))" }.joined(separator: " ")
                if let report { latest += " · eval " + String(format: "%.1f", report.score ?? report.mean) }
                try writeRow(step: step, rate: rate, names: names, losses: means, report: report)
                (sums, count) = (Array(repeating: 0, count: names.count), 0)
            }
            progress?.report(title: title, done: step, total: total, rate: rate, detail: latest, force: logNow)
            if options.keepPoliciesEvery > 0, step % options.keepPoliciesEvery == 0, let folder, let policyTrainer {
                try? FileManager.default.createDirectory(atPath: folder.path + "/policies", withIntermediateDirectories: true)
                try PolicyFile.write(try policyTrainer.policy(), to: folder.keptPolicyPath(step: step))
            }
            if step % options.checkpointEvery == 0 || step == total { try checkpoint() }
        }
        if let folder {
            if !folder.hasCheckpoint { try checkpoint() }
            if let policyTrainer { try PolicyFile.write(try policyTrainer.policy(), to: folder.policyPath) }
            try folder.event("finish", step: trainer.step)
        }
    }

    private func writeRow(step: Int, rate: Double, names: [String], losses: [Double], report: EvaluationReport?) throws {
        guard let folder else { return }
        func f(_ x: Double?) -> String { x.map { String($0) } ?? "" }
        var header = ["step", "elapsed_s", "steps_per_s"] + names
        var values = [String(step), String(format: "%.3f", elapsed), String(format: "%.2f", rate)] + losses.map { String($0) }
        if evaluationEnvironment != nil, options.evaluateEvery > 0 {
            header += ["eval_return", "eval_return_std", "eval_score", "eval_score_std", "eval_cvar10"]
            values += [f(report?.mean), f(report?.std), f(report?.score), f(report?.scoreStd),
                       f(report.map { r in r.reference?.normalized(r.conditionalValueAtRisk) ?? r.conditionalValueAtRisk })]
        }
        try folder.metricsRow(header: header, values: values)
    }

    /// "actor_loss" → "actor" in the progress line.
    static func short(_ name: String) -> String { name.hasSuffix("_loss") ? String(name.dropLast(5)) : name }
}
