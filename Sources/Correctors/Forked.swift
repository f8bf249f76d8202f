import Autodiff
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Independent jobs on forked worker processes: each child inherits the whole session
/// (policies, models, a cdsa rule's interpreter) as it was at the fork, runs every
/// `workers`-th job on one engine thread, and sends each result back through a pipe as
/// soon as it is done. Results depend only on the job, never on which worker ran it.
public enum Forked {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// `work(i)` for i in 0..<count, on `workers` children (fewer when there are fewer
    /// jobs); `done(i)` is called in the parent as each result arrives. A job that throws
    /// stops the whole map with its message; `cancellation` kills the children.
    public static func map(count: Int, workers requested: Int, cancellation: CancellationToken? = nil,
                           done: (Int) -> Void = { _ in }, _ work: (Int) throws -> [UInt8]) throws -> [[UInt8]] {
        let workers = max(1, min(requested, count))
        guard count > 0 else { return [] }
        fflush(nil)   // nothing buffered is written twice
        var children: [(pid: pid_t, fd: Int32, buffer: [UInt8], open: Bool)] = []
        defer {
            // Every child is reaped exactly once: killed first when it is still working.
            for c in children {
                if c.open { kill(c.pid, SIGKILL) }
                close(c.fd)
                var status: Int32 = 0
                if c.pid > 0 { waitpid(c.pid, &status, 0) }
            }
        }
        for w in 0..<workers {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw Failure(description: "cannot make a pipe: \(String(cString: strerror(errno)))") }
            let pid = fork()
            if pid == 0 {
                close(ends[0])
                for c in children { close(c.fd) }
                BLAS.setThreads(1)
                for i in stride(from: w, to: count, by: workers) {
                    do { send(ends[1], i, 0, try work(i)) } catch {
                        send(ends[1], i, 1, Array("\(error)".utf8))
                        _exit(1)
                    }
                }
                _exit(0)
            }
            close(ends[1])
            guard pid > 0 else { close(ends[0]); throw Failure(description: "cannot start a worker: \(String(cString: strerror(errno)))") }
            children.append((pid, ends[0], [], true))
        }

        var results = [[UInt8]?](repeating: nil, count: count)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while children.contains(where: \.open) {
            if cancellation?.isCancelled == true { try cancellation?.check() }
            var fds = children.map { pollfd(fd: $0.open ? $0.fd : -1, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), 100) >= 0 || errno == EINTR else {
                throw Failure(description: "poll failed: \(String(cString: strerror(errno)))")
            }
            for k in children.indices where children[k].open && fds[k].revents != 0 {
                let n = read(children[k].fd, &chunk, chunk.count)
                if n > 0 { children[k].buffer += chunk[0..<n]; continue }
                if n < 0 && errno == EINTR { continue }
                children[k].open = false
            }
            for k in children.indices {
                while let (i, status, payload) = frame(&children[k].buffer) {
                    guard status == 0 else { throw Failure(description: String(decoding: payload, as: UTF8.self)) }
                    guard i < count, results[i] == nil else { throw Failure(description: "a worker sent job \(i) twice") }
                    results[i] = payload
                    done(i)
                }
            }
        }
        for (k, c) in children.enumerated() {
            var status: Int32 = 0
            waitpid(c.pid, &status, 0)
            children[k].pid = -1
            let missing = stride(from: k, to: count, by: workers).filter { results[$0] == nil }
            if !missing.isEmpty {
                let how = status & 0x7f != 0 ? "was killed by signal \(status & 0x7f)" : "exited with status \((status >> 8) & 0xff)"
                throw Failure(description: "worker \(k + 1) \(how) before finishing \(missing.count) of its jobs")
            }
        }
        return results.map { $0! }
    }

    /// Frame: job index (UInt32), status (0 ok, 1 error), payload length (UInt32), payload.
    static func send(_ fd: Int32, _ index: Int, _ status: UInt8, _ payload: [UInt8]) {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt32(index).littleEndian) { bytes += $0 }
        bytes.append(status)
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { bytes += $0 }
        bytes += payload
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { _exit(2) }
            written += n
        }
    }

    /// The next complete frame at the front of `buffer`, removed from it.
    static func frame(_ buffer: inout [UInt8]) -> (Int, UInt8, [UInt8])? {
        guard buffer.count >= 9 else { return nil }
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(buffer[at + $1]) << (8 * $1) } }
        let length = u32(5)
        guard buffer.count >= 9 + length else { return nil }
        let result = (u32(0), buffer[4], Array(buffer[9..<(9 + length)]))
        buffer.removeFirst(9 + length)
        return result
    }
}
