// Training runs survive what happens to real processes: a run killed with SIGKILL at an
// arbitrary moment and resumed from its folder ends with the same policy file, byte for
// byte, as a run that never stopped, and the same losses in its metrics.

import Foundation
import Testing

@Suite(.enabled(if: cdsaBinary != nil, "cdsa binary not found next to the tests; build with --build-tests first"))
struct TrainingRunTests {
    /// The run both processes make: a small BC on a point-maze file, checkpoints often.
    func train(_ data: String, _ run: String) -> String {
        """
        let p = bc(load("\(data)"), steps=12000, seed=3, hidden=[64, 64], batch_size=64, run="\(run)",
                   log_every=500, checkpoint_every=700, progress=false)
        print(p)

        """
    }

    /// The losses column of a run's metrics (steps/s and time differ between runs).
    func losses(_ run: URL) throws -> [String] {
        let text = try String(contentsOf: run.appendingPathComponent("metrics.csv"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            return "\(cells[0]),\(cells[3...].joined(separator: ","))"
        }
    }

    @Test(arguments: [0.05, 0.45])
    func aRunKilledAtAnyMomentAndResumedEndsAsOneThatNeverStopped(delay: Double) throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("maze.hdf5").path
        let made = try cdsa(["run", write("maze_dataset(\"umaze\", 5000, seed=1, path=\"\(data)\")\n", to: "data.cdsa", in: dir)], in: dir)
        #expect(made.status == 0, "\(made)")

        let whole = dir.appendingPathComponent("whole"), killed = dir.appendingPathComponent("killed")
        let straight = try cdsa(["run", write(train(data, whole.path), to: "whole.cdsa", in: dir)], in: dir)
        #expect(straight.status == 0, "\(straight)")

        // The same run in a child process, killed once its first checkpoint exists plus `delay`.
        let binary = try #require(cdsaBinary)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: binary)
        child.arguments = ["run", write(train(data, killed.path), to: "killed.cdsa", in: dir)]
        child.currentDirectoryURL = dir
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        let checkpoint = killed.appendingPathComponent("checkpoint.safetensors").path
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint), child.isRunning, Date() < deadline { usleep(2_000) }
        usleep(UInt32(delay * 1_000_000))
        let stoppedEarly = child.isRunning
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(stoppedEarly, "the run finished before it could be killed; make it longer")
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("policy.safetensors").path))

        let resumed = try cdsa(["run", write("print(resume(\"\(killed.path)\", progress=false))\n", to: "resume.cdsa", in: dir)], in: dir)
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.stdout == straight.stdout, "\(resumed)\n\(straight)")
        let a = try Data(contentsOf: whole.appendingPathComponent("policy.safetensors"))
        let b = try Data(contentsOf: killed.appendingPathComponent("policy.safetensors"))
        #expect(a == b, "the resumed run's policy differs from the uninterrupted run's")
        #expect(try losses(killed) == losses(whole))
        let events = try String(contentsOf: killed.appendingPathComponent("events.jsonl"), encoding: .utf8)
        #expect(events.contains("\"event\":\"resume\"") && events.hasSuffix("\n"))
    }

    @Test func aRunFolderIsNotOverwrittenAndAChangedDatasetIsRefused() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("maze.hdf5").path, run = dir.appendingPathComponent("run").path
        let script = """
            let d = maze_dataset("umaze", 2000, seed=1, path="\(data)")
            bc(d, steps=50, hidden=[8], run="\(run)", progress=false)
            bc(d, steps=50, hidden=[8], run="\(run)", progress=false)

            """
        let twice = try cdsa(["run", write(script, to: "twice.cdsa", in: dir)], in: dir)
        #expect(twice.status == 70)
        #expect(twice.stderr.contains("bc: \(run) already holds a run; resume(\"\(run)\") or resume=true continues it"), "\(twice)")
        let remade = try cdsa(["run", write("maze_dataset(\"umaze\", 2000, seed=2, path=\"\(data)\")\nresume(\"\(run)\", steps=100)\n", to: "r.cdsa", in: dir)], in: dir)
        #expect(remade.status == 70)
        #expect(remade.stderr.contains("resume: \(data) changed since the run started"), "\(remade)")
    }
}
