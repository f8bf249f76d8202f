// Every script under scripts/ and scripts/paper/ runs end to end with a tiny budget,
// through the binary, and gives the same numbers twice for the same seed.

import Foundation
import Testing

private let scriptsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts")

/// Tiny budgets per script (a script without an entry fails the coverage test below).
private let budgets: [String: [String]] = [
    // medium-replay retrains SAC to the medium policy (100k steps): too long for a smoke run.
    "make-datasets.cdsa": ["cfg.worlds=[\"hopper\"]", "cfg.kinds=[\"random\", \"medium\", \"medium-expert\"]", "cfg.steps=300",
                           "cfg.folder=\"made\"", "cfg.progress=false"],
    "quickstart.cdsa": ["cfg.data_steps=3000", "cfg.base_steps=20", "cfg.model_steps=20", "cfg.episodes=2", "cfg.seeds=[0]",
                        "cfg.progress=false"],
    "paper/baseline.cdsa": [],   // a module: one function the two grids below import and run
    "paper/behaviour-policies.cdsa": ["cfg.worlds=[\"hopper\"]", "cfg.episodes=1", "cfg.summaries=false"],
    "paper/locomotion-baselines.cdsa": ["cfg.worlds=[\"hopper\"]", "cfg.levels=[\"random\", \"medium\"]", "cfg.data_steps=2000",
                                        "cfg.medium_seeds=[0]", "cfg.steps=20", "cfg.evaluate_every=10", "cfg.episodes=1", "cfg.last=2",
                                        "cfg.out=\"out\"", "cfg.progress=false"],
    "paper/maze-baselines.cdsa": ["cfg.mazes=[\"umaze\"]", "cfg.data_steps=3000", "cfg.seeds=[0]", "cfg.steps=20",
                                  "cfg.evaluate_every=10", "cfg.episodes=1", "cfg.last=2", "cfg.out=\"out\"", "cfg.progress=false"],
    "paper/h-ablation.cdsa": ["cfg.data_steps=2000", "cfg.base_steps=20", "cfg.model_steps=20", "cfg.seeds=[0]", "cfg.episodes=1"],
    "paper/hopper-cdsa.cdsa": ["cfg.data_steps=2000", "cfg.base_steps=20", "cfg.model_steps=20", "cfg.rows=100", "cfg.seeds=[0]",
                               "cfg.episodes=1", "cfg.out=\"out\"", "cfg.progress=false"],
    "paper/cdsa-grid.cdsa": ["cfg.worlds=[\"hopper\"]", "cfg.data_steps=2000", "cfg.steps=20", "cfg.model_steps=20", "cfg.k1=[0, 0.3]",
                             "cfg.k2=[0.1]", "cfg.tune_seeds=[5]", "cfg.seeds=[0]", "cfg.episodes=1", "cfg.workers=2", "cfg.runs=\"runs\"",
                             "cfg.out=\"out\"", "cfg.progress=false"],
    "paper/sac-behaviour.cdsa": ["cfg.steps=30", "cfg.folder=\"runs\"", "cfg.progress=false"],
]

@Suite(.enabled(if: cdsaBinary != nil, "cdsa binary not found next to the tests; build with --build-tests first"))
struct ScriptSmokeTests {
    @Test func everyScriptHasABudget() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: scriptsFolder.path)
            + FileManager.default.contentsOfDirectory(atPath: scriptsFolder.appendingPathComponent("paper").path).map { "paper/" + $0 }
        let scripts = files.filter { $0.hasSuffix(".cdsa") }
        #expect(!scripts.isEmpty)
        #expect(Set(scripts) == Set(budgets.keys))
    }

    @Test(arguments: budgets.keys.sorted())
    func runsWithATinyBudget(_ name: String) throws {
        // Each run in its own folder: run folders refuse to be written twice.
        let (dir, again) = (scratchFolder(), scratchFolder())
        defer { for d in [dir, again] { try? FileManager.default.removeItem(at: d) } }
        let arguments = ["run", scriptsFolder.appendingPathComponent(name).path] + budgets[name]!.flatMap { ["--set", $0] }
        // Data and trained models stay in the scratch folders, not the user's cache.
        func run(in folder: URL) throws -> Run {
            try cdsa(arguments, in: folder, timeout: 120,
                     environment: ["CDSA_CACHE": folder.appendingPathComponent("cache").path, "CDSA_DATA": folder.appendingPathComponent("data").path])
        }
        let first = try run(in: dir), second = try run(in: again)
        #expect(first.status == 0 && first.stderr.isEmpty, "\(first)")
        // Lines that report time differ between runs; everything else must not.
        func numbers(_ r: Run) -> [Substring] { r.stdout.split(separator: "\n").filter { !$0.hasSuffix(" s") } }
        #expect(numbers(first) == numbers(second), "\(first)\n\(second)")
        if name == "quickstart.cdsa" {
            for label in ["3000 transitions", "policy iql on pointmaze-umaze.hdf5", "training score_action", "median |a - a0|",
                          "cdsa", "damped", "controller: normalised", "random: normalised", "wrote results/quickstart/comparison.csv"] {
                #expect(first.stdout.contains(label), "\(first)")
            }
        }
    }

    /// The quickstart on another dataset is a `--set` away (cfg.data): here a tiny hopper-medium
    /// made by the recipe, in place of cdsa's million-step one.
    @Test func quickstartRunsOnAnotherDataset() throws {
        let dir = scratchFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let environment = ["CDSA_CACHE": dir.appendingPathComponent("cache").path, "CDSA_DATA": dir.appendingPathComponent("data").path]
        let maker = dir.appendingPathComponent("make.cdsa")
        try Data("print(make_dataset(\"hopper-medium\", steps=2000, folder=\"made\"))\n".utf8).write(to: maker)
        let make = try cdsa(["run", maker.path], in: dir, timeout: 120, environment: environment)
        #expect(make.status == 0, "\(make)")
        let r = try cdsa(["run", scriptsFolder.appendingPathComponent("quickstart.cdsa").path]
                         + ["cfg.data=\"made/hopper-medium.hdf5\"", "cfg.base_steps=20", "cfg.model_steps=20", "cfg.episodes=2", "cfg.seeds=[0]",
                            "cfg.progress=false"].flatMap { ["--set", $0] }, in: dir, timeout: 120, environment: environment)
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        for label in ["2000 transitions", "policy iql on hopper-medium.hdf5", "hopper: normalised score", "random: normalised"] {
            #expect(r.stdout.contains(label), "\(r)")
        }
        #expect(!r.stdout.contains("controller"), "\(r)")
    }
}
