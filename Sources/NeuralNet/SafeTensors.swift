import Autodiff
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A set of named tensors plus string metadata, in the safetensors format
/// (https://github.com/huggingface/safetensors):
///
///     8 bytes   little-endian u64 N, the header length
///     N bytes   UTF-8 JSON object: {"__metadata__": {"key": "value", ...},
///                 "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
///               padded with spaces to a multiple of 8
///     rest      the data buffer; offsets are relative to its start, tensors are
///               row-major little-endian and cover it exactly, without gaps or overlap
///
/// Writing produces F32 tensors sorted by name (byte-identical to the reference writer
/// for the same F32 tensors). Reading accepts F32, F16, BF16 and F64 and converts to
/// Float32 (F64 rounds to nearest). Every length and offset in a file is checked; a bad
/// file is a `SafeTensorsError`, never a trap.
///
/// Model architecture and configuration travel in `metadata` as JSON documents stored
/// as string values (the format allows only strings there), under `configKey`.
public struct SafeTensors: @unchecked Sendable {
    public var tensors: [String: Tensor]
    public var metadata: [String: String]

    /// Metadata key under which models store their configuration as a JSON document.
    public static let configKey = "cdsa.config"
    /// Largest header accepted when reading, as in the reference implementation.
    public static let maxHeaderBytes = 100_000_000

    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads and validates a safetensors file.
    public init(contentsOf path: String) throws {
        self = try SafeTensors.read(from: path)
    }

    /// Reads and validates a safetensors file.
    public static func read(from path: String) throws -> SafeTensors {
        let bytes = try readWholeFile(path)
        return try bytes.withUnsafeBytes { try decode($0, source: path) }
    }

    /// Parses safetensors bytes held in memory; `source` names them in errors.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> SafeTensors {
        try bytes.withUnsafeBytes { try decode($0, source: source) }
    }

    /// Serialises to a file atomically (temporary file, fsync, rename); on failure the
    /// destination is untouched and no temporary file remains.
    public func write(to path: String) throws {
        let bytes = try encode()
        do {
            try writeAtomically(bytes, to: path)
        } catch let error as AtomicWriteError {
            throw SafeTensorsError.io(path: path, error.reason)
        }
    }

    /// The file's bytes: all tensors as F32 sorted by name, metadata keys sorted.
    public func encode() throws -> [UInt8] {
        let names = tensors.keys.sorted()
        var header = "{"
        var first = true
        if !metadata.isEmpty {
            header += "\"__metadata__\":{"
            header += metadata.keys.sorted().map { key in
                Self.jsonQuoted(key) + ":" + Self.jsonQuoted(metadata[key] ?? "")
            }.joined(separator: ",")
            header += "}"
            first = false
        }
        var offset = 0
        for name in names {
            guard name != "__metadata__" else {
                throw SafeTensorsError.invalidArgument("a tensor cannot be named \"__metadata__\"")
            }
            guard let tensor = tensors[name] else { continue }
            let size = tensor.count * 4
            if !first { header += "," }
            first = false
            header += Self.jsonQuoted(name)
            header += ":{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))]"
            header += ",\"data_offsets\":[\(offset),\(offset + size)]}"
            offset += size
        }
        header += "}"

        var headerBytes = Array(header.utf8)
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8))

        var out = [UInt8]()
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for name in names {
            guard let tensor = tensors[name] else { continue }
            tensor.withUnsafeBufferPointer { values in
                #if _endian(little)
                out.append(contentsOf: UnsafeRawBufferPointer(values))
                #else
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
                #endif
            }
        }
        return out
    }

    // MARK: Configuration as JSON metadata

    /// Stores `value` as a JSON document (sorted keys) under `key` in the metadata.
    public mutating func setJSONMetadata<T: Encodable>(_ value: T, forKey key: String = configKey) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        metadata[key] = String(decoding: data, as: UTF8.self)
    }

    /// Decodes the JSON document stored under `key`, or nil if there is none.
    public func jsonMetadata<T: Decodable>(_ type: T.Type, forKey key: String = configKey) throws -> T? {
        guard let text = metadata[key] else { return nil }
        return try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// Element types a safetensors file may declare, with their sizes in bytes.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case F32, F16, BF16, F64
    case BOOL, U8, I8, I16, U16, I32, U32, I64, U64
    case F8_E5M2, F8_E4M3, F8_E8M0, F6_E2M3, F6_E3M2, F4, C64, U1

    /// Bytes per element, or nil for sub-byte types.
    var byteSize: Int? {
        switch self {
        case .BOOL, .U8, .I8, .F8_E5M2, .F8_E4M3, .F8_E8M0: return 1
        case .F16, .BF16, .I16, .U16: return 2
        case .F32, .I32, .U32: return 4
        case .F64, .I64, .U64, .C64: return 8
        case .F6_E2M3, .F6_E3M2, .F4, .U1: return nil
        }
    }

    /// Whether `SafeTensors` can convert this type to Float32.
    public var isReadable: Bool {
        switch self {
        case .F32, .F16, .BF16, .F64: return true
        default: return false
        }
    }
}

