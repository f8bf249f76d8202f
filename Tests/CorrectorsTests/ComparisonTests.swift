@testable import Correctors
import OfflineRL
import Reports
import Testing

/// The statistics `compare` prints, on returns worked out by hand.
struct ComparisonTests {
    func report(seed: UInt64, _ returns: [Double]) -> EvaluationReport {
        EvaluationReport(environment: "toy", seed: seed, returns: returns, lengths: returns.map { _ in 10 }, reference: nil)
    }

    @Test func meanStdAndIntervalOverSeedsUseEachSeedsMean() throws {
        // Seed means 1, 2, 6: mean 3, sample std √7, half-width t(2) · √7/√3 = 4.303 · 1.5275.
        let row = Comparison.Row(name: "p", reports: [report(seed: 0, [0, 2]), report(seed: 1, [2, 2]), report(seed: 2, [6, 6])])
        #expect(row.perSeed == [1, 2, 6])
        #expect(abs(row.mean - 3) < 1e-12)
        #expect(abs(row.std - 7.0.squareRoot()) < 1e-12)
        let ci = try #require(row.confidence95)
        let half = 4.303 * 7.0.squareRoot() / 3.0.squareRoot()
        #expect(abs(ci.0 - (3 - half)) < 1e-9 && abs(ci.1 - (3 + half)) < 1e-9)
    }

    @Test func oneSeedHasNoIntervalAndZeroStd() {
        let row = Comparison.Row(name: "p", reports: [report(seed: 0, [1, 2, 3])])
        #expect(row.std == 0 && row.confidence95 == nil)
    }

    @Test func tailPoolsEveryEpisodeAndTakesTheWorstTenth() {
        // 20 episodes 1…20 over two seeds: the worst 10% are 1 and 2.
        let row = Comparison.Row(name: "p", reports: [report(seed: 0, (1...10).map(Double.init)),
                                                      report(seed: 1, (11...20).reversed().map(Double.init))])
        #expect(row.tail.valueAtRisk == 2 && row.tail.conditionalValueAtRisk == 1.5)
    }

    @Test func studentQuantilesFromTheTableAndBeyondIt() {
        #expect(studentT975(1) == 12.706 && studentT975(4) == 2.776 && studentT975(30) == 2.042)
        // Beyond the table, the exact quantiles (scipy.stats.t.ppf(0.975, df)).
        for (df, exact) in [(31, 2.039513), (40, 2.021075), (60, 2.000298), (200, 1.971896), (100_000, 1.959987)] {
            #expect(abs(studentT975(df) - exact) < 5e-5, "df \(df)")
        }
    }

    @Test func csvHasOneRowPerPolicyWithEachSeedsMean() {
        let c = Comparison(environment: "toy", seeds: [0, 1], episodes: 2, rows: [
            Comparison.Row(name: "a", reports: [report(seed: 0, [1, 3]), report(seed: 1, [5, 7])]),
            Comparison.Row(name: "b", reports: [report(seed: 0, [0, 0]), report(seed: 1, [0, 0])]),
        ])
        let text = c.csv.text
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasSuffix("seed_0,seed_1"))
        #expect(lines[1].hasPrefix("a,4,") && lines[1].hasSuffix(",2,6"))
        #expect(c.description.contains("toy: return over 2 seeds × 2 episodes"))
    }
}
