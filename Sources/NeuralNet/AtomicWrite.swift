#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file could not be written atomically. The destination is left as it was.
public struct AtomicWriteError: Error, Equatable, CustomStringConvertible {
    /// The destination path the caller asked for.
    public var path: String
    /// What failed, e.g. "cannot create temporary file in /x: No such file or directory".
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// Writes `bytes` to `path` so that readers see either the old file or the complete new
/// one, never a partial write: the bytes go to a fresh temporary file in the same
/// directory, are fsync'ed, and the temporary is renamed over `path` (rename(2) is
/// atomic within a filesystem); the directory is then fsync'ed so the rename is durable.
/// On any error the temporary file is removed and `path` is untouched.
///
/// A new file gets the usual permissions (0666 less the umask); replacing an existing
/// regular file keeps its permission bits.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    try bytes.withUnsafeBytes { try writeAtomically(UnsafeRawBufferPointer($0), to: path) }
}

/// Raw-buffer form of `writeAtomically(_:to:)`, for callers that already hold bytes.
public func writeAtomically(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
    func failure(_ what: String, _ code: Int32) -> AtomicWriteError {
        AtomicWriteError(path: path, reason: "\(what): \(String(cString: strerror(code)))")
    }
    guard !path.isEmpty else { throw AtomicWriteError(path: path, reason: "empty path") }
    guard !path.hasSuffix("/") else { throw AtomicWriteError(path: path, reason: "path names a directory") }

    let directory: String
    let base: String
    if let slash = path.lastIndex(of: "/") {
        let dir = String(path[..<slash])
        directory = dir.isEmpty ? "/" : dir
        base = String(path[path.index(after: slash)...])
    } else {
        directory = "."
        base = path
    }

    // A fresh name that no one else uses; O_EXCL guarantees we never open someone's file.
    var fd: Int32 = -1
    var temporary = ""
    for _ in 0..<16 {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        temporary = (directory == "/" ? "/" : directory + "/") + ".\(base).tmp-\(getpid())-\(suffix)"
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw failure("cannot create a temporary file in \(directory)", errno) }

    var closed = false
    var renamed = false
    defer {
        if !closed { _ = close(fd) }
        if !renamed { _ = unlink(temporary) }
    }

    // Keep the permissions of a file being replaced.
    var existing = stat()
    if stat(path, &existing) == 0, (existing.st_mode & S_IFMT) == S_IFREG {
        _ = fchmod(fd, existing.st_mode & 0o7777)
    }

    var offset = 0
    while offset < bytes.count {
        guard let base = bytes.baseAddress else { break }
        let n = write(fd, base + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            throw failure("cannot write \(temporary)", errno)
        }
        offset += n
    }
    guard fsync(fd) == 0 else { throw failure("cannot sync \(temporary)", errno) }
    closed = true
    guard close(fd) == 0 else { throw failure("cannot close \(temporary)", errno) }
    guard rename(temporary, path) == 0 else { throw failure("cannot rename the temporary file over it", errno) }
    renamed = true

    // Make the rename itself durable. Some filesystems refuse fsync on a directory;
    // the data is already safe then, so that is not an error.
    let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dirfd >= 0 {
        _ = fsync(dirfd)
        _ = close(dirfd)
    }
}
