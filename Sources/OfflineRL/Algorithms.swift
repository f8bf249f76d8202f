/// The training algorithms by registry name, so a run folder's manifest (algorithm,
/// config JSON, seed) rebuilds its trainer for `resume`.
public enum Algorithms {
    /// Registry names, as the language's built-ins spell them.
    public static let names = ["bc", "td3bc", "iql", "por", "sac"]

    /// A fresh trainer (step 0) of `algorithm` with `config` (a JSON object; missing
    /// fields take the algorithm's defaults) on `source`.
    public static func make(_ algorithm: String, source: TrainingSource, config: String, seed: UInt64) throws -> any Trainer {
        func dataset() throws -> Dataset {
            guard case .dataset(let d) = source else { throw TrainingError.invalidConfig("\(algorithm) learns from a dataset, not an environment") }
            return d
        }
        switch algorithm {
        case _ where algorithm == "bc" || algorithm.hasSuffix("%bc"):
            return try BC(dataset: dataset(), config: ConfigCoding.merged(BC.Config(), with: config), seed: seed)
        case "td3bc":
            return try TD3BC(dataset: dataset(), config: ConfigCoding.merged(TD3BC.Config(), with: config), seed: seed)
        case "iql":
            return try IQL(dataset: dataset(), config: ConfigCoding.merged(IQL.Config(), with: config), seed: seed)
        case "por":
            return try POR(dataset: dataset(), config: ConfigCoding.merged(POR.Config(), with: config), seed: seed)
        case "sac":
            guard case .environment(let env) = source else { throw TrainingError.invalidConfig("sac learns in an environment, not from a dataset") }
            return try SAC(environment: env, config: ConfigCoding.merged(SAC.Config(), with: config), seed: seed)
        default:
            throw TrainingError.invalidConfig("unknown algorithm '\(algorithm)' (known: \(names.joined(separator: ", ")))")
        }
    }
}
