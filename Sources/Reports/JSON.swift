// JSON documents for result files: a value tree whose objects keep their key order, a
// writer, and a strict reader (RFC 8259, plus Python's NaN/Infinity) whose errors give
// the line and column. Not the safetensors header parser (NeuralNet/JSON.swift), which
// guards hostile binary files and keeps numbers as text.

import Foundation
import NeuralNet

public indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    /// Members in file order; keys are unique.
    case object([(key: String, value: JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        // NaN equals NaN here: documents compare by what they say.
        case (.number(let x), .number(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}

/// A text file (CSV, JSON) that cannot be read: where, and what is wrong.
public struct FileFormatError: Error, Equatable, CustomStringConvertible {
    public var path: String
    /// 1-based; nil when the error is about the whole file.
    public var line: Int?
    public var column: Int?
    public var reason: String

    public init(path: String, line: Int? = nil, column: Int? = nil, reason: String) {
        self.path = path
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        guard let line else { return "\(path): \(reason)" }
        return "\(path):\(line)\(column.map { ":\($0)" } ?? ""): \(reason)"
    }
}

/// A file's bytes as UTF-8 text (a leading byte-order mark dropped), or an error naming it.
func readText(_ path: String) throws -> String {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
        throw FileFormatError(path: path, reason: "no such file")
    }
    guard !isFolder.boolValue, let data = FileManager.default.contents(atPath: path) else {
        throw FileFormatError(path: path, reason: isFolder.boolValue ? "is a folder" : "cannot read the file")
    }
    var bytes = [UInt8](data)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    guard let text = String(validating: bytes, as: UTF8.self) else {
        let line = 1 + bytes.prefix { $0 < 0x80 }.filter { $0 == 0x0A }.count
        throw FileFormatError(path: path, line: line, reason: "not UTF-8 text")
    }
    return text
}

/// Writes text atomically (temporary file, fsync, rename).
func writeText(_ text: String, to path: String) throws {
    try writeAtomically(Array(text.utf8), to: path)
}

/// A number as files write it: whole numbers without a fraction (`3`), others in the
/// shortest form that reads back to the same double (`0.1`, `1e-05`); `nan`, `inf`.
func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    if x == x.rounded(), Swift.abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}

extension JSON {
    /// The document as text: `indent` spaces per level (0: one line, `, ` and `: ` between
    /// items). NaN and infinities are written as Python's json module does (`NaN`, `Infinity`).
    public func serialized(indent: Int = 2) -> String {
        var out = ""
        write(into: &out, indent: indent, depth: 0)
        return out
    }

    private func write(into out: inout String, indent: Int, depth: Int) {
        func newline(_ d: Int) { if indent > 0 { out += "\n" + String(repeating: " ", count: indent * d) } }
        let separator = indent > 0 ? "," : ", "
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let x):
            out += x.isNaN ? "NaN" : x.isInfinite ? (x < 0 ? "-Infinity" : "Infinity") : formatNumber(x)
        case .string(let s): out += jsonQuoted(s)
        case .array(let items):
            // Arrays of numbers stay on one line: a tensor row reads as a row.
            if items.isEmpty || items.allSatisfy({ if case .number = $0 { true } else { false } }) {
                out += "[" + items.map { $0.serialized(indent: 0) }.joined(separator: ", ") + "]"
                return
            }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += separator }
                newline(depth + 1)
                item.write(into: &out, indent: indent, depth: depth + 1)
            }
            newline(depth)
            out += "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += separator }
                newline(depth + 1)
                out += jsonQuoted(m.key) + ": "
                m.value.write(into: &out, indent: indent, depth: depth + 1)
            }
            newline(depth)
            out += "}"
        }
    }

    public func write(to path: String, indent: Int = 2) throws {
        try writeText(serialized(indent: indent) + "\n", to: path)
    }

    public static func read(from path: String) throws -> JSON {
        try parse(readText(path), source: path)
    }

    /// Parses one JSON document; `source` names it in errors.
    public static func parse(_ text: String, source: String = "<text>") throws -> JSON {
        var reader = JSONReader(text: Array(text.utf8), source: source)
        return try reader.document()
    }
}
