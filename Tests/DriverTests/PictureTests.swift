// The pictures a script draws — CDSA's correction field over the point maze, a score
// model's field, learning curves of run folders and a comparison's bar chart — are SVGs
// that a real renderer (rsvg-convert, which scripts/setup installs) turns into PNGs.

import Foundation
import Testing

private let rsvg = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite(.enabled(if: cdsaBinary != nil && rsvg != nil, "needs the cdsa binary and rsvg-convert (librsvg2-bin; scripts/setup installs it)"))
struct PictureTests {
    @Test func everyPictureAScriptDrawsRenders() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("""
            let d = maze_dataset("umaze", 3000, seed=0, path="maze.hdf5")
            let runs = ["runs/bc-0", "runs/bc-1"]
            for s in [0, 1] { bc(d, steps=40, seed=s, hidden=[16, 16], batch_size=32, run=runs[s], evaluate_every=20, episodes=1, log_every=20, progress=false) }
            let base = load_policy("runs/bc-0/policy.safetensors")
            let fixed = correct(base, data=d, model_steps=40, progress=false)
            plot_field(fixed, d, "field.svg")
            plot_field(train_score(d, steps=40, progress=false), d, "score.svg", grid=10)
            plot_curves(runs, "curves.svg")
            plot_curves({bc: runs}, "curves-loss.svg", metric="actor_loss")
            save(compare([base, fixed], env(d), episodes=1, seeds=[0, 1], progress=false), "bars.svg")
            """, to: "pictures.cdsa", in: dir)
        let run = try cdsa(["run", script], in: dir, timeout: 120, environment: ["CDSA_CACHE": dir.appendingPathComponent("cache").path])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        for name in ["field", "score", "curves", "curves-loss", "bars"] {
            let svg = dir.appendingPathComponent("\(name).svg").path
            let text = try String(contentsOfFile: svg, encoding: .utf8)
            if name == "field" || name == "score" {
                #expect(text.components(separatedBy: "<line").count > 10, "\(name): the field should draw arrows")
            }
            let png = dir.appendingPathComponent("\(name).png").path
            let p = Process()
            p.executableURL = URL(fileURLWithPath: rsvg!)
            p.arguments = ["-o", png, svg]
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "rsvg-convert failed on \(name).svg")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name).png is not a PNG")
        }
    }

    @Test func aFieldNeedsMazeDataAndCurvesNeedTheirColumn() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let script = write("""
            let h = env("hopper")
            let d = collect(h, random_policy(h, seed=1), 200, seed=2)
            plot_field(train_score(d, steps=5, progress=false), d, "x.svg")
            """, to: "bad.cdsa", in: dir)
        let run = try cdsa(["run", script], in: dir)
        #expect(run.status != 0 && run.stderr.contains("point-maze data expected"), "\(run)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.svg").path))
    }
}