/// A safetensors file that cannot be read or written. Descriptions are one line and
/// start with the file (or "<memory>") they concern.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened, read or written.
    case io(path: String, String)
    /// The bytes are not a valid safetensors file.
    case malformed(path: String, String)
    /// The file is valid but declares something this reader cannot convert.
    case unsupported(path: String, String)
    /// Something in memory cannot be written as safetensors.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .io(let path, let message): return "\(path): \(message)"
        case .malformed(let path, let message): return "\(path): invalid safetensors file: \(message)"
        case .unsupported(let path, let message): return "\(path): unsupported safetensors file: \(message)"
        case .invalidArgument(let message): return "safetensors: \(message)"
        }
    }
}

// MARK: - Reading

/// The whole file, read with POSIX calls so errors carry errno's message.
private func readWholeFile(_ path: String) throws -> [UInt8] {
    func failure(_ what: String) -> SafeTensorsError {
        .io(path: path, "\(what): \(String(cString: strerror(errno)))")
    }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw failure("cannot open") }
    defer { _ = close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw failure("cannot stat") }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw SafeTensorsError.io(path: path, "not a regular file") }
    var bytes = [UInt8]()
    bytes.reserveCapacity(Int(clamping: info.st_size) + 1)
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw failure("cannot read")
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
}

extension SafeTensors {
    struct Entry {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        var count: Int
        var begin: Int
        var end: Int
    }

