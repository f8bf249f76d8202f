// Source: a script's bytes and path, checked to be UTF-8 without NUL bytes, with a map
// from byte offsets to lines and columns for diagnostics.

import Foundation

/// A byte range in one source, half-open.
public struct Span: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public init(_ start: Int, _ end: Int) { self.start = start; self.end = max(start, end) }
    /// The smallest span covering both.
    public func to(_ other: Span) -> Span { Span(min(start, other.start), max(end, other.end)) }
}

/// A script's text. A reference type so compiled code can point at it cheaply.
public final class Source: Sendable {
    public let path: String
    public let text: String
    let bytes: [UInt8]
    /// Byte offset where each line starts; line n (1-based) starts at lineStarts[n - 1].
    let lineStarts: [Int]
    /// The number of the text's first line: a statement of piped input is its own source,
    /// numbered as lines of the whole input.
    public let firstLine: Int

    /// Checks the bytes: the first invalid UTF-8 sequence or NUL byte is an error at its line.
    public init(path: String, bytes: [UInt8], firstLine: Int = 1) throws(Diagnostic) {
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        self.path = path
        self.bytes = bytes
        self.lineStarts = starts
        self.firstLine = firstLine
        self.text = String(decoding: bytes, as: UTF8.self)
        if let bad = Source.firstInvalidByte(bytes) {
            let message = bytes[bad] == 0 ? "source contains a NUL byte" : "source is not valid UTF-8"
            throw Diagnostic(phase: .source, message: message, source: self, span: Span(bad, bad + 1))
        }
    }

    /// A source from Swift text (already valid UTF-8, but NUL bytes are still rejected).
    public convenience init(path: String, text: String, firstLine: Int = 1) throws(Diagnostic) {
        try self.init(path: path, bytes: Array(text.utf8), firstLine: firstLine)
    }

    /// Line (from `firstLine`) and 1-based column (in Unicode scalars) of a byte offset.
    public func location(of offset: Int) -> (line: Int, column: Int) {
        let offset = min(max(0, offset), bytes.count)
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        var column = 1
        var i = lineStarts[lo]
        while i < offset {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return (lo + firstLine, column)
    }

    /// The text a span covers.
    public func text(of span: Span) -> String {
        let end = min(span.end, bytes.count), start = min(span.start, end)
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The text of a line (numbered from `firstLine`) without its newline (invalid bytes
    /// shown as U+FFFD).
    public func lineText(_ numbered: Int) -> String {
        let line = numbered - firstLine + 1
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == 0x0D { end -= 1 }
        // NUL shows as U+2400 so a diagnostic about it stays printable.
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self).replacingOccurrences(of: "\0", with: "\u{2400}")
    }

    /// The offset of the first NUL byte or malformed UTF-8 sequence, if any.
    static func firstInvalidByte(_ b: [UInt8]) -> Int? {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c == 0 { return i }
            if c < 0x80 { i += 1; continue }
            let length: Int
            var minScalar: UInt32
            var scalar: UInt32
            switch c {
            case 0xC2...0xDF: length = 2; minScalar = 0x80; scalar = UInt32(c & 0x1F)
            case 0xE0...0xEF: length = 3; minScalar = 0x800; scalar = UInt32(c & 0x0F)
            case 0xF0...0xF4: length = 4; minScalar = 0x10000; scalar = UInt32(c & 0x07)
            default: return i
            }
            guard i + length <= n else { return i }
            for k in 1..<length {
                let cc = b[i + k]
                guard cc & 0xC0 == 0x80 else { return i }
                scalar = scalar << 6 | UInt32(cc & 0x3F)
            }
            if scalar < minScalar || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return i }
            i += length
        }
        return nil
    }
}
