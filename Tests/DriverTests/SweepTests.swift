// `sweep` through the binary: cells on forked workers give the numbers one process gives,
// and a worker's failure is one clear error with nothing left running.

import Foundation
import Testing

@Suite(.enabled(if: cdsaBinary != nil, "cdsa binary not found next to the tests; build with --build-tests first"))
struct SweepTests {
    let script = """
    let h = env("hopper")
    let d = collect(h, random_policy(h, seed=1), 400, seed=2)
    let base = bc(d, steps=20, seed=3, hidden=[16, 16], batch_size=32, progress=false)
    let g = train_score(d, steps=20, hidden=[16, 16], batch_size=32, progress=false)
    let hs = train_score(d, wrt="state", steps=20, hidden=[16, 16], batch_size=32, progress=false)
    let inv = train_inverse(d, steps=20, hidden=[16, 16], batch_size=32, progress=false)
    let workers = 1
    let w = sweep(correct(base, g=g, h=hs, inv=inv), h, k1=[0, 0.3, 1], k2=[0, 0.5], seeds=[0, 1], episodes=3, workers=workers, progress=false)
    print(w)
    print(w.per_seed)
    save(w, "grids/hopper/grid.svg")
    fn bad(k1, k2) = base if k1 < 1 else "not a policy"
    sweep(bad, h, k1=[0, 1], k2=[0], seeds=[0], episodes=1, workers=workers, progress=false)

    """

    @Test func forkedWorkersGiveTheNumbersOfOneProcessAndFailCleanly() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = write(script, to: "sweep.cdsa", in: dir)
        let one = try cdsa(["run", path], in: dir)
        let three = try cdsa(["run", path, "--set", "workers=3"], in: dir)
        #expect(one.stdout.contains("k1 down, k2 across") && one.stdout.contains("best: "), "\(one)")
        #expect(three.stdout == one.stdout, "workers=3:\n\(three)\nworkers=1:\n\(one)")
        // save makes the folders it needs.
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("grids/hopper/grid.svg").path))
        // The second sweep's cell k1=1 makes no policy: a located error naming the cell, exit
        // 70, the same from a worker as from this process.
        let message = "sweep.cdsa:13:1: error: sweep: for k1=1 k2=0 the function returned string, not a policy"
        for run in [one, three] {
            #expect(run.status == 70, "\(run)")
            #expect(run.stderr.split(separator: "\n").first?.hasSuffix(message) == true, "\(run)")
        }
    }
}