    static func decode(_ file: UnsafeRawBufferPointer, source: String) throws -> SafeTensors {
        func bad(_ message: String) -> SafeTensorsError { .malformed(path: source, message) }

        guard file.count >= 8 else {
            throw bad("file is \(file.count) bytes, shorter than the 8-byte header length")
        }
        let declared = file.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        guard declared <= UInt64(maxHeaderBytes) else {
            throw bad("header length \(declared) exceeds the limit of \(maxHeaderBytes) bytes")
        }
        let headerLength = Int(declared)
        guard headerLength <= file.count - 8 else {
            throw bad("header length \(headerLength) exceeds the \(file.count - 8) bytes after the length field")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw bad("header is not valid UTF-8")
        }
        let root: JSONValue
        do {
            var parser = JSONParser(headerBytes)
            root = try parser.parseDocument()
        } catch let error as JSONParser.Failure {
            if error.duplicateKey != nil { throw bad("header has \(error.message)") }
            throw bad("header is not valid JSON: \(error.message)")
        }
        guard case .object(let members) = root else { throw bad("header is not a JSON object") }

        let buffer = UnsafeRawBufferPointer(rebasing: file[(8 + headerLength)...])
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(members.count)

        for (name, value) in members {
            if name == "__metadata__" {
                switch value {
                case .null: break
                case .object(let pairs):
                    for (key, item) in pairs {
                        guard case .string(let text) = item else {
                            throw bad("__metadata__ value for \(quoted(key)) is \(item.kind), not a string")
                        }
                        metadata[key] = text
                    }
                default:
                    throw bad("__metadata__ is \(value.kind), not an object")
                }
                continue
            }
            let tensor = "tensor \(quoted(name))"
            guard case .object(let fields) = value else { throw bad("\(tensor) is \(value.kind), not an object") }
            var dtypeValue: JSONValue?, shapeValue: JSONValue?, offsetsValue: JSONValue?
            for (key, field) in fields {
                switch key {
                case "dtype": dtypeValue = field
                case "shape": shapeValue = field
                case "data_offsets": offsetsValue = field
                default: break
                }
            }
            guard let dtypeValue else { throw bad("\(tensor) has no \"dtype\"") }
            guard let shapeValue else { throw bad("\(tensor) has no \"shape\"") }
            guard let offsetsValue else { throw bad("\(tensor) has no \"data_offsets\"") }

            guard case .string(let dtypeName) = dtypeValue else {
                throw bad("\(tensor) dtype is \(dtypeValue.kind), not a string")
            }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw bad("\(tensor) has unknown dtype \(quoted(dtypeName))")
            }

            guard case .array(let dims) = shapeValue else {
                throw bad("\(tensor) shape is \(shapeValue.kind), not an array")
            }
            var shape: [Int] = []
            shape.reserveCapacity(dims.count)
            var count = 1
            for dim in dims {
                guard let d = dim.nonNegativeInt else {
                    throw bad("\(tensor) shape has \(dim.rendered), not a non-negative integer")
                }
                shape.append(d)
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow else { throw bad("\(tensor) shape \(JSONValue.array(dims).rendered) has too many elements") }
                count = product
            }

            guard case .array(let offsets) = offsetsValue, offsets.count == 2,
                  let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt else {
                throw bad("\(tensor) data_offsets \(offsetsValue.rendered) is not two non-negative integers")
            }
            guard end >= begin else { throw bad("\(tensor) data_offsets end \(end) is before begin \(begin)") }
            guard end <= buffer.count else {
                throw bad("\(tensor) data_offsets end \(end) is beyond the \(buffer.count)-byte data buffer")
            }
            guard let elementSize = dtype.byteSize else {
                throw SafeTensorsError.unsupported(path: source, "\(tensor) has dtype \(dtypeName); readable dtypes are F32, F16, BF16, F64")
            }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
            guard !overflow, bytes == end - begin else {
                throw bad("\(tensor) has \(end - begin) bytes but shape \(shape) of \(dtypeName) needs \(overflow ? "more than \(Int.max)" : String(bytes))")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, count: count, begin: begin, end: end))
        }

        // The tensors must tile the data buffer exactly.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var covered = 0
        var previous: Entry?
        for entry in entries {
            if entry.begin < covered, let previous {
                throw bad("tensors \(quoted(previous.name)) and \(quoted(entry.name)) overlap at bytes \(entry.begin)..<\(min(covered, entry.end))")
            }
            if entry.begin > covered {
                throw bad("bytes \(covered)..<\(entry.begin) of the data buffer belong to no tensor")
            }
            covered = entry.end
            previous = entry
        }
        guard covered == buffer.count else {
            throw bad("bytes \(covered)..<\(buffer.count) of the data buffer belong to no tensor")
        }

        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(entries.count)
        for entry in entries {
            guard entry.dtype.isReadable else {
                throw SafeTensorsError.unsupported(path: source, "tensor \(quoted(entry.name)) has dtype \(entry.dtype.rawValue); readable dtypes are F32, F16, BF16, F64")
            }
            var tensor: Tensor
            do {
                tensor = try Tensor(shape: entry.shape, repeating: 0)
            } catch {
                throw SafeTensorsError.unsupported(path: source, "tensor \(quoted(entry.name)): \(error)")
            }
            let data = UnsafeRawBufferPointer(rebasing: buffer[entry.begin..<entry.end])
            tensor.withUnsafeMutableBufferPointer { out in convert(data, entry.dtype, into: out) }
            tensors[entry.name] = tensor
        }
        return SafeTensors(tensors: tensors, metadata: metadata)
    }

    /// Converts little-endian elements of `dtype` into Float32.
    static func convert(_ data: UnsafeRawBufferPointer, _ dtype: SafeTensorsDType, into out: UnsafeMutableBufferPointer<Float>) {
        switch dtype {
        case .F32:
            #if _endian(little)
            if let dst = out.baseAddress, let src = data.baseAddress, data.count > 0 {
                UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: data.count)
            }
            #else
            for i in 0..<out.count {
                out[i] = Float(bitPattern: UInt32(littleEndian: data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
            #endif
        case .F16:
            for i in 0..<out.count {
                out[i] = floatFromHalf(UInt16(littleEndian: data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .BF16:
            for i in 0..<out.count {
                let bits = UInt16(littleEndian: data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                out[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .F64:
            for i in 0..<out.count {
                out[i] = Float(Double(bitPattern: UInt64(littleEndian: data.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        default:
            break
        }
    }

    /// IEEE 754 binary16 to binary32, exactly (NaN payloads kept).
    static func floatFromHalf(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1f
        let mantissa = UInt32(h & 0x3ff)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exact in Float32.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: magnitude.bitPattern | sign)
        case 0x1f:
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }
}

// MARK: - JSON

extension SafeTensors {

/// Quotes a string for JSON, escaping quotes, backslashes and control characters;
/// other characters are written as UTF-8, as serde_json does.
static func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// A name quoted for an error message, shortened if long.
static func quoted(_ s: String) -> String {
    let short = s.count > 80 ? String(s.prefix(77)) + "..." : s
    return jsonQuoted(short)
}

/// A parsed JSON value; objects keep member order, numbers keep their text.
indirect enum JSONValue {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    var kind: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }

    /// The value if it is a JSON integer 0...Int.max written without fraction or exponent.
    var nonNegativeInt: Int? {
        guard case .number(let text) = self, !text.isEmpty,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)
    }

    /// Compact JSON text, abbreviated if long; for error messages.
    var rendered: String {
        let full: String
        switch self {
        case .object(let members): full = "{" + members.map { jsonQuoted($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
        case .array(let items): full = "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case .string(let s): full = jsonQuoted(s)
        case .number(let n): full = n
        case .bool(let b): full = b ? "true" : "false"
        case .null: full = "null"
        }
        return full.count > 60 ? String(full.prefix(57)) + "..." : full
    }
}

/// A strict RFC 8259 parser over UTF-8 bytes (already validated as UTF-8), with a
/// nesting limit so hostile input cannot exhaust the stack, and duplicate keys rejected.
struct JSONParser {
    struct Failure: Error {
        var message: String
        /// Set when the text is valid JSON but repeats a key within an object.
        var duplicateKey: String? = nil
    }

    let bytes: UnsafeRawBufferPointer
    var index = 0
    static let maxDepth = 64

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected data after the top-level value") }
        return value
    }

    func fail(_ message: String) -> Failure { Failure(message: "\(message) at byte \(index)") }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let c = peek, c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09 { index += 1 }
    }

    mutating func expect(_ c: UInt8) throws {
        guard peek == c else {
            throw fail(peek == nil ? "unexpected end, expected '\(Character(Unicode.Scalar(c)))'"
                                   : "expected '\(Character(Unicode.Scalar(c)))'")
        }
        index += 1
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth) levels") }
        guard let c = peek else { throw fail("unexpected end") }
        switch c {
        case UInt8(ascii: "{"):
            index += 1
            var members: [(String, JSONValue)] = []
            var seen = Set<String>()
            skipWhitespace()
            if peek == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let keyStart = index
                let key = try parseString()
                guard seen.insert(key).inserted else {
                    throw Failure(message: "duplicate key \(quoted(key)) at byte \(keyStart)", duplicateKey: key)
                }
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                members.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                if peek == UInt8(ascii: ",") { index += 1; continue }
                if peek == UInt8(ascii: "}") { index += 1; return .object(members) }
                throw fail(peek == nil ? "unexpected end in an object" : "expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if peek == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                if peek == UInt8(ascii: ",") { index += 1; continue }
                if peek == UInt8(ascii: "]") { index += 1; return .array(items) }
                throw fail(peek == nil ? "unexpected end in an array" : "expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            throw fail("unexpected character")
        }
    }

    mutating func literal(_ word: String) throws {
        for c in word.utf8 {
            guard peek == c else { throw fail("invalid literal") }
            index += 1
        }
    }

    mutating func parseNumber() throws -> String {
        let start = index
        func digits() -> Int {
            let s = index
            while let c = peek, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") { index += 1 }
            return index - s
        }
        if peek == UInt8(ascii: "-") { index += 1 }
        if peek == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw fail("invalid number")
        }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("invalid number") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("invalid number") }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    mutating func parseString() throws -> String {
        index += 1  // opening quote
        var out = [UInt8]()
        while true {
            guard let c = peek else { throw fail("unterminated string") }
            index += 1
            switch c {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let e = peek else { throw fail("unterminated string") }
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5c)
                case UInt8(ascii: "/"): out.append(0x2f)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        // A high surrogate must be followed by an escaped low surrogate.
                        guard peek == UInt8(ascii: "\\") else { throw fail("unpaired surrogate") }
                        index += 1
                        guard peek == UInt8(ascii: "u") else { throw fail("unpaired surrogate") }
                        index += 1
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(code) {
                        throw fail("unpaired surrogate")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
                    out.append(contentsOf: String(Character(scalar)).utf8)
                default:
                    throw fail("invalid escape")
                }
            default:
                guard c >= 0x20 else { throw fail("control character in string") }
                out.append(c)
            }
        }
    }

    mutating func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = peek else { throw fail("unterminated \\u escape") }
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
}
