import Autodiff
import CHDF5
#if canImport(Glibc)
import Foundation
import Glibc
#endif

extension Dataset {
    /// Writes the dataset in D4RL's layout, atomically: the file is built under a
    /// temporary name in the destination's folder, synced, and renamed over `path`, so
    /// readers see the old file or the complete new one and an error leaves nothing
    /// behind. Floats are stored as float32, flags as h5py's bool, infos as float64;
    /// `next_observations` is written when every step has a recorded successor (otherwise
    /// the reader derives s' within episodes again). An unfinished episode that is not
    /// the last is marked as a timeout, the only way the layout can end an episode.
    public func writeD4RL(to path: String) throws(DatasetError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !base.isEmpty else { throw .io(file: path, reason: "path names a folder") }
        // A missing folder is made, as a run folder's is; a file in its place is an error.
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var isDirectory = stat()
        guard stat(directory, &isDirectory) == 0, (isDirectory.st_mode & S_IFMT) == S_IFDIR else {
            throw .io(file: path, reason: "no folder \(directory), and it cannot be made")
        }
        let temporary = (directory == "/" ? "" : directory) + "/.\(base).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        var renamed = false
        defer { if !renamed { _ = unlink(temporary) } }

        try writeContents(toTemporary: temporary, reportAs: path)
        let fd = open(temporary, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(file: path, reason: "cannot reopen the temporary file") }
        let synced = fsync(fd) == 0
        _ = close(fd)
        guard synced else { throw .io(file: path, reason: "cannot sync the temporary file") }
        guard rename(temporary, path) == 0 else {
            throw .io(file: path, reason: "cannot rename the temporary file over it: \(String(cString: strerror(errno)))")
        }
        renamed = true
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 { _ = fsync(dirfd); _ = close(dirfd) }
    }

    /// Writes every key; the file is closed when this returns (its handle goes out of scope).
    private func writeContents(toTemporary temporary: String, reportAs path: String) throws(DatasetError) {
        let file = try HDF5File.create(temporary, reportAs: path)
        let float = cdsa_h5t_native_float(), double = cdsa_h5t_native_double()
        func put(_ key: String, _ t: Tensor) throws(DatasetError) {
            try typed {
                try t.withUnsafeBufferPointer { b in
                    try file.write(key, shape: t.shape, fileType: float, memoryType: float, bytes: b.baseAddress)
                }
            }
        }
        try put("observations", observations)
        try put("actions", actions)
        try put("rewards", rewards)
        if hasNext.allSatisfy({ $0 }) { try put("next_observations", nextObservations) }

        var timeoutFlags = timeouts
        for range in episodes.dropLast() where !terminals[range.upperBound - 1] {
            timeoutFlags[range.upperBound - 1] = true
        }
        let boolType = try h5pyBoolType(file)
        for (key, flags) in [("terminals", terminals), ("timeouts", timeoutFlags)] {
            let bytes = flags.map { Int8($0 ? 1 : 0) }
            try typed {
                try bytes.withUnsafeBytes { b in
                    try file.write(key, shape: [count], fileType: boolType.id, memoryType: boolType.id, bytes: b.baseAddress)
                }
            }
        }
        if !infos.isEmpty { try file.createGroup("infos") }
        for (name, info) in infos.sorted(by: { $0.key < $1.key }) {
            try typed {
                try info.values.withUnsafeBytes { b in
                    try file.write("infos/\(name)", shape: info.width == 1 ? [info.rows] : [info.rows, info.width],
                                   fileType: double, memoryType: double, bytes: b.baseAddress)
                }
            }
        }
        if let environmentName { try file.writeStringAttribute("env_name", environmentName) }
        if let recipe { try file.writeStringAttribute("cdsa_recipe", recipe) }
        try file.flush()
    }

    /// h5py's bool: an int8 enum {FALSE = 0, TRUE = 1}, so Python reads the flags as bool.
    private func h5pyBoolType(_ file: HDF5File) throws(DatasetError) -> HDF5Handle {
        let type = HDF5Handle(H5Tenum_create(cdsa_h5t_native_int8()), closer: H5Tclose)
        var no: Int8 = 0, yes: Int8 = 1
        guard type.id >= 0, H5Tenum_insert(type.id, "FALSE", &no) >= 0, H5Tenum_insert(type.id, "TRUE", &yes) >= 0 else {
            throw .io(file: file.path, reason: "cannot make the bool type")
        }
        return type
    }
}
