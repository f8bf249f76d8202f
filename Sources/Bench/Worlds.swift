// Benchmarks of the worlds and the data: environment stepping next to the raw C loop,
// and loading a 1M-transition D4RL file (in a fresh process, so its peak memory is the load's).
import Foundation
import OfflineRL
import Simulation

/// `cdsa-bench --worlds`: Hopper env steps/s on one core next to the raw MuJoCo C loop on
/// the same model (alternated in one process), and a batch of 8 environments on 2 threads.
func worldBenchmarks() throws {
    let r = try SimulationBenchmark.hopper(threads: 2)
    emit(["name": "cdsa hopper env step", "threads": 1, "unit": "steps/s", "median": r.oneCore,
          "raw_c_loop": r.rawLoop, "fraction_of_raw": r.ratioToRaw],
         String(format: "%-44@ threads=1  steps/s %8.0f  (raw C loop %.0f: %.0f%%)", "cdsa hopper env step" as NSString,
                r.oneCore, r.rawLoop, 100 * r.ratioToRaw))
    emit(["name": "cdsa hopper env step, \(r.environments) envs", "threads": r.threads, "unit": "steps/s",
          "median": r.batch, "speedup_over_one_core": r.speedup],
         String(format: "%-44@ threads=%d  steps/s %8.0f  (%.2f× one core)", "cdsa hopper env step, \(r.environments) envs" as NSString,
                r.threads, r.batch, r.speedup))
}

/// `cdsa-bench --write-load-file PATH` then `cdsa-bench --load PATH` (a fresh process).
func writeLoadFile(_ path: String) throws { try writeBenchmarkD4RLFile(transitions: 1_000_000, to: path) }

func loadBenchmark(_ path: String) throws {
    let r = try benchmarkD4RLLoad(path: path)
    let mb = { (b: Int?) in Double(b ?? 0) / 1e6 }
    emit(["name": "cdsa load D4RL 1M transitions", "threads": 1, "unit": "ms", "median": r.loadSeconds * 1000,
          "file_mb": mb(r.fileBytes), "dataset_mb": mb(r.datasetBytes), "peak_rss_mb_before": mb(r.peakBefore),
          "peak_rss_mb_after": mb(r.peakAfter)],
         String(format: "%-44@ %.0f ms; %.0f MB file, %.0f MB in memory; peak RSS %.0f → %.0f MB",
                "cdsa load D4RL 1M transitions" as NSString, r.loadSeconds * 1000, mb(r.fileBytes), mb(r.datasetBytes),
                mb(r.peakBefore), mb(r.peakAfter)))
}
