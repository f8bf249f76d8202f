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
/// Writing produces F32 tensors sorted by name, metadata keys sorted: the reference
/// writer's bytes for the same tensors, up to the order of metadata entries (a hash map
/// there). Reading accepts F32, F16, BF16 and F64 and converts to
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

