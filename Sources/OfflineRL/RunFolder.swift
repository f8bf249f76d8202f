import Foundation
import NeuralNet

/// How a training run is driven, as its manifest records it.
public struct TrainingOptions: Codable, Sendable, Equatable {
    /// Updates in all.
    public var steps: Int
    /// A metrics row (losses averaged over the interval) and a progress line every this many.
    public var logEvery: Int = 1000
    /// A checkpoint every this many updates (with a run folder), and at the end.
    public var checkpointEvery: Int = 10_000
    /// Evaluate the policy every this many updates (0: never), for `evaluationEpisodes`.
    public var evaluateEvery: Int = 0
    public var evaluationEpisodes: Int = 10
    /// Keep the policy of every this many updates in policies/ (0: only the final one).
    public var keepPoliciesEvery: Int = 0

    public init(steps: Int) { self.steps = steps }

    public func validate() throws {
        guard steps >= 0 else { throw TrainingError.invalidConfig("steps must be non-negative, got \(steps)") }
        for (name, value) in [("log_every", logEvery), ("checkpoint_every", checkpointEvery)] where value <= 0 {
            throw TrainingError.invalidConfig("\(name) must be positive, got \(value)")
        }
        for (name, value) in [("evaluate_every", evaluateEvery), ("keep_policies_every", keepPoliciesEvery)] where value < 0 {
            throw TrainingError.invalidConfig("\(name) must be non-negative, got \(value)")
        }
        guard evaluationEpisodes > 0 else { throw TrainingError.invalidConfig("evaluation_episodes must be positive, got \(evaluationEpisodes)") }
    }
}

/// What a run folder's manifest.json says: enough to rebuild the trainer and continue.
public struct RunManifest: Equatable {
    public var algorithm: String
    /// The algorithm's config, a JSON object.
    public var config: String
    public var seed: UInt64
    public var options: TrainingOptions
    /// The data it learns from, or nil for an online run.
    public var dataset: DatasetIdentity?
    /// The environment: an online run's, or the one evaluations run in.
    public var environment: String?
    public var versions: [String: String]
    public var commandLine: [String]
    public var created: String

    public init(algorithm: String, config: String, seed: UInt64, options: TrainingOptions, dataset: DatasetIdentity?,
                environment: String?, versions: [String: String], commandLine: [String]) {
        self.algorithm = algorithm
        self.config = config
        self.seed = seed
        self.options = options
        self.dataset = dataset
        self.environment = environment
        self.versions = versions
        self.commandLine = commandLine
        created = ISO8601DateFormatter().string(from: Date())
    }

    func json() throws -> [UInt8] {
        let options = try JSONSerialization.jsonObject(with: Data(try ConfigCoding.encode(self.options).utf8))
        let config = try JSONSerialization.jsonObject(with: Data(self.config.utf8))
        var object: [String: Any] = ["algorithm": algorithm, "config": config, "seed": String(seed), "options": options,
                                     "versions": versions, "command_line": commandLine, "created": created]
        if let d = dataset {
            object["dataset"] = ["source": d.source, "sha256": d.sha256, "environment": d.environment as Any]
        }
        if let environment { object["environment"] = environment }
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]))
    }

    init(json bytes: Data, source: String) throws {
        func bad(_ what: String) -> TrainingError { .run("\(source): \(what)") }
        guard let o = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else { throw bad("not a JSON object") }
        guard let algorithm = o["algorithm"] as? String else { throw bad("no 'algorithm'") }
        guard let config = o["config"] as? [String: Any] else { throw bad("no 'config' object") }
        guard let seedText = o["seed"] as? String, let seed = UInt64(seedText) else { throw bad("no 'seed'") }
        guard let options = o["options"] as? [String: Any] else { throw bad("no 'options' object") }
        self.algorithm = algorithm
        self.config = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
        self.seed = seed
        self.options = try ConfigCoding.decode(TrainingOptions.self,
                                               from: String(decoding: try JSONSerialization.data(withJSONObject: options), as: UTF8.self))
        if let d = o["dataset"] as? [String: Any] {
            guard let s = d["source"] as? String, let h = d["sha256"] as? String else { throw bad("a 'dataset' without source and sha256") }
            dataset = DatasetIdentity(source: s, sha256: h, environment: d["environment"] as? String)
        }
        environment = o["environment"] as? String
        versions = o["versions"] as? [String: String] ?? [:]
        commandLine = o["command_line"] as? [String] ?? []
        created = o["created"] as? String ?? ""
    }
}

