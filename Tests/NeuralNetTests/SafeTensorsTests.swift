import Autodiff
import Foundation
import Testing
@testable import NeuralNet

// MARK: - Helpers

private func bits(_ t: Tensor) -> [UInt32] { t.scalars.map(\.bitPattern) }

private func tensor(_ shape: [Int], bits: [UInt32]) throws -> Tensor {
    try Tensor(shape: shape, scalars: bits.map(Float.init(bitPattern:)))
}

/// A fresh empty directory, removed by the caller.
private func makeTemporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("cdsa-safetensors-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    return path
}

private func directoryContents(_ path: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).sorted()
}

/// A safetensors file from a header text and a data buffer; `length` overrides the prefix.
private func fileBytes(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    fileBytes(Array(header.utf8), data: data, length: length)
}

private func fileBytes(_ header: [UInt8], data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    var out = [UInt8]()
    withUnsafeBytes(of: (length ?? UInt64(header.count)).littleEndian) { out.append(contentsOf: $0) }
    return out + header + data
}

/// A sample with awkward values and shapes: specials, a scalar, empty tensors, odd names.
private func sample() throws -> SafeTensors {
    var st = SafeTensors()
    st.tensors["layer.0.weight"] = try Tensor(shape: [2, 3], scalars: [1, -2.5, 0.1, -0, .infinity, -.infinity])
    st.tensors["layer.0.bias"] = try tensor([4], bits: [0x7fc0_0001, 0x0000_0001, 0x8000_0000, 0x7f7f_ffff])
    st.tensors["scalar"] = Tensor(0.75)
    st.tensors["empty"] = try Tensor(shape: [0, 3], scalars: [])
    st.tensors["empty1d"] = try Tensor(shape: [0], scalars: [])
    st.tensors["rank3 \"quoted\" é"] = try Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4])
    st.metadata["note"] = "tab\tnewline\n \"quotes\" back\\slash \u{01} ünïcødé ✓"
    try st.setJSONMetadata(Config(architecture: "mlp", layers: [11, 8, 3]))
    return st
}

private struct Config: Codable, Equatable {
    var architecture: String
    var layers: [Int]
}

private func expectSameContents(_ a: SafeTensors, _ b: SafeTensors, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.metadata == b.metadata, sourceLocation: sourceLocation)
    #expect(Set(a.tensors.keys) == Set(b.tensors.keys), sourceLocation: sourceLocation)
    for (name, x) in a.tensors {
        guard let y = b.tensors[name] else { continue }
        #expect(x.shape == y.shape, "\(name)", sourceLocation: sourceLocation)
        #expect(bits(x) == bits(y), "\(name)", sourceLocation: sourceLocation)
    }
}

// MARK: - Round trip

@Suite("SafeTensors")
struct SafeTensorsTests {
    @Test func roundTripInMemoryIsBitExact() throws {
        let st = try sample()
        let bytes = try st.encode()
        let back = try SafeTensors.decode(bytes)
        expectSameContents(st, back)
        #expect(try back.jsonMetadata(Config.self) == Config(architecture: "mlp", layers: [11, 8, 3]))
        #expect(back.tensors["scalar"]?.shape == [])
        #expect(back.tensors["empty"]?.shape == [0, 3])
        // Deterministic and re-encodes to the same bytes.
        #expect(try st.encode() == bytes)
        #expect(try back.encode() == bytes)
    }

