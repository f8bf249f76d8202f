import OfflineRL

/// CDSA's models by registry name, so a run folder's manifest (name, config JSON, seed)
/// rebuilds its learner and `TrainingLoop` can train, checkpoint and resume it.
public enum Models {
    /// Registry names, as the language's built-ins spell them.
    public static let names = ["score_action", "score_state", "inverse"]

    /// A fresh learner (step 0) of model `name` with `config` (a JSON object; missing
    /// fields take the defaults) on `dataset`.
    public static func make(_ name: String, dataset: Dataset, config: String, seed: UInt64) throws -> any Learner {
        switch name {
        case "score_action", "score_state":
            return try ScoreTrainer(dataset: dataset, target: name == "score_action" ? .action : .state,
                                    config: ConfigCoding.merged(ScoreTrainer.Config(), with: config), seed: seed)
        case "inverse":
            return try InverseTrainer(dataset: dataset, config: ConfigCoding.merged(InverseTrainer.Config(), with: config), seed: seed)
        default:
            throw TrainingError.invalidConfig("unknown model '\(name)' (known: \(names.joined(separator: ", ")))")
        }
    }

    /// The config's fields with their defaults, as a JSON object (for help and bindings).
    public static func defaults(_ name: String) throws -> [String: Any] {
        switch name {
        case "score_action", "score_state": return try ConfigCoding.fields(ScoreTrainer.Config())
        case "inverse": return try ConfigCoding.fields(InverseTrainer.Config())
        default: throw TrainingError.invalidConfig("unknown model '\(name)' (known: \(names.joined(separator: ", ")))")
        }
    }
}