/// A training run's folder: manifest.json, metrics.csv (one row per log interval),
/// events.jsonl (start, resume, checkpoint, evaluation, interruption, finish),
/// checkpoint.safetensors (the latest full state, replaced atomically), policy.safetensors
/// (the final policy) and policies/step-N.safetensors when asked to keep them.
public final class RunFolder {
    public let path: String
    public private(set) var manifest: RunManifest

    public var manifestPath: String { path + "/manifest.json" }
    public var metricsPath: String { path + "/metrics.csv" }
    public var eventsPath: String { path + "/events.jsonl" }
    public var checkpointPath: String { path + "/checkpoint.safetensors" }
    public var policyPath: String { path + "/policy.safetensors" }
    public func keptPolicyPath(step: Int) -> String { path + "/policies/step-\(step).safetensors" }

    /// A new run in `path`, which must not hold a run already.
    public static func create(_ path: String, manifest: RunManifest) throws -> RunFolder {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw TrainingError.run("run folder \(path) is a file") }
            if fm.fileExists(atPath: path + "/manifest.json") {
                throw TrainingError.run("\(path) already holds a run; resume(\"\(path)\") or resume=true continues it, or choose another folder")
            }
        }
        do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw TrainingError.run("cannot create run folder \(path): \(error.localizedDescription)")
        }
        let run = RunFolder(path: path, manifest: manifest)
        try run.writeManifest()
        return run
    }

    /// The run `manifest` describes: created in `path`, or, when `path` holds a run
    /// already, that run continued — only if it is the same run (algorithm, config, seed,
    /// data, environment and options other than `steps`, which it is extended to), so a
    /// changed setting never silently reuses an old run's numbers.
    public static func createOrContinue(_ path: String, manifest: RunManifest) throws -> RunFolder {
        guard FileManager.default.fileExists(atPath: path + "/manifest.json") else { return try create(path, manifest: manifest) }
        let run = try open(path)
        let old = run.manifest
        var oldOptions = old.options, newOptions = manifest.options
        (oldOptions.steps, newOptions.steps) = (0, 0)
        func identity(_ d: DatasetIdentity?) -> String { d.map { "\($0.source) (sha256 \($0.sha256.prefix(12))…)" } ?? "none" }
        let differences = [
            old.algorithm != manifest.algorithm ? "algorithm \(old.algorithm), not \(manifest.algorithm)" : nil,
            changedFields(old.config, manifest.config),
            old.seed != manifest.seed ? "seed \(old.seed), not \(manifest.seed)" : nil,
            old.dataset?.sha256 != manifest.dataset?.sha256 ? "data \(identity(old.dataset)), not \(identity(manifest.dataset))" : nil,
            old.environment != manifest.environment ? "environment \(old.environment ?? "none"), not \(manifest.environment ?? "none")" : nil,
            changedFields((try? ConfigCoding.encode(oldOptions)) ?? "", (try? ConfigCoding.encode(newOptions)) ?? ""),
        ].compactMap { $0 }.filter { !$0.isEmpty }
        if let first = differences.first {
            throw TrainingError.run("\(path) holds another run (\(first)); choose another folder, or remove it to start again")
        }
        if let d = manifest.dataset { run.manifest.dataset = d }   // the same bytes, perhaps at a new path
        try run.extend(to: manifest.options.steps)
        return run
    }

    /// "learning_rate 0.0003, not 0.001": the fields two JSON objects disagree on ("" if none).
    private static func changedFields(_ old: String, _ new: String) -> String {
        func object(_ text: String) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) as? [String: Any] ?? [:]
        }
        func show(_ value: Any?) -> String {
            guard let value, !(value is NSNull) else { return "nil" }
            guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) else { return "\(value)" }
            return String(decoding: data, as: UTF8.self)
        }
        let a = object(old), b = object(new)
        return Set(a.keys).union(b.keys).sorted().compactMap { key in
            show(a[key]) == show(b[key]) ? nil : "\(key) \(show(a[key])), not \(show(b[key]))"
        }.joined(separator: "; ")
    }

    /// An existing run.
    public static func open(_ path: String) throws -> RunFolder {
        let manifestPath = path + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw TrainingError.run("\(path) is not a run folder (no manifest.json)")
        }
        return RunFolder(path: path, manifest: try RunManifest(json: data, source: manifestPath))
    }

    private init(path: String, manifest: RunManifest) {
        self.path = path
        self.manifest = manifest
    }

    /// The run continued at `step` under `now`'s versions. Under other ones than it last ran
    /// under (another OpenBLAS kernel set, cdsa or MuJoCo) it goes on, but from there its
    /// numbers are no longer the bits of one run that never stopped: the manifest's versions
    /// then say which ran from which step ("Haswell kernels; from step 30000: SkylakeX
    /// kernels"), and the returned note says so (nil when nothing changed).
    public func continuing(under now: [String: String], at step: Int) throws -> String? {
        var changes: [String] = []
        for key in now.keys.sorted() {
            guard let then = manifest.versions[key], let current = now[key] else { continue }
            let segments = then.components(separatedBy: Self.versionStep)
            let latest = segments.count == 1 ? then : String(segments.last!.drop { $0 != ":" }.dropFirst(2))
            guard latest != current else { continue }
            manifest.versions[key] = then + Self.versionStep + "\(step): \(current)"
            changes.append("\(key) \(latest), now \(current)")
        }
        guard !changes.isEmpty else { return nil }
        try writeManifest()
        return "note: \(path) continues at step \(step) under other versions (\(changes.joined(separator: "; "))): from here its numbers are not those of a run that never stopped; manifest.json records it\n"
    }

    private static let versionStep = "; from step "

    /// Records a new target step count (resume with more steps).
    public func extend(to steps: Int) throws {
        let reached = reachedStep()
        guard steps >= reached else {
            throw TrainingError.run("the run is at step \(reached), past the \(steps) steps asked for (\(path) is left as it was)")
        }
        manifest.options.steps = steps
        try writeManifest()
    }

    /// The step the run has reached: the furthest its logs record — a metrics row, or an
    /// event (every checkpoint, the interrupted one included, is one), so the checkpoint
    /// itself need not be read.
    func reachedStep() -> Int {
        let m = try? metrics()
        let logged = m.flatMap { m in m.header.firstIndex(of: "step").flatMap { i in m.rows.last.flatMap { Int($0[i]) } } } ?? 0
        let text = (try? String(contentsOfFile: eventsPath, encoding: .utf8)) ?? ""
        let events = text.split(separator: "\n").compactMap { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["step"] as? Int
        }
        return Swift.max(logged, events.max() ?? 0)
    }

    private func writeManifest() throws { try writeAtomically(try manifest.json(), to: manifestPath) }

    // MARK: checkpoints

    public var hasCheckpoint: Bool { FileManager.default.fileExists(atPath: checkpointPath) }

    public func writeCheckpoint(_ state: TrainingState) throws {
        try SafeTensors(tensors: state.tensors, metadata: state.values.merging(["cdsa.kind": "checkpoint"]) { a, _ in a })
            .write(to: checkpointPath)
    }

    public func readCheckpoint() throws -> TrainingState {
        let file = try SafeTensors.read(from: checkpointPath)
        guard file.metadata["cdsa.kind"] == "checkpoint" else { throw TrainingError.checkpoint("\(checkpointPath) is not a checkpoint") }
        var state = TrainingState()
        state.tensors = file.tensors
        state.values = file.metadata
        return state
    }

    // MARK: metrics and events

    /// Appends `line` (and a newline) to a file, creating it.
    private func append(_ line: String, to file: String) throws {
        if !FileManager.default.fileExists(atPath: file), !FileManager.default.createFile(atPath: file, contents: nil) {
            throw TrainingError.run("cannot create \(file)")
        }
        guard let h = FileHandle(forWritingAtPath: file) else { throw TrainingError.run("cannot write \(file)") }
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data((line + "\n").utf8))
    }

    public func event(_ name: String, step: Int, _ fields: [String: Any] = [:]) throws {
        var object = fields
        object["event"] = name
        object["step"] = step
        object["time"] = ISO8601DateFormatter().string(from: Date())
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try append(String(decoding: data, as: UTF8.self), to: eventsPath)
    }

    /// Appends a metrics row, writing the header first into a new file.
    public func metricsRow(header: [String], values: [String]) throws {
        if !FileManager.default.fileExists(atPath: metricsPath) { try append(header.joined(separator: ","), to: metricsPath) }
        try append(values.joined(separator: ","), to: metricsPath)
    }

    /// Before continuing from a checkpoint at `step`: drops metrics rows logged after it
    /// (a killed run logged them; the resumed run logs them again) and any torn last
    /// line of either log.
    public func rewind(to step: Int) throws {
        if let text = try? String(contentsOfFile: metricsPath, encoding: .utf8) {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            let header = lines.first.map { $0.split(separator: ",").count } ?? 0
            let kept = lines.prefix(1) + lines.dropFirst().filter { line in
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                guard cells.count == header, let s = Int(cells[0]) else { return false }
                return s <= step
            }
            try writeAtomically(Array((kept.joined(separator: "\n") + "\n").utf8), to: metricsPath)
        }
        if let text = try? String(contentsOfFile: eventsPath, encoding: .utf8), !text.isEmpty, !text.hasSuffix("\n") {
            let whole = text.split(separator: "\n").dropLast().joined(separator: "\n")
            try writeAtomically(Array((whole.isEmpty ? "" : whole + "\n").utf8), to: eventsPath)
        }
    }

    /// The metrics table: header and rows (strings as written).
    public func metrics() throws -> (header: [String], rows: [[String]]) {
        guard let text = try? String(contentsOfFile: metricsPath, encoding: .utf8) else { return ([], []) }
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return ([], []) }
        return (header, Array(lines.dropFirst()).filter { $0.count == header.count })
    }

    /// The seed's protocol: the last `count` periodic evaluations' normalised scores (or
    /// returns, without reference scores), with the steps they were made at.
    /// A run that has not reached its steps (interrupted, or still training) is refused
    /// unless `partial`: its last evaluations are not its final ones.
    public func finalEvaluations(_ count: Int, partial: Bool = false) throws -> (steps: [Int], values: [Double], normalized: Bool) {
        let (header, rows) = try metrics()
        guard let stepColumn = header.firstIndex(of: "step"),
              let scoreColumn = header.firstIndex(of: "eval_score"), let returnColumn = header.firstIndex(of: "eval_return") else {
            throw TrainingError.run("\(path) has no evaluations (train with evaluate_every=…)")
        }
        let reached = rows.last.flatMap { Int($0[stepColumn]) } ?? 0
        if !partial, reached < manifest.options.steps {
            throw TrainingError.run("\(path) is at step \(reached) of \(manifest.options.steps): its last evaluations are not its final ones (continue it with resume=true, or read them anyway with partial=true)")
        }
        // On the schedule only: a run extended past its first end also evaluated there, which
        // one long run would not have (its row stays in metrics.csv, marking the junction).
        let (every, total) = (manifest.options.evaluateEvery, manifest.options.steps)
        let evaluated = rows.filter { row in
            guard !row[returnColumn].isEmpty, let step = Int(row[stepColumn]) else { return false }
            return every <= 0 || step % every == 0 || step == total
        }
        let normalized = evaluated.allSatisfy { !$0[scoreColumn].isEmpty }
        let last = evaluated.suffix(count)
        guard !last.isEmpty else { throw TrainingError.run("\(path) has no evaluations yet") }
        if !partial, last.count < count {
            throw TrainingError.run("\(path) has \(last.count) evaluation\(last.count == 1 ? "" : "s"), not the last \(count) asked for (ask for last=\(last.count), or partial=true)")
        }
        return (last.compactMap { Int($0[stepColumn]) }, last.compactMap { Double($0[normalized ? scoreColumn : returnColumn]) }, normalized)
    }
}