    @Test func headerLayoutMatchesTheReferenceWriter() throws {
        var st = SafeTensors()
        st.tensors["b"] = try Tensor(shape: [2], scalars: [1, 2])
        st.tensors["a"] = Tensor(3)
        st.metadata["k"] = "v"
        let bytes = try st.encode()
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(length % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        let json = #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"#
            + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        #expect(header == json + String(repeating: " ", count: length - json.utf8.count))
        #expect(bytes.count == 8 + length + 12)
        #expect(Array(bytes[(8 + length)...]) == [0, 0, 0x40, 0x40, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40])
    }

    @Test func emptyFileRoundTrips() throws {
        let bytes = try SafeTensors().encode()
        #expect(bytes == fileBytes("{}      "))
        let back = try SafeTensors.decode(bytes)
        #expect(back.tensors.isEmpty && back.metadata.isEmpty)
    }

    @Test func readsTheReferenceDTypesAsFloat32() throws {
        // F16: 1, -2, smallest subnormal, max, -inf, NaN; BF16: 1, -3.140625; F64: 0.1, 1e39.
        let f16: [UInt16] = [0x3c00, 0xc000, 0x0001, 0x7bff, 0xfc00, 0x7e00]
        let bf16: [UInt16] = [0x3f80, 0xc049]
        let f64: [Double] = [0.1, 1e39]
        var data = [UInt8]()
        for h in f16 { withUnsafeBytes(of: h.littleEndian) { data.append(contentsOf: $0) } }
        for h in bf16 { withUnsafeBytes(of: h.littleEndian) { data.append(contentsOf: $0) } }
        for d in f64 { withUnsafeBytes(of: d.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        let header = #"{"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"#
            + #""b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"#
            + #""d":{"dtype":"F64","shape":[2],"data_offsets":[16,32]}}"#
        let st = try SafeTensors.decode(fileBytes(header, data: data))
        #expect(st.tensors["h"].map(bits) == [0x3f80_0000, 0xc000_0000, 0x3380_0000, 0x477f_e000, 0xff80_0000, 0x7fc0_0000])
        #expect(st.tensors["h"]?.shape == [2, 3])
        #expect(st.tensors["b"].map(bits) == [0x3f80_0000, 0xc049_0000])
        #expect(st.tensors["d"].map(bits) == [Float(0.1).bitPattern, Float.infinity.bitPattern])
    }

    @Test func halfConversionIsExactForEveryBitPattern() {
        for h in 0...UInt16.max {
            let x = SafeTensors.floatFromHalf(h)
            #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
            let reference = Float(Float16(bitPattern: h))
            if reference.isNaN {
                #expect(x.isNaN)
            } else {
                #expect(x.bitPattern == reference.bitPattern, "half \(String(h, radix: 16))")
            }
            #endif
        }
    }

    // MARK: Fixture written by PyTorch

    @Test func loadsThePyTorchFixtureBitExactly() throws {
        let url = try #require(Bundle.module.url(forResource: "torch_mlp", withExtension: "safetensors",
                                                  subdirectory: "Fixtures"))
        let sidecar = try #require(Bundle.module.url(forResource: "torch_mlp.expected", withExtension: "json",
                                                      subdirectory: "Fixtures"))
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: sidecar))
        let st = try SafeTensors(contentsOf: url.path)

        #expect(st.metadata == expected.metadata)
        #expect(Set(st.tensors.keys) == Set(expected.tensors.keys))
        #expect(Set(expected.tensors.values.map(\.dtype)) == ["float32", "float16", "bfloat16", "float64"])
        for (name, want) in expected.tensors {
            let got = try #require(st.tensors[name], "\(name)")
            #expect(got.shape == want.shape, "\(name)")
            #expect(bits(got) == want.bits.compactMap { UInt32($0, radix: 16) }, "\(name)")
            #expect(want.bits.count == got.count)
        }
        #expect(st.tensors["0.weight"]?.shape == [8, 11])
        #expect(st.tensors["extra.scalar"]?.shape == [])
        #expect(st.tensors["extra.empty"]?.shape == [0, 3])
        let config = try #require(try st.jsonMetadata(FixtureConfig.self))
        #expect(config == FixtureConfig(activation: "relu", architecture: "mlp", layers: [11, 8, 3]))
    }

    private struct Expected: Decodable {
        struct Entry: Decodable { var dtype: String; var shape: [Int]; var bits: [String] }
        var tensors: [String: Entry]
        var metadata: [String: String]
    }

    private struct FixtureConfig: Codable, Equatable {
        var activation: String
        var architecture: String
        var layers: [Int]
    }

    // MARK: Files and atomic writes

    @Test func writesAndReadsAFileLeavingNoTemporaries() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.safetensors"
        let st = try sample()
        try st.write(to: path)
        #expect(try directoryContents(dir) == ["model.safetensors"])
        expectSameContents(st, try SafeTensors.read(from: path))

        // Replacing an existing file.
        var smaller = SafeTensors()
        smaller.tensors["x"] = Tensor(1)
        try smaller.write(to: path)
        #expect(try directoryContents(dir) == ["model.safetensors"])
        expectSameContents(smaller, try SafeTensors(contentsOf: path))
    }

    @Test func writeIntoAMissingDirectoryThrowsAndCreatesNothing() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/missing/model.safetensors"
        let error = try #require(throws: SafeTensorsError.self) { try sample().write(to: path) }
        #expect(error.description == "\(path): cannot create a temporary file in \(dir)/missing: No such file or directory")
        #expect(try directoryContents(dir) == [])
    }

    @Test func failedRenameRemovesTheTemporaryAndKeepsTheDestination() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The destination is a non-empty directory: rename(2) must fail after the data was written.
        let path = dir + "/model.safetensors"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: path + "/keep", contents: Data([1, 2, 3])))
        let error = try #require(throws: AtomicWriteError.self) { try writeAtomically([1, 2, 3, 4], to: path) }
        #expect(error.description.hasPrefix("\(path): cannot rename the temporary file over it: "))
        #expect(try directoryContents(dir) == ["model.safetensors"])
        #expect(try directoryContents(path) == ["keep"])
    }

    @Test func encodingFailureDoesNotTouchTheDestination() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.safetensors"
        try writeAtomically([9, 9, 9], to: path)
        var st = try sample()
        st.tensors["__metadata__"] = Tensor(1)
        let error = try #require(throws: SafeTensorsError.self) { try st.write(to: path) }
        #expect(error == .invalidArgument("a tensor cannot be named \"__metadata__\""))
        #expect(try directoryContents(dir) == ["model.safetensors"])
        #expect(FileManager.default.contents(atPath: path) == Data([9, 9, 9]))
    }

    @Test func atomicWriteKeepsPermissionsOfTheReplacedFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/data.bin"
        try writeAtomically([1], to: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        try writeAtomically([2, 3], to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        #expect(FileManager.default.contents(atPath: path) == Data([2, 3]))
        #expect(try directoryContents(dir) == ["data.bin"])
    }

    @Test func readingAMissingFileNamesIt() throws {
        let error = try #require(throws: SafeTensorsError.self) {
            try SafeTensors.read(from: "/nonexistent/cdsa/model.safetensors")
        }
        #expect(error.description == "/nonexistent/cdsa/model.safetensors: cannot open: No such file or directory")
    }

    @Test func readsATenMegabyteFileQuickly() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var st = SafeTensors()
        for i in 0..<10 {
            st.tensors["w\(i)"] = try Tensor(shape: [512, 512], scalars: (0..<(512 * 512)).map { Float($0 + i) })
        }
        let path = dir + "/big.safetensors"
        try st.write(to: path)
        let clock = ContinuousClock()
        var back = SafeTensors()
        let elapsed = try clock.measure { back = try SafeTensors.read(from: path) }
        #expect(back.tensors.count == 10)
        #expect(back.tensors["w3"]?[flat: 1000] == 1003)
        #expect(elapsed < .seconds(2), "reading 10 MB took \(elapsed)")
    }

    // MARK: Hostile headers

    struct HostileCase: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var message: String
        var testDescription: String { name }
    }

    static let f32x1 = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#

    static let hostileCases: [HostileCase] = [
        HostileCase(name: "empty file", bytes: [],
                    message: "file is 0 bytes, shorter than the 8-byte header length"),
        HostileCase(name: "shorter than 8 bytes", bytes: [1, 2, 3],
                    message: "file is 3 bytes, shorter than the 8-byte header length"),
        HostileCase(name: "header length beyond the file", bytes: fileBytes("{}", length: 1000),
                    message: "header length 1000 exceeds the 2 bytes after the length field"),
        HostileCase(name: "absurd header length", bytes: fileBytes("{}", length: .max),
                    message: "header length 18446744073709551615 exceeds the limit of 100000000 bytes"),
        HostileCase(name: "header just over 100 MB", bytes: fileBytes("{}", length: 100_000_001),
                    message: "header length 100000001 exceeds the limit of 100000000 bytes"),
        HostileCase(name: "header not UTF-8", bytes: fileBytes([0x7b, 0xff, 0x7d]),
                    message: "header is not valid UTF-8"),
        HostileCase(name: "header not JSON", bytes: fileBytes(#"{"a":"#),
                    message: "header is not valid JSON: unexpected end at byte 5"),
        HostileCase(name: "trailing garbage after JSON", bytes: fileBytes("{} x"),
                    message: "header is not valid JSON: unexpected data after the top-level value at byte 3"),
        HostileCase(name: "deeply nested JSON", bytes: fileBytes(String(repeating: "[", count: 100_000)),
                    message: "header is not valid JSON: nesting deeper than 64 levels at byte 64"),
        HostileCase(name: "header not an object", bytes: fileBytes("[1,2]"),
                    message: "header is not a JSON object"),
        HostileCase(name: "entry not an object", bytes: fileBytes(#"{"w":3}"#),
                    message: #"tensor "w" is a number, not an object"#),
        HostileCase(name: "missing dtype", bytes: fileBytes(#"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" has no "dtype""#),
        HostileCase(name: "missing shape", bytes: fileBytes(#"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" has no "shape""#),
        HostileCase(name: "missing data_offsets", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[1]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" has no "data_offsets""#),
        HostileCase(name: "dtype not a string", bytes: fileBytes(#"{"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" dtype is a number, not a string"#),
        HostileCase(name: "unknown dtype", bytes: fileBytes(#"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" has unknown dtype "F33""#),
        HostileCase(name: "shape not an array", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" shape is a string, not an array"#),
        HostileCase(name: "negative dimension", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" shape has -1, not a non-negative integer"#),
        HostileCase(name: "fractional dimension", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" shape has 1.0, not a non-negative integer"#),
        HostileCase(name: "dimension beyond Int", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" shape has 99999999999999999999, not a non-negative integer"#),
        HostileCase(name: "shape product overflow", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" shape [4294967296,4294967296,4] has too many elements"#),
        HostileCase(name: "byte size overflow", bytes: fileBytes(#"{"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)),
                    message: #"tensor "w" has 8 bytes but shape [4611686018427387904] of F64 needs more than 9223372036854775807"#),
        HostileCase(name: "data_offsets with one integer", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" data_offsets [0] is not two non-negative integers"#),
        HostileCase(name: "data_offsets as strings", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":["0","4"]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" data_offsets ["0","4"] is not two non-negative integers"#),
        HostileCase(name: "negative data_offsets", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" data_offsets [-4,0] is not two non-negative integers"#),
        HostileCase(name: "end before begin", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, data: [UInt8](repeating: 0, count: 8)),
                    message: #"tensor "w" data_offsets end 4 is before begin 8"#),
        HostileCase(name: "end beyond the buffer", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[25],"data_offsets":[0,100]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" data_offsets end 100 is beyond the 4-byte data buffer"#),
        HostileCase(name: "huge end offset", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,9223372036854775807]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" data_offsets end 9223372036854775807 is beyond the 4-byte data buffer"#),
        HostileCase(name: "size does not match shape", bytes: fileBytes(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                    message: #"tensor "w" has 4 bytes but shape [2] of F32 needs 8"#),
        HostileCase(name: "overlapping tensors",
                    bytes: fileBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                                     data: [UInt8](repeating: 0, count: 12)),
                    message: #"tensors "a" and "b" overlap at bytes 4..<8"#),
        HostileCase(name: "same bytes for two tensors",
                    bytes: fileBytes(#"{"a":\#(f32x1),"b":\#(f32x1)}"#, data: [0, 0, 0, 0]),
                    message: #"tensors "a" and "b" overlap at bytes 0..<4"#),
        HostileCase(name: "gap between tensors",
                    bytes: fileBytes(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                                     data: [UInt8](repeating: 0, count: 12)),
                    message: "bytes 4..<8 of the data buffer belong to no tensor"),
        HostileCase(name: "unused bytes after the last tensor", bytes: fileBytes(#"{"w":\#(f32x1)}"#, data: [UInt8](repeating: 0, count: 8)),
                    message: "bytes 4..<8 of the data buffer belong to no tensor"),
        HostileCase(name: "duplicate tensor name", bytes: fileBytes(#"{"w":\#(f32x1),"w":\#(f32x1)}"#, data: [0, 0, 0, 0]),
                    message: #"header has duplicate key "w" at byte 54"#),
        HostileCase(name: "duplicate field in an entry",
                    bytes: fileBytes(#"{"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                    message: #"header has duplicate key "dtype" at byte 20"#),
        HostileCase(name: "metadata value not a string", bytes: fileBytes(#"{"__metadata__":{"epochs":10}}"#),
                    message: #"__metadata__ value for "epochs" is a number, not a string"#),
        HostileCase(name: "metadata not an object", bytes: fileBytes(#"{"__metadata__":["a"]}"#),
                    message: "__metadata__ is an array, not an object"),
    ]

    @Test(arguments: hostileCases)
    func rejectsHostileHeader(_ hostile: HostileCase) throws {
        let error = try #require(throws: SafeTensorsError.self) {
            try SafeTensors.decode(hostile.bytes, source: "hostile.safetensors")
        }
        #expect(error == .malformed(path: "hostile.safetensors", hostile.message))
        #expect(error.description == "hostile.safetensors: invalid safetensors file: \(hostile.message)")
        #expect(!error.description.contains("\n"))
    }

    @Test func rejectsDTypesItCannotConvert() throws {
        let bytes = fileBytes(#"{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        let error = try #require(throws: SafeTensorsError.self) { try SafeTensors.decode(bytes, source: "ints.safetensors") }
        #expect(error.description == #"ints.safetensors: unsupported safetensors file: tensor "w" has dtype I64; readable dtypes are F32, F16, BF16, F64"#)
    }

    @Test func hostileFileOnDiskIsNamedInTheError() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/bad.safetensors"
        try writeAtomically([1, 2, 3], to: path)
        let error = try #require(throws: SafeTensorsError.self) { try SafeTensors.read(from: path) }
        #expect(error.description == "\(path): invalid safetensors file: file is 3 bytes, shorter than the 8-byte header length")
    }

    @Test func truncatedAndCorruptedFilesThrowInsteadOfTrapping() throws {
        let good = try sample().encode()
        func check(_ bytes: [UInt8]) {
            do { _ = try SafeTensors.decode(bytes) } catch is SafeTensorsError {} catch {
                Issue.record("unexpected error \(error)")
            }
        }
        for n in 0..<good.count {
            #expect(throws: SafeTensorsError.self) { try SafeTensors.decode(Array(good[0..<n])) }
        }
        // Deterministic random byte flips (SplitMix64), mostly in the header.
        var state: UInt64 = 0x5eed
        func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        let headerEnd = 8 + good[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        for _ in 0..<3000 {
            var bytes = good
            for _ in 0...(next() % 3) {
                let i = Int(next() % UInt64(headerEnd))
                bytes[i] = UInt8(truncatingIfNeeded: next())
            }
            check(bytes)
        }
    }

    @Test func acceptsWhatTheSpecAllows() throws {
        // Extra fields, whitespace, escaped names, null metadata and an empty tensor at the end.
        let header = #" { "__metadata__" : null , "\u00e9\n" : {"dtype":"F32", "shape":[1], "data_offsets":[0,4], "extra":[1,{}]},"#
            + #" "z" : {"dtype":"F16","shape":[0,5],"data_offsets":[4,4]} }   "#
        let st = try SafeTensors.decode(fileBytes(header, data: [0, 0, 0x80, 0x3f]))
        #expect(st.metadata.isEmpty)
        #expect(st.tensors["é\n"].map(bits) == [0x3f80_0000])
        #expect(st.tensors["z"]?.shape == [0, 5])
    }
}

// MARK: - Interop with Python's safetensors

/// A Python that can `import safetensors, numpy`: $CDSA_PYTHON, the reference venv, then python3.
let interopPython: String? = {
    var candidates: [String] = []
    if let env = ProcessInfo.processInfo.environment["CDSA_PYTHON"], !env.isEmpty { candidates.append(env) }
    candidates.append("/root/.cache/cdsa-reference-venv/bin/python")
    candidates.append("/usr/bin/python3")
    candidates.append("/usr/local/bin/python3")
    for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
        if let result = try? runPython(python, ["-c", "import safetensors.numpy, numpy"]), result.status == 0 {
            return python
        }
    }
    return nil
}()

private func runPython(_ python: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so a large output cannot fill the pipe and deadlock.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

/// Loads a file with safetensors.numpy, prints every tensor's shape and float32 bit
/// patterns plus the metadata as JSON, then saves the same tensors and metadata with
/// safetensors.numpy.save_file to the second path.
private let interopScript = #"""
import json, sys
import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file
src, dst = sys.argv[1], sys.argv[2]
tensors = load_file(src)
with safe_open(src, framework="np") as f:
    metadata = f.metadata() or {}
out = {"metadata": metadata, "tensors": {}}
for name, a in tensors.items():
    assert a.dtype == np.float32, (name, a.dtype)
    out["tensors"][name] = {"shape": list(a.shape), "bits": ["%08x" % b for b in a.reshape(-1).view(np.uint32)]}
save_file(tensors, dst, metadata=dict(sorted(metadata.items())))
print(json.dumps(out))
"""#

@Suite("SafeTensors Python interop")
struct SafeTensorsInteropTests {
    struct Loaded: Decodable {
        struct Entry: Decodable { var shape: [Int]; var bits: [String] }
        var metadata: [String: String]
        var tensors: [String: Entry]
    }

    @Test(.enabled(if: interopPython != nil, "no python with safetensors and numpy (set CDSA_PYTHON)"))
    func pythonSafeTensorsReadsOurFilesAndWeReadItsFiles() throws {
        let python = try #require(interopPython)
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ours = dir + "/swift.safetensors", theirs = dir + "/python.safetensors"
        let st = try sample()
        try st.write(to: ours)

        let result = try runPython(python, ["-c", interopScript, ours, theirs])
        try #require(result.status == 0, "python failed: \(result.stderr)")
        let loaded = try JSONDecoder().decode(Loaded.self, from: Data(result.stdout.utf8))

        // Python sees exactly what we wrote.
        #expect(loaded.metadata == st.metadata)
        #expect(Set(loaded.tensors.keys) == Set(st.tensors.keys))
        for (name, t) in st.tensors {
            let entry = try #require(loaded.tensors[name], "\(name)")
            #expect(entry.shape == t.shape, "\(name)")
            #expect(entry.bits.compactMap { UInt32($0, radix: 16) } == bits(t), "\(name)")
        }

        // We read what Python wrote. Its file matches ours byte for byte except for the
        // order of the __metadata__ entries (a Rust HashMap there): same length, same
        // header length, the same header as a JSON document, the same data buffer.
        let back = try SafeTensors.read(from: theirs)
        expectSameContents(st, back)
        let theirBytes = try #require(FileManager.default.contents(atPath: theirs))
        let ourBytes = try #require(FileManager.default.contents(atPath: ours))
        #expect(theirBytes.count == ourBytes.count)
        #expect(theirBytes.prefix(8) == ourBytes.prefix(8))
        let headerEnd = 8 + ourBytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(theirBytes.suffix(from: headerEnd) == ourBytes.suffix(from: headerEnd))
        let theirHeader = try JSONSerialization.jsonObject(with: theirBytes[8..<headerEnd]) as? NSDictionary
        let ourHeader = try JSONSerialization.jsonObject(with: ourBytes[8..<headerEnd]) as? NSDictionary
        #expect(theirHeader != nil && theirHeader == ourHeader)
    }
}
