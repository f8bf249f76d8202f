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
}
