import Bindings
import Foundation
import Language
import Testing

@Suite struct DatasetTests {
    static let minari = sharedDataDirectory + "/minari/cdsa-test/hopper/random-v0"

    @Test(.enabled(if: hasSharedData, "needs ../shared/data"))
    func minariDatasetPrintsAOneScreenSummary() {
        let outcome = run("let d = load(\"\(Self.minari)\")\nprint(d)")
        #expect(outcome.exitCode == .ok, "\(outcome.rendered)")
        let lines = outcome.stdout.split(separator: "\n")
        #expect(lines.count >= 5 && lines.count <= 24, "\(outcome.stdout)")
        #expect(lines.first?.hasPrefix("Dataset main_data.hdf5 (Minari, Hopper-v4)") == true)
        #expect(outcome.stdout.contains("209 transitions in 6 episodes"))
    }

    @Test(.enabled(if: hasSharedData, "needs ../shared/data"))
    func explicitFormatMustMatch() {
        let outcome = run("load(\"\(Self.minari)\", format=\"npz\")")
        #expect(outcome.exitCode == .runtimeError)
        #expect(outcome.diagnostics.first?.message.hasPrefix("load: ") == true, "\(outcome.rendered)")
    }
}
