import Autodiff
import Foundation

/// One array from a .npy file (or an .npz member), values widened to float64. Only
/// plain numeric and bool dtypes are read; object arrays are pickles and are refused —
/// cdsa never unpickles anything.
public struct NumpyArray: Sendable, Equatable {
    public var shape: [Int]
    /// numpy's dtype string as stored, e.g. "<f4", "|b1".
    public var dtype: String
    /// Row-major (C order) values.
    public var values: [Double]

    /// The values as a Float32 tensor of the same shape.
    public func tensor() throws -> Tensor { try Tensor(shape: shape, scalars: values.map { Float($0) }) }

    /// Parses the bytes of a .npy file; `name` is used in errors ("file.npz:observations").
    public init(npy bytes: [UInt8], file: String, key: String) throws(DatasetError) {
        func fail(_ reason: String) -> DatasetError { .malformed(file: file, reason: "'\(key)': \(reason)") }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("not a .npy array") }
        let major = bytes[6]
        let headerStart = major == 1 ? 10 : 12
        guard (1...3).contains(major), bytes.count >= headerStart else { throw fail("unknown .npy version \(major)") }
        let headerLength = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        guard headerStart + headerLength <= bytes.count else { throw fail("header runs past the end (truncated?)") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)

        guard let descr = NumpyArray.field("descr", in: header) else { throw fail("no dtype in header") }
        guard descr.hasPrefix("'") || descr.hasPrefix("\"") else {
            throw DatasetError.unsupported(file: file, reason: "'\(key)' has a structured dtype \(descr); only plain numeric arrays are read")
        }
        let dtype = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        let kind = dtype.last(where: \.isLetter).map(String.init) ?? ""
        if kind == "O" {
            throw DatasetError.unsupported(file: file, reason: "'\(key)' is an object array (pickled Python objects); cdsa never unpickles")
        }
        let fortran = NumpyArray.field("fortran_order", in: header) == "True"
        guard let shapeText = NumpyArray.field("shape", in: header) else { throw fail("no shape in header") }
        var shape: [Int] = []
        for part in shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            guard let d = Int(t), d >= 0 else { throw fail("bad shape \(shapeText)") }
            shape.append(d)
        }
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("shape \(shape) is too large") }
            count = p
        }

        let order = dtype.first ?? "<"
        guard let size = Int(dtype.drop { !$0.isNumber }), ["f", "i", "u", "b"].contains(kind),
              (kind == "f" && [2, 4, 8].contains(size)) || (kind != "f" && [1, 2, 4, 8].contains(size)) else {
            throw DatasetError.unsupported(file: file, reason: "'\(key)' has dtype \(dtype); only bool, integer and float arrays are read")
        }
        let start = headerStart + headerLength
        let (needed, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, bytes.count - start >= needed else { throw fail("holds fewer bytes than shape \(shape) needs (truncated?)") }
        let bigEndian = order == ">"
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var raw: UInt64 = 0
            for b in 0..<size {
                let byte = UInt64(bytes[start + i * size + (bigEndian ? size - 1 - b : b)])
                raw |= byte << (8 * UInt64(b))
            }
            values[i] = NumpyArray.decode(raw, kind: kind, size: size)
        }
        if fortran && shape.count > 1 { values = NumpyArray.fortranToC(values, shape: shape) }
        self.shape = shape
        self.dtype = dtype
        self.values = values
    }

    /// Decodes one little-endian element held in the low `size` bytes of `raw`.
    private static func decode(_ raw: UInt64, kind: String, size: Int) -> Double {
        switch (kind, size) {
        case ("f", 2): Double(Float(Float16(bitPattern: UInt16(raw))))
        case ("f", 4): Double(Float(bitPattern: UInt32(raw)))
        case ("f", 8): Double(bitPattern: raw)
        case ("i", _):
            // Sign-extend from `size` bytes.
            Double(Int64(bitPattern: raw << (64 - 8 * UInt64(size))) >> (64 - 8 * Int64(size)))
        default: Double(raw)
        }
    }

    /// Column-major values reordered to row-major.
    private static func fortranToC(_ values: [Double], shape: [Int]) -> [Double] {
        var out = values
        var index = [Int](repeating: 0, count: shape.count)
        for c in 0..<values.count {
            var f = 0, stride = 1
            for axis in 0..<shape.count { f += index[axis] * stride; stride *= shape[axis] }
            out[c] = values[f]
            var axis = shape.count - 1
            while axis >= 0 { index[axis] += 1; if index[axis] < shape[axis] { break }; index[axis] = 0; axis -= 1 }
        }
        return out
    }

    /// The text of `key`'s value in numpy's header dict (a Python literal).
    private static func field(_ key: String, in header: String) -> String? {
        for quote in ["'", "\""] {
            guard let r = header.range(of: "\(quote)\(key)\(quote)") else { continue }
            var rest = header[r.upperBound...].drop { $0 == " " || $0 == ":" }
            if rest.first == "(" {
                guard let close = rest.firstIndex(of: ")") else { return nil }
                return String(rest[...close])
            }
            if rest.first == "[" { return String(rest.prefix { $0 != "]" }) + "]" }
            if let q = rest.first, q == "'" || q == "\"" {
                rest = rest.dropFirst()
                return String(q) + String(rest.prefix { $0 != q }) + String(q)
            }
            return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
