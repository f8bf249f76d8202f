// `train_score`, `train_inverse` and `correct`: CDSA's models trained on a dataset (their
// keyword parameters are the trainers' config fields, defaults read from the Config
// types), and the corrector built from them — given, or trained on the policy's own
// dataset on first use and kept in the model cache.

import Autodiff
import Correctors
import Foundation
import Language
import NeuralNet
import OfflineRL
import Simulation

extension CorrectorLibrary {
    /// The options every model built-in takes before its config fields.
    static var modelParameters: [BuiltinParameter] { [
        .init("steps", .integer, default: .number(Double(ScoreTrainer.paperSteps))), .init("seed", .integer, default: .number(0)),
        .init("progress", .bool, default: .bool(true)),
    ] }

    static var trainScore: Builtin {
        let fields = TrainLibrary.configParameters(ScoreTrainer.Config())
        let parameters = [BuiltinParameter("data", .foreign("dataset")), .init("wrt", .string, default: .string("action"))]
            + modelParameters + fields
        return Builtin("train_score", parameters, doc: "A score model of the dataset's density by denoising score matching: wrt=\"action\" gives g(s, a) ≈ ∇_a log p(s, a), wrt=\"state\" gives h(s, a) ≈ ∇_s log p(s, a) (normalised state units). A σ-conditioned network over `sigmas` (σ²-weighted); call it g(s, a) or g(s, a, sigma=…).") { a in
            let wrt = try a.string(1)
            guard let target = ScoreModel.Target(rawValue: wrt) else { throw a.bad(1, "wrt must be \"action\" or \"state\", got \"\(wrt)\"") }
            let model = try trainModel(target == .action ? "score_action" : "score_state", a, fieldsFrom: 5, fields: fields)
            guard let trainer = model as? ScoreTrainer else { throw ScriptError("train_score: not a score trainer") }
            return .foreign(ScoreModelValue(try engine("train_score") { try trainer.model() }))
        }
    }

    static var trainInverse: Builtin {
        let fields = TrainLibrary.configParameters(InverseTrainer.Config())
        let parameters = [BuiltinParameter("data", .foreign("dataset"))] + modelParameters + fields
        return Builtin("train_inverse", parameters, doc: "An inverse-dynamics model I(s, s2) → a by regression on the dataset's transitions that are not time-limit cuts; call it inv(s, s2).") { a in
            let model = try trainModel("inverse", a, fieldsFrom: 4, fields: fields)
            guard let trainer = model as? InverseTrainer else { throw ScriptError("train_inverse: not an inverse trainer") }
            return .foreign(InverseValue(try engine("train_inverse") { try trainer.model() }))
        }
    }

    /// Trains model `name` on argument 0's dataset with the options after it.
    static func trainModel(_ name: String, _ a: Arguments, fieldsFrom first: Int, fields: [BuiltinParameter]) throws -> any Learner {
        let d = try a.object(0, DatasetValue.self, "dataset")
        let steps = try a.integer(first - 3), seed = try a.integer(first - 2), progress = try a.bool(first - 1)
        guard steps >= 0 else { throw a.bad(first - 3, "non-negative step count expected, got \(steps)") }
        var config: [String: Any] = [:]
        for (k, field) in fields.enumerated() { config[field.name] = try TrainLibrary.json(a[first + k]) }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
        return try learn(name, dataset: d.dataset, config: json, seed: UInt64(bitPattern: Int64(seed)), steps: steps, progress: progress)
    }

    static func learn(_ name: String, dataset: Dataset, config: String, seed: UInt64, steps: Int, progress: Bool) throws -> any Learner {
        let learner = try engine(name) { try Models.make(name, dataset: dataset, config: config, seed: seed) }
        let loop = TrainingLoop(trainer: learner, options: TrainingOptions(steps: steps), seed: seed,
                                progress: progress ? ConsoleProgress() : nil, cancellation: .interrupt)
        try engine(name) { try loop.train() }
        return learner
    }
}
