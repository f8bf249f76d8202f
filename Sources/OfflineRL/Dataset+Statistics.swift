import Autodiff
import Foundation

/// Minimum, mean and maximum of a list of numbers (episode returns, lengths).
public struct Summary: Sendable, Equatable {
    public var min: Double
    public var mean: Double
    public var max: Double

    init(_ values: [Double]) {
        min = values.min() ?? 0
        max = values.max() ?? 0
        mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}

/// Per-dimension mean and standard deviation (population, as D4RL and CORL compute
/// them), for normalising states: s ↦ (s − mean) / (std + ε).
public struct FeatureStatistics: Sendable, Equatable {
    public var mean: [Float]
    public var std: [Float]

    /// Column statistics of a [n, d] tensor, accumulated in float64 (two passes, so
    /// large offsets do not cancel).
    init(_ x: Tensor) {
        let n = x.shape[0], d = x.shape[1]
        var mean = [Double](repeating: 0, count: d), variance = [Double](repeating: 0, count: d)
        x.withUnsafeBufferPointer { b in
            for i in 0..<n { for j in 0..<d { mean[j] += Double(b[i * d + j]) } }
            for j in 0..<d { mean[j] /= Double(Swift.max(n, 1)) }
            for i in 0..<n { for j in 0..<d { let e = Double(b[i * d + j]) - mean[j]; variance[j] += e * e } }
        }
        self.mean = mean.map { Float($0) }
        std = variance.map { Float(($0 / Double(Swift.max(n, 1))).squareRoot()) }
    }
}

extension Dataset {
    /// The episodes that end in neither a terminal nor a timeout: cut short by the data's
    /// end, as D4RL's million steps cut their last one, or where two parts were joined
    /// (medium-expert's medium part).
    public var cutEpisodes: [Int] {
        episodes.indices.filter { k in let last = episodes[k].upperBound - 1; return !terminals[last] && !timeouts[last] }
    }

    /// Episode returns: min / mean / max over the finished episodes — a cut one would read
    /// as the shortest, worst episode — or over all when none finished.
    public var returns: Summary { Summary(finished(episodeReturns)) }

    /// Episode lengths in steps: min / mean / max, over the same episodes as `returns`.
    public var episodeLengths: Summary { Summary(finished(episodes.map { Double($0.count) })) }

    private func finished(_ perEpisode: [Double]) -> [Double] {
        let cut = Set(cutEpisodes)
        let kept = perEpisode.indices.filter { !cut.contains($0) }.map { perEpisode[$0] }
        return kept.isEmpty ? perEpisode : kept
    }

    /// Per-dimension statistics of the observations (computed on each call: O(n·d)).
    public var observationStatistics: FeatureStatistics { FeatureStatistics(observations) }

    /// Per-dimension statistics of the actions.
    public var actionStatistics: FeatureStatistics { FeatureStatistics(actions) }

    /// Number of terminal steps, timeouts, and steps without a recorded successor.
    public var terminalCount: Int { terminals.count { $0 } }
    public var timeoutCount: Int { timeouts.count { $0 } }
    public var missingNextCount: Int { hasNext.count { !$0 } }
}

extension Dataset: CustomStringConvertible {
    /// A one-screen summary, as the REPL prints a loaded dataset.
    public var description: String {
        func f(_ x: Double) -> String { String(format: "%.4g", x) }
        func list(_ xs: [Float]) -> String {
            let shown = xs.count > 8 ? Array(xs.prefix(4)).map { f(Double($0)) } + ["…"] + xs.suffix(2).map { f(Double($0)) }
                : xs.map { f(Double($0)) }
            return "[" + shown.joined(separator: ", ") + "]"
        }
        let name = source.split(separator: "/").last.map(String.init) ?? source
        let obs = observationStatistics, act = actionStatistics
        let r = returns, len = episodeLengths
        var rewardRange = (Float.infinity, -Float.infinity)
        rewards.withUnsafeBufferPointer { b in for x in b { rewardRange = (Swift.min(rewardRange.0, x), Swift.max(rewardRange.1, x)) } }
        var lines = ["Dataset \(name) (\(format)\(environmentName.map { ", " + $0 } ?? ""))"]
        if let recipe { lines.append("  " + recipe) }
        // English counts ("1 episode"); Language's `counted` is out of this module's reach.
        func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        lines.append("  \(counted(count, "transition")) in \(counted(episodeCount, "episode")): \(terminalCount) terminal, "
            + counted(timeoutCount, "timeout") + (missingNextCount > 0 ? ", \(counted(missingNextCount, "step")) without a next state" : "")
            + cutNote(f))
        lines.append("  observations \(observationSize), actions \(actionSize)"
            + infos.keys.sorted().map { ", \($0) \(infos[$0]?.width ?? 0)" }.joined())
        lines.append("  returns min \(f(r.min)), mean \(f(r.mean)), max \(f(r.max)); episode length min \(Int(len.min)), mean \(f(len.mean)), max \(Int(len.max))")
        lines.append("  rewards in [\(f(Double(rewardRange.0))), \(f(Double(rewardRange.1)))]")
        lines.append("  observation mean \(list(obs.mean))")
        lines.append("  observation std  \(list(obs.std))")
        lines.append("  action mean \(list(act.mean)), std \(list(act.std))")
        return lines.joined(separator: "\n")
    }

    /// "; the last episode cut by the data's end (125 steps, return 279.7) is left out of
    /// the returns and lengths below", or the like for several, or "" when none is cut.
    private func cutNote(_ f: (Double) -> String) -> String {
        let cut = cutEpisodes
        guard let first = cut.first else { return "" }
        if cut.count == episodeCount { return episodeCount == 1 ? "; the only episode cut by the data's end" : "; every episode cut short" }
        let returns = episodeReturns
        func steps(_ n: Int) -> String { "\(n) step\(n == 1 ? "" : "s")" }
        if cut.count == 1, first == episodeCount - 1 {
            return "; the last episode cut by the data's end (\(steps(episodes[first].count)), return \(f(returns[first]))) "
                + "is left out of the returns and lengths below"
        }
        let shown = cut.prefix(3).map { "\(steps(episodes[$0].count)), return \(f(returns[$0]))" }.joined(separator: "; ")
        let counted = cut.count == 1 ? "1 episode" : "\(cut.count) episodes"
        return "; \(counted) cut short, by the data's end or where two parts were joined (\(shown)\(cut.count > 3 ? "; …" : "")), "
            + "left out of the returns and lengths below"
    }
}
