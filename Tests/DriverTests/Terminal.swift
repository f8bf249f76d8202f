// A pseudo-terminal for driving the real readline REPL: the child runs in its own session
// with the pty as its controlling terminal, so Ctrl-C (byte 0x03) becomes SIGINT.

import Foundation
import Testing

final class Terminal {
    let master: Int32
    let pid: pid_t
    /// Everything the terminal showed, with escape sequences and carriage returns removed.
    private(set) var screen = ""
    /// Where the next `expect` starts looking.
    private var mark: String.Index

    init(_ executable: String, arguments: [String] = [], environment: [String: String]) throws {
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0, Terminal.libc.grantpt(master) == 0, Terminal.libc.unlockpt(master) == 0,
              let name = Terminal.libc.ptsname(master) else {
            throw TerminalError("cannot open a pseudo-terminal")
        }
        let slave = String(cString: name)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addclose(&actions, master)
        // Opened after setsid, the pty becomes the child's controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, slave, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID | SETSIGMASK | SETSIGDEF (glibc): a new session, and no signal
        // blocked or ignored because the test runner's thread had it so.
        posix_spawnattr_setflags(&attributes, 0x80 | 0x08 | 0x04)
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw TerminalError("posix_spawn failed: \(status)") }
        pid = child
        mark = screen.startIndex
    }

    /// grantpt/unlockpt/ptsname are XSI functions Swift's Glibc module does not import.
    static let libc = (
        grantpt: unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "grantpt"), to: (@convention(c) (Int32) -> Int32).self),
        unlockpt: unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unlockpt"), to: (@convention(c) (Int32) -> Int32).self),
        ptsname: unsafeBitCast(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ptsname"),
                               to: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
    )

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
    }

    func send(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Reads until `text` appears after the previous match; false on timeout or end.
    @discardableResult
    func expect(_ text: String, timeout: TimeInterval = 20, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let found = screen.range(of: text, range: mark..<screen.endIndex) {
                mark = found.upperBound
                return true
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 || !readSome(timeout: left) {
                Issue.record("expected \(text.debugDescription) on the screen; it shows:\n\(screen)", sourceLocation: sourceLocation)
                return false
            }
        }
    }

    /// Waits for the child to exit; its exit status, or nil on timeout.
    func waitForExit(timeout: TimeInterval = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            _ = readSome(timeout: 0.05)
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xff }
        }
        return nil
    }

    /// One read with a timeout; false when nothing more can come.
    private func readSome(timeout: TimeInterval) -> Bool {
        var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&fds, 1, Int32(max(1, min(timeout, 1) * 1000)))
        if ready < 0 { return errno == EINTR }
        if ready == 0 { return true }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(master, &buffer, buffer.count)
        if n <= 0 { return false }
        let offset = screen.distance(from: screen.startIndex, to: mark)
        screen += Terminal.clean(String(decoding: buffer[..<n], as: UTF8.self))
        mark = screen.index(screen.startIndex, offsetBy: offset)
        return true
    }

    /// Drops ANSI escape sequences, carriage returns and bells.
    static func clean(_ text: String) -> String {
        var out = "", escape = false, csi = false
        for ch in text.unicodeScalars {
            if escape {
                if csi { if (0x40...0x7E).contains(ch.value) { escape = false; csi = false } }
                else if ch == "[" { csi = true } else { escape = false }
                continue
            }
            switch ch {
            case "\u{1B}": escape = true
            case "\r", "\u{07}": break
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}

struct TerminalError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
