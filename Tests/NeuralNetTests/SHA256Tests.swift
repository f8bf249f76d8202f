import Foundation
import NeuralNet
import Testing

/// FIPS 180-4's test vectors, a chunked update, and a file.
struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownDigests(text: String, digest: String) {
        #expect(SHA256.hash(Array(text.utf8)) == digest)
    }

    @Test func aMillionAsInOddChunksAndFromAFile() throws {
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var s = SHA256()
        var i = 0, chunk = 1
        while i < bytes.count {
            let end = min(bytes.count, i + chunk)
            s.update(Array(bytes[i..<end]))
            i = end
            chunk = chunk * 7 % 1000 + 1
        }
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(s.finish() == expected)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        #expect(try SHA256.hash(file: path) == expected)
    }
}
