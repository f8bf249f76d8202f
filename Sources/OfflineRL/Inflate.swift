import CZlib

/// Inflates a zip member's raw DEFLATE stream with zlib, expecting exactly `size` bytes.
/// Returns nil for corrupt data, a stream that ends early, or one that would produce
/// more than `size` bytes — a hostile size field cannot make it allocate more than the
/// output it really produces (the buffer grows as output arrives).
func inflate(_ input: ArraySlice<UInt8>, size: Int) -> [UInt8]? {
    var stream = z_stream()
    guard cdsa_inflate_init_raw(&stream) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Swift.min(size, 1 << 20) + 1)
    var produced = 0
    return input.withUnsafeBufferPointer { source -> [UInt8]? in
        stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
        stream.avail_in = UInt32(source.count)
        while true {
            if produced == output.count {
                // Full, with the stream still going: grow toward size + 1 (one byte past it detects overrun).
                guard output.count <= size else { return nil }
                output += [UInt8](repeating: 0, count: Swift.min(output.count, size + 1 - output.count))
            }
            let status = output.withUnsafeMutableBufferPointer { out -> Int32 in
                stream.next_out = out.baseAddress! + produced
                stream.avail_out = UInt32(out.count - produced)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                produced = out.count - Int(stream.avail_out)
                return status
            }
            switch status {
            case Z_STREAM_END: return produced == size ? Array(output.prefix(produced)) : nil
            case Z_OK: if stream.avail_in == 0, produced < output.count { return nil }   // input ended mid-stream
            default: return nil
            }
        }
    }
}

/// CRC-32 (IEEE), as zip uses, from zlib.
func crc32(_ data: [UInt8]) -> UInt32 {
    data.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, UInt32($0.count))) }
}
