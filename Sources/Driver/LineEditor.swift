// LineEditor: the REPL's readline. The only Swift file that talks to readline; its C
// globals are reached through the accessors in Sources/CReadline/shim.h.

import CReadline
import Bindings
import Foundation

final class LineEditor {
    enum Input: Equatable {
        case line(String)
        case endOfInput
        /// Ctrl-C at the prompt: the line was discarded.
        case interrupted
    }

    /// Readline calls completion through a C function pointer, which cannot capture: the
    /// completer lives here. Only the REPL thread reads or writes it.
    nonisolated(unsafe) static var completer: Completer?

    static let historyLimit: Int32 = 1000
    let historyPath: String?

    init(completer: Completer, historyPath: String?) {
        self.historyPath = historyPath
        LineEditor.completer = completer
        cdsa_rl_configure("cdsa", complete)
        if let historyPath { cdsa_rl_history_open(historyPath, LineEditor.historyLimit) }
    }

    /// ~/.cdsa_history ($HOME honoured); $CDSA_HISTORY overrides it, and an empty
    /// $CDSA_HISTORY turns history off.
    static var defaultHistoryPath: String? {
        let env = ProcessInfo.processInfo.environment
        if let path = env["CDSA_HISTORY"] { return path.isEmpty ? nil : path }
        let home = env["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".cdsa_history")
    }

    func read(prompt: String) -> Input {
        fflush(nil)
        var line: UnsafeMutablePointer<CChar>?
        switch cdsa_rl_read(prompt, takeInterrupt, &line) {
        case 0:
            defer { free(line) }
            return .line(String(cString: line!))
        case 2: return .interrupted
        default: return .endOfInput
        }
    }

    func remember(_ line: String) {
        guard let historyPath, !line.allSatisfy(\.isWhitespace) else { return }
        cdsa_rl_history_add(historyPath, line, LineEditor.historyLimit)
    }
}

/// Polled at the prompt: whether Ctrl-C was pressed (and clears it).
private func takeInterrupt() -> Int32 {
    guard EngineControl.interruptRequested else { return 0 }
    EngineControl.clearInterrupt()
    return 1
}

/// Readline's attempted-completion hook: matches[0] is what replaces the word (the common
/// prefix), then the candidates, then NULL; all malloc'd, readline frees them.
private func complete(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    guard let text, let completer = LineEditor.completer else { return nil }
    let buffer = Array(String(cString: cdsa_rl_line_buffer()).utf8)
    let before = String(decoding: buffer.prefix(Int(start)), as: UTF8.self)
    switch completer.complete(before: before, word: String(cString: text)) {
    case .files:
        cdsa_rl_completion_options(0)
        return cdsa_rl_filename_matches(text)
    case .words(let words):
        cdsa_rl_completion_options(0)
        guard !words.isEmpty else { return nil }
        let entries = words.count == 1 ? words : [Completer.commonPrefix(words)] + words
        let matches = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (entries.count + 1))!
            .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: entries.count + 1)
        for (i, word) in entries.enumerated() { matches[i] = strdup(word) }
        matches[entries.count] = nil
        return matches
    }
}
