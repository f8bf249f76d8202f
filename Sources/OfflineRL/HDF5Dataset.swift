import Autodiff
import CHDF5

/// One open dataset of an HDF5 file. Reads go straight into the caller's buffer (HDF5
/// converts float64 or integers to the memory type on the way), so loading makes no
/// intermediate copy of the data.
final class HDF5Dataset {
    let file: HDF5File
    let name: String
    let handle: HDF5Handle
    /// Dimensions, outermost first.
    let shape: [Int]
    let typeClass: H5T_class_t
    /// Size in bytes of one stored element.
    let elementSize: Int

    init(file: HDF5File, name: String, handle: HDF5Handle) throws(DatasetError) {
        self.file = file
        self.name = name
        self.handle = handle
        let space = HDF5Handle(H5Dget_space(handle.id), closer: H5Sclose)
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard space.id >= 0, rank >= 0, rank <= 32 else {
            throw .malformed(file: file.path, reason: "'\(name)' has no readable shape")
        }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        _ = H5Sget_simple_extent_dims(space.id, &dims, nil)
        var shape: [Int] = []
        for d in dims {
            guard d <= UInt64(Int.max) else { throw .malformed(file: file.path, reason: "'\(name)' is impossibly large") }
            shape.append(Int(d))
        }
        self.shape = shape
        let type = HDF5Handle(H5Dget_type(handle.id), closer: H5Tclose)
        typeClass = H5Tget_class(type.id)
        elementSize = H5Tget_size(type.id)
    }

    var path: String { file.path }
    var count: Int { shape.reduce(1, *) }

    /// A short name for the stored type, for error messages.
    var typeDescription: String {
        switch typeClass {
        case H5T_FLOAT: "float\(elementSize * 8)"
        case H5T_INTEGER: "int\(elementSize * 8)"
        case H5T_ENUM: "enum"
        case H5T_STRING: "string"
        case H5T_COMPOUND: "compound"
        default: "an unsupported type"
        }
    }

    /// Throws unless the rank is one of `ranks` (and a trailing size equals `width`).
    func requireRank(_ ranks: Set<Int>) throws(DatasetError) {
        guard ranks.contains(shape.count) else {
            throw .wrongRank(file: path, key: name, expected: ranks.sorted().map(String.init).joined(separator: " or "), shape: shape)
        }
    }

    private func requireNumeric() throws(DatasetError) {
        guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
            throw .wrongType(file: path, key: name, found: typeDescription, expected: "numbers")
        }
    }

    /// The whole dataset as Float32 into `pointer`, which holds `count` floats.
    func readFloats(into pointer: UnsafeMutablePointer<Float>) throws(DatasetError) {
        try requireNumeric()
        try read(memoryType: cdsa_h5t_native_float(), into: pointer)
    }

    private func read(memoryType: hid_t, into pointer: UnsafeMutableRawPointer) throws(DatasetError) {
        cdsa_h5_silence_errors()
        guard count == 0 || H5Dread(handle.id, memoryType, cdsa_h5s_all(), cdsa_h5s_all(), cdsa_h5p_default(), pointer) >= 0 else {
            throw .malformed(file: path, reason: "cannot read '\(name)': \(hdf5ErrorMessage() ?? "the data is damaged or truncated")")
        }
    }

    /// The whole dataset as Float32 in a tensor of `shape` (which must hold `count`).
    func readTensor(shape tensorShape: [Int]) throws(DatasetError) -> Tensor {
        try requireNumeric()
        var tensor: Tensor
        do { tensor = try Tensor.zeros(tensorShape) } catch {
            throw .malformed(file: path, reason: "'\(name)' is too large: \(error)")
        }
        guard tensor.count == count else {
            throw .malformed(file: path, reason: "'\(name)' holds \(count) values, expected \(tensor.count)")
        }
        try typed {
            try tensor.withUnsafeMutableBufferPointer { b in
                if let base = b.baseAddress { try read(memoryType: cdsa_h5t_native_float(), into: base) }
            }
        }
        return tensor
    }

    /// The whole dataset as Float64.
    func readDoubles() throws(DatasetError) -> [Double] {
        try requireNumeric()
        var values = [Double](repeating: 0, count: count)
        try typed {
            try values.withUnsafeMutableBufferPointer { b in
                if let base = b.baseAddress { try read(memoryType: cdsa_h5t_native_double(), into: base) }
            }
        }
        return values
    }

    /// A flag vector: h5py's bool (an int8 enum), any integer, or floats; non-zero is
    /// true. Float flags must be finite.
    func readFlags() throws(DatasetError) -> [Bool] {
        if typeClass == H5T_ENUM {
            // HDF5 converts enums only to enums, so read the raw base integers.
            let fileType = HDF5Handle(H5Dget_type(handle.id), closer: H5Tclose)
            let memType = HDF5Handle(H5Tget_native_type(fileType.id, H5T_DIR_ASCEND), closer: H5Tclose)
            let size = H5Tget_size(memType.id)
            guard memType.id >= 0, size >= 1, size <= 8 else {
                throw .wrongType(file: path, key: name, found: typeDescription, expected: "flags")
            }
            var bytes = [UInt8](repeating: 0, count: count * size)
            try typed {
                try bytes.withUnsafeMutableBytes { b in
                    if let base = b.baseAddress { try read(memoryType: memType.id, into: base) }
                }
            }
            return (0..<count).map { i in bytes[i * size..<(i + 1) * size].contains { $0 != 0 } }
        }
        let values = try readDoubles()
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(file: path, key: name, index: bad)
        }
        return values.map { $0 != 0 }
    }
}
