import Autodiff
import Foundation
import NeuralNet
import OfflineRL

/// CDSA's models kept on disk by content, so `correct(policy, k1=…, k2=…)` trains g, h
/// and I for a dataset once: an entry's name is the SHA-256 of (the dataset's content
/// hash, the model's name, its config JSON, seed and steps, and the OpenBLAS kernel set
/// training runs under) — one changed byte of the data, or any setting, is another entry;
/// so is other arithmetic, whose models differ in their bits, so that a script's numbers
/// never depend on which kernels filled the cache. Entries are written atomically and carry a
/// checksum of their tensors; one that does not read back whole is retrained and
/// replaced, never trusted.
///
/// The folder is $CDSA_CACHE when set, else ~/.cache/cdsa/models.
public struct ModelCache {
    public let folder: String

    public init(folder: String? = nil) {
        self.folder = folder ?? Self.defaultFolder
    }

    public static var defaultFolder: String {
        if let custom = ProcessInfo.processInfo.environment["CDSA_CACHE"], !custom.isEmpty { return custom }
        return NSHomeDirectory() + "/.cache/cdsa/models"
    }

    /// What happened to one lookup: the entry was used, made, or found bad and remade.
    public enum Event: Equatable {
        case hit(path: String)
        case miss(path: String)
        case rejected(path: String, reason: String)
    }

    static let checksumKey = "cdsa.cache.checksum"

    public static func key(dataset: DatasetIdentity, model: String, config: String, seed: UInt64, steps: Int) -> String {
        var h = SHA256()
        for part in ["cdsa model cache 2", dataset.sha256, model, config, String(seed), String(steps), "OpenBLAS \(BLAS.coreName)"] {
            h.update(part + "\n")
        }
        return h.finish()
    }

    public func path(_ key: String) -> String { folder + "/" + key + ".safetensors" }

    /// The model stored under `key`, or, when there is none or it is bad, `train()`'s,
    /// stored. `report` hears which.
    public func model<M>(key: String, decode: (SafeTensors, String) throws -> M, encode: (M) throws -> SafeTensors,
                         train: () throws -> M, report: (Event) -> Void) throws -> M {
        let file = path(key)
        var rejected: String?
        if FileManager.default.fileExists(atPath: file) {
            do {
                let stored = try SafeTensors.read(from: file)
                guard stored.metadata[Self.checksumKey] == Self.checksum(stored) else {
                    throw CorrectorError.invalid("its checksum does not match its tensors")
                }
                let model = try decode(stored, file)
                report(.hit(path: file))
                return model
            } catch {
                rejected = "\(error)"
            }
        }
        let model = try train()
        var out = try encode(model)
        out.metadata[Self.checksumKey] = Self.checksum(out)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try out.write(to: file)
        report(rejected.map { .rejected(path: file, reason: $0) } ?? .miss(path: file))
        return model
    }

    /// SHA-256 over the tensors' names, shapes and bytes and the other metadata, in name order.
    static func checksum(_ file: SafeTensors) -> String {
        var h = SHA256()
        for key in file.metadata.keys.sorted() where key != checksumKey { h.update("\(key)=\(file.metadata[key]!)\n") }
        for name in file.tensors.keys.sorted() {
            let t = file.tensors[name]!
            h.update("\(name) \(t.shape)\n")
            t.withUnsafeBufferPointer { h.update(UnsafeRawBufferPointer($0)) }
        }
        return h.finish()
    }
}
