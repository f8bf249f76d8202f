// The short form `correct(policy, k1=…, k2=…)` trains g, h and I on the policy's dataset
// once and keeps them in the model cache: a second run trains nothing and acts the same,
// a changed byte of the data trains again, and a damaged entry is retrained, not trusted.

import Foundation
import Testing

@Suite(.enabled(if: cdsaBinary != nil, "cdsa binary not found next to the tests; build with --build-tests first"))
struct ModelCacheTests {
    let script = """
        let d = load("data.hdf5")
        let base = bc(d, steps=20, seed=3, hidden=[16, 16], batch_size=32, progress=false)
        let p = correct(base, k1=0.3, k2=0.1, model_steps=30, progress=false)
        print(p(d.observations[0]))
        """

    @Test func aSecondRunHitsTheCacheAChangedByteRetrainsAndADamagedEntryIsRetrained() throws {
        let dir = scratchFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let cache = dir.appendingPathComponent("cache")
        let env = ["CDSA_CACHE": cache.path]
        let make = try cdsa(["run", write("collect(env(\"hopper\"), random_policy(env(\"hopper\"), seed=1), 400, seed=2, path=\"data.hdf5\")\n", to: "make.cdsa", in: dir)], in: dir)
        #expect(make.status == 0, "\(make)")
        let path = write(script, to: "fix.cdsa", in: dir)

        let first = try cdsa(["run", path], in: dir, environment: env)
        #expect(first.status == 0 && first.stderr.isEmpty, "\(first)")
        for model in ["score_action", "score_state", "inverse"] {
            #expect(first.stdout.contains("training \(model) on data.hdf5 (30 steps, seed 0)"), "\(first)")
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".safetensors") }
        #expect(entries.count == 3, "\(entries)")

        let second = try cdsa(["run", path], in: dir, environment: env)
        #expect(second.status == 0, "\(second)")
        #expect(!second.stdout.contains("training"), "\(second)")
        for model in ["score_action", "score_state", "inverse"] { #expect(second.stdout.contains("cache hit: \(model) on data.hdf5")) }
        #expect(second.stdout.split(separator: "\n").last == first.stdout.split(separator: "\n").last, "the cached models act as the trained ones")

        // A damaged entry (bytes overwritten inside its tensors) is retrained and replaced.
        let victim = cache.appendingPathComponent(entries.sorted()[0])
        var bytes = try Data(contentsOf: victim)
        for i in (bytes.count - 64)..<(bytes.count - 32) { bytes[i] ^= 0x5A }
        try bytes.write(to: victim)
        let third = try cdsa(["run", path], in: dir, environment: env)
        #expect(third.status == 0, "\(third)")
        #expect(third.stdout.contains("was bad") && third.stdout.components(separatedBy: "cache hit").count == 3, "\(third)")
        #expect(third.stdout.split(separator: "\n").last == first.stdout.split(separator: "\n").last, "\(third)")

        // One changed byte of the data's values: every model is trained again.
        let data = dir.appendingPathComponent("data.hdf5")
        var file = try Data(contentsOf: data)
        file[file.count / 2] ^= 0x01
        try file.write(to: data)
        let fourth = try cdsa(["run", path], in: dir, environment: env)
        #expect(fourth.status == 0, "\(fourth)")
        #expect(!fourth.stdout.contains("cache hit") && fourth.stdout.contains("training score_action"), "\(fourth)")
    }
}
