/// A minimal zip reader for numpy's .npz files: the central directory (with zip64
/// sizes), stored and deflated members (inflated by zlib), CRC-32 checked. Every offset read from the file
/// is bounds-checked; a damaged archive is an error, never a trap.
struct ZipArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    let path: String
    let bytes: [UInt8]
    private(set) var entries: [Entry] = []

    init(path: String, bytes: [UInt8]) throws(DatasetError) {
        self.path = path
        self.bytes = bytes
        try readCentralDirectory()
    }

    private func fail(_ reason: String) -> DatasetError { .malformed(file: path, reason: "damaged zip archive: \(reason)") }

    func u16(_ at: Int) throws(DatasetError) -> Int {
        guard at >= 0, at + 2 <= bytes.count else { throw fail("offset \(at) past the end (truncated?)") }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    func u32(_ at: Int) throws(DatasetError) -> Int {
        let low = try u16(at), high = try u16(at + 2)
        return low | high << 16
    }

    func u64(_ at: Int) throws(DatasetError) -> Int {
        let high = try u32(at + 4)
        guard high < 1 << 30 else { throw fail("impossible 64-bit size") }
        return try u32(at) | high << 32
    }

    private mutating func readCentralDirectory() throws(DatasetError) {
        // The end-of-central-directory record is in the last 22 + 65535 bytes.
        var eocd = -1
        var i = bytes.count - 22
        while i >= Swift.max(0, bytes.count - 22 - 65535) {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw fail("no end-of-archive record (truncated?)") }
        var total = try u16(eocd + 10)
        var offset = try u32(eocd + 16)
        let zip64 = eocd >= 20 ? try u32(eocd - 20) == 0x0706_4B50 : false
        if total == 0xFFFF || offset == 0xFFFF_FFFF, zip64 {
            // Zip64 locator → zip64 end record with the real count and offset.
            let record = try u64(eocd - 20 + 8)
            guard try u32(record) == 0x0606_4B50 else { throw fail("bad zip64 record") }
            total = try u64(record + 32)
            offset = try u64(record + 48)
        }
        for _ in 0..<total {
            guard try u32(offset) == 0x0201_4B50 else { throw fail("bad central directory entry at \(offset)") }
            let nameLength = try u16(offset + 28), extraLength = try u16(offset + 30), commentLength = try u16(offset + 32)
            guard offset + 46 + nameLength <= bytes.count else { throw fail("name past the end") }
            var entry = Entry(name: String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self),
                              method: UInt16(try u16(offset + 10)), crc: UInt32(try u32(offset + 16)),
                              compressedSize: try u32(offset + 20), size: try u32(offset + 24),
                              localHeaderOffset: try u32(offset + 42))
            try applyZip64(&entry, extra: offset + 46 + nameLength, length: extraLength)
            entries.append(entry)
            offset += 46 + nameLength + extraLength + commentLength
        }
    }

    /// Replaces 0xFFFFFFFF fields with their 64-bit values from the zip64 extra field.
    private func applyZip64(_ entry: inout Entry, extra start: Int, length: Int) throws(DatasetError) {
        var p = start
        while p + 4 <= start + length {
            let tag = try u16(p), size = try u16(p + 2)
            if tag == 0x0001 {
                var q = p + 4
                if entry.size == 0xFFFF_FFFF { entry.size = try u64(q); q += 8 }
                if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = try u64(q); q += 8 }
                if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = try u64(q) }
            }
            p += 4 + size
        }
    }

    /// The uncompressed bytes of `entry`.
    func contents(_ entry: Entry) throws(DatasetError) -> [UInt8] {
        let local = entry.localHeaderOffset
        guard try u32(local) == 0x0403_4B50 else { throw fail("bad local header for \(entry.name)") }
        let nameLength = try u16(local + 26), extraLength = try u16(local + 28)
        let start = local + 30 + nameLength + extraLength
        guard start + entry.compressedSize <= bytes.count else { throw fail("'\(entry.name)' runs past the end (truncated?)") }
        let raw = bytes[start..<(start + entry.compressedSize)]
        let data: [UInt8]
        switch entry.method {
        case 0: data = Array(raw)
        case 8:
            guard let out = inflate(raw, size: entry.size) else { throw fail("'\(entry.name)' has corrupt deflate data") }
            data = out
        default:
            throw DatasetError.unsupported(file: path, reason: "'\(entry.name)' uses zip compression method \(entry.method); only stored and deflate are read")
        }
        guard data.count == entry.size else { throw fail("'\(entry.name)' has \(data.count) bytes, the directory says \(entry.size)") }
        guard crc32(data) == entry.crc else { throw fail("'\(entry.name)' fails its CRC check") }
        return data
    }
}
