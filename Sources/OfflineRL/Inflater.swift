/// A small DEFLATE (RFC 1951) decoder, after Mark Adler's puff.c, so `np.savez_compressed`
/// files load without linking zlib. Correctness over speed: NPZ is for small arrays.
/// Returns nil on any malformed input instead of trapping.
struct Inflater {
    private let input: ArraySlice<UInt8>
    private var position: Int
    private var bitBuffer = 0
    private var bitCount = 0
    private var output: [UInt8] = []
    /// The stated size, used only to stop runaway output from a hostile stream.
    private let limit: Int

    init(input: ArraySlice<UInt8>, expectedSize: Int) {
        self.input = input
        position = input.startIndex
        limit = expectedSize
        output.reserveCapacity(Swift.min(expectedSize, 1 << 28))
    }

    /// A canonical Huffman code: symbol counts per length and symbols by code.
    private struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        /// nil when the lengths over-subscribe the code.
        init?(lengths: [Int]) {
            for l in lengths { counts[l] += 1 }
            var left = 1
            for len in 1..<16 {
                left = left * 2 - counts[len]
                if left < 0 { return nil }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for len in 1..<15 { offsets[len + 1] = offsets[len] + counts[len] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, l) in lengths.enumerated() where l != 0 {
                symbols[offsets[l]] = symbol
                offsets[l] += 1
            }
        }
    }

    private mutating func bits(_ need: Int) -> Int? {
        while bitCount < need {
            guard position < input.endIndex else { return nil }
            bitBuffer |= Int(input[position]) << bitCount
            position += 1
            bitCount += 8
        }
        let value = bitBuffer & ((1 << need) - 1)
        bitBuffer >>= need
        bitCount -= need
        return value
    }

    private mutating func decode(_ h: Huffman) -> Int? {
        var code = 0, first = 0, index = 0
        for len in 1..<16 {
            guard let bit = bits(1) else { return nil }
            code |= bit
            let count = h.counts[len]
            if code - count < first { return h.symbols[index + (code - first)] }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        return nil
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    private mutating func codes(_ lengthCode: Huffman, _ distanceCode: Huffman) -> Bool {
        while true {
            guard var symbol = decode(lengthCode) else { return false }
            if symbol < 256 {
                guard output.count < limit else { return false }
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return true
            } else {
                symbol -= 257
                guard symbol < 29, let extra = bits(Inflater.lengthExtra[symbol]) else { return false }
                let length = Inflater.lengthBase[symbol] + extra
                guard let d = decode(distanceCode), d < 30, let dExtra = bits(Inflater.distanceExtra[d]) else { return false }
                let distance = Inflater.distanceBase[d] + dExtra
                guard distance <= output.count, output.count + length <= limit else { return false }
                for _ in 0..<length { output.append(output[output.count - distance]) }
            }
        }
    }

    private mutating func stored() -> Bool {
        bitBuffer = 0
        bitCount = 0
        guard position + 4 <= input.endIndex else { return false }
        let len = Int(input[position]) | Int(input[position + 1]) << 8
        let nlen = Int(input[position + 2]) | Int(input[position + 3]) << 8
        position += 4
        guard len == (~nlen & 0xFFFF), position + len <= input.endIndex, output.count + len <= limit else { return false }
        output += input[position..<(position + len)]
        position += len
        return true
    }

    private mutating func fixed() -> Bool {
        var lengths = [Int](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        guard let l = Huffman(lengths: lengths), let d = Huffman(lengths: [Int](repeating: 5, count: 30)) else { return false }
        return codes(l, d)
    }

    private mutating func dynamic() -> Bool {
        guard let nlen = bits(5).map({ $0 + 257 }), let ndist = bits(5).map({ $0 + 1 }), let ncode = bits(4).map({ $0 + 4 }),
              nlen <= 286, ndist <= 30 else { return false }
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengths = [Int](repeating: 0, count: 19)
        for i in 0..<ncode {
            guard let b = bits(3) else { return false }
            codeLengths[order[i]] = b
        }
        guard let lencode = Huffman(lengths: codeLengths) else { return false }
        var lengths: [Int] = []
        while lengths.count < nlen + ndist {
            guard let symbol = decode(lencode) else { return false }
            if symbol < 16 { lengths.append(symbol); continue }
            var repeatValue = 0, times = 0
            switch symbol {
            case 16:
                guard let last = lengths.last, let b = bits(2) else { return false }
                (repeatValue, times) = (last, 3 + b)
            case 17: guard let b = bits(3) else { return false }; times = 3 + b
            default: guard let b = bits(7) else { return false }; times = 11 + b
            }
            guard lengths.count + times <= nlen + ndist else { return false }
            lengths += [Int](repeating: repeatValue, count: times)
        }
        guard lengths[256] != 0, let l = Huffman(lengths: Array(lengths[0..<nlen])),
              let d = Huffman(lengths: Array(lengths[nlen...])) else { return false }
        return codes(l, d)
    }

    /// The decompressed bytes, or nil when the stream is malformed or longer than stated.
    mutating func run() -> [UInt8]? {
        var last = 0
        repeat {
            guard let final = bits(1), let type = bits(2) else { return nil }
            last = final
            let ok: Bool
            switch type {
            case 0: ok = stored()
            case 1: ok = fixed()
            case 2: ok = dynamic()
            default: ok = false
            }
            guard ok else { return nil }
        } while last == 0
        return output
    }
}
