// Files the goldens cannot write themselves: a NumPy .npy array loads as a tensor.

import Bindings
import Foundation
import Language
import Testing

@Suite struct FileTests {
    /// The bytes numpy.save writes for a little-endian float32 array of `shape`.
    static func npy(_ values: [Float], shape: [Int]) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        header += String(repeating: " ", count: 63 - (10 + header.count) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }

    @Test func aNumpyArrayLoadsAsATensor() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cdsa-npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("obs.npy").path
        try Data(Self.npy([1, 2.5, -3, 4, 5, 6], shape: [2, 3])).write(to: URL(fileURLWithPath: path))
        // Also under a name that does not say .npy: the signature decides.
        let renamed = dir.appendingPathComponent("obs.bin").path
        try FileManager.default.copyItem(atPath: path, toPath: renamed)
        let outcome = run("print(load(\"\(path)\"), load(\"\(renamed)\").shape)")
        #expect(outcome.stdout == "tensor([[1, 2.5, -3], [4, 5, 6]]) [2, 3]\n", "\(outcome.rendered)")
    }

    /// `np.savez(be=np.arange(6, dtype=">f8").reshape(2, 3), f=np.asfortranarray(np.arange(6,
    /// dtype=np.int32).reshape(2, 3)), i8=np.array([-3, -1, 0, 7], np.int8), h=np.array([1.5, -2],
    /// np.float16))`: arrays that are not a dataset load as a record of tensors.
    static let plainArrays = "UEsDBC0AAAAAAAAAIQDXa5ZS//////////8GABQAYmUubnB5AQAQALAAAAAAAAAAsAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc+ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAAAAAAAAAP/AAAAAAAABAAAAAAAAAAEAIAAAAAAAAQBAAAAAAAABAFAAAAAAAAFBLAwQtAAAAAAAAACEAymR04v//////////BQAUAGYubnB5AQAQAJgAAAAAAAAAmAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8aTQnLCAnZm9ydHJhbl9vcmRlcic6IFRydWUsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAAAADAAAAAQAAAAQAAAACAAAABQAAAFBLAwQtAAAAAAAAACEADIprAf//////////BgAUAGk4Lm5weQEAEACEAAAAAAAAAIQAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnfGkxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr9/wAHUEsDBC0AAAAAAAAAIQCzwYIM//////////8FABQAaC5ucHkBABAAhAAAAAAAAACEAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmMicsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAD4AwFBLAQItAy0AAAAAAAAAIQDXa5ZSsAAAALAAAAAGAAAAAAAAAAAAAACAAQAAAABiZS5ucHlQSwECLQMtAAAAAAAAACEAymR04pgAAACYAAAABQAAAAAAAAAAAAAAgAHoAAAAZi5ucHlQSwECLQMtAAAAAAAAACEADIprAYQAAACEAAAABgAAAAAAAAAAAAAAgAG3AQAAaTgubnB5UEsBAi0DLQAAAAAAAAAhALPBggyEAAAAhAAAAAUAAAAAAAAAAAAAAIABcwIAAGgubnB5UEsFBgAAAAAEAAQAzgAAAC4DAAAAAA=="

    @Test func anNPZOfPlainArraysLoadsAsARecord() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cdsa-npz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("arrays.npz").path
        try #require(Data(base64Encoded: Self.plainArrays)).write(to: URL(fileURLWithPath: path))
        let outcome = run("let r = load(\"\(path)\")\nprint(keys(r), r.be, r.f, r.i8, r.h)")
        #expect(outcome.stdout == "[\"be\", \"f\", \"h\", \"i8\"] tensor([[0, 1, 2], [3, 4, 5]]) tensor([[0, 1, 2], [3, 4, 5]]) tensor([-3, -1, 0, 7]) tensor([1.5, -2])\n",
                "\(outcome.rendered)")
    }
}
