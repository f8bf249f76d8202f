import CHDF5

/// An HDF5 identifier closed exactly once, when the last reference goes away, so no
/// early `throw` can leak a file, dataset, dataspace or type.
final class HDF5Handle {
    let id: hid_t
    private let closer: (hid_t) -> herr_t

    init(_ id: hid_t, closer: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.closer = closer
    }

    deinit { _ = closer(id) }
}

/// The innermost message on this thread's HDF5 error stack ("truncated file: eof = …"),
/// so a Swift error can say why the library refused.
func hdf5ErrorMessage() -> String? {
    final class Box { var message: String? }
    let box = Box()
    withExtendedLifetime(box) {
        _ = H5Ewalk2(H5E_DEFAULT_ID, H5E_WALK_UPWARD, { n, err, data in
            guard n == 0, let err, let data, let desc = err.pointee.desc else { return 0 }
            Unmanaged<Box>.fromOpaque(data).takeUnretainedValue().message = String(cString: desc)
            return 0
        }, Unmanaged.passUnretained(box).toOpaque())
    }
    return box.message
}

/// H5E_DEFAULT is the literal 0 behind a macro; spelled out here once.
private let H5E_DEFAULT_ID: hid_t = 0

/// An open HDF5 file: the small part of the C API that datasets need, with every
/// failure turned into a `DatasetError` naming the file.
final class HDF5File {
    /// The name errors use (the destination, when writing under a temporary name).
    let path: String
    let handle: HDF5Handle

    private init(path: String, id: hid_t) {
        self.path = path
        handle = HDF5Handle(id, closer: H5Fclose)
    }

    /// Opens an existing file read-only. File locking is off: datasets are read-only
    /// inputs, often on shared or read-only filesystems where flock fails.
    static func open(_ path: String) throws(DatasetError) -> HDF5File {
        cdsa_h5_silence_errors()
        guard fileExists(path) else { throw .notFound(file: path) }
        let fapl = HDF5Handle(H5Pcreate(cdsa_h5p_file_access()), closer: H5Pclose)
        _ = H5Pset_file_locking(fapl.id, false, true)
        guard H5Fis_hdf5(path) > 0 else { throw .notHDF5(file: path, reason: "no HDF5 signature") }
        let id = H5Fopen(path, cdsa_h5f_acc_rdonly(), fapl.id)
        guard id >= 0 else {
            throw .notHDF5(file: path, reason: hdf5ErrorMessage() ?? "the library could not open it (truncated?)")
        }
        return HDF5File(path: path, id: id)
    }

    /// Creates (or truncates) a file for writing.
    static func create(_ path: String, reportAs name: String) throws(DatasetError) -> HDF5File {
        cdsa_h5_silence_errors()
        let fapl = HDF5Handle(H5Pcreate(cdsa_h5p_file_access()), closer: H5Pclose)
        _ = H5Pset_file_locking(fapl.id, false, true)
        let id = H5Fcreate(path, cdsa_h5f_acc_trunc(), cdsa_h5p_default(), fapl.id)
        guard id >= 0 else { throw .io(file: name, reason: "cannot create HDF5 file: \(hdf5ErrorMessage() ?? "unknown error")") }
        return HDF5File(path: name, id: id)
    }

    /// Whether `name` (a path such as "infos/qpos") is a link in the file; every
    /// intermediate group is checked first, as H5Lexists requires.
    func contains(_ name: String) -> Bool {
        cdsa_h5_silence_errors()
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix += prefix.isEmpty ? String(part) : "/" + part
            guard H5Lexists(handle.id, prefix, cdsa_h5p_default()) > 0 else { return false }
        }
        return !prefix.isEmpty
    }

    /// Whether `name` is a group.
    func isGroup(_ name: String) -> Bool {
        guard contains(name) else { return false }
        let id = H5Gopen2(handle.id, name, cdsa_h5p_default())
        guard id >= 0 else { return false }
        _ = H5Gclose(id)
        return true
    }

    /// Names of the members of a group ("/" for the root), in HDF5's name order.
    func members(of group: String) throws(DatasetError) -> [String] {
        cdsa_h5_silence_errors()
        let gid = H5Gopen2(handle.id, group, cdsa_h5p_default())
        guard gid >= 0 else { throw .malformed(file: path, reason: "'\(group)' is not a group") }
        let g = HDF5Handle(gid, closer: H5Gclose)
        var info = H5G_info_t()
        guard H5Gget_info(g.id, &info) >= 0 else { throw .malformed(file: path, reason: "cannot list '\(group)'") }
        var names: [String] = []
        for i in 0..<info.nlinks {
            let size = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, cdsa_h5p_default())
            guard size >= 0 else { throw .malformed(file: path, reason: "cannot list '\(group)'") }
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            _ = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, cdsa_h5p_default())
            names.append(String(decoding: buffer.prefix(Int(size)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Opens a dataset, or throws `missingKey` when there is none by that name.
    func dataset(_ name: String) throws(DatasetError) -> HDF5Dataset {
        guard contains(name) else { throw .missingKey(file: path, key: name) }
        let id = H5Dopen2(handle.id, name, cdsa_h5p_default())
        guard id >= 0 else { throw .malformed(file: path, reason: "'\(name)' is not a dataset") }
        return try HDF5Dataset(file: self, name: name, handle: HDF5Handle(id, closer: H5Dclose))
    }

    /// Object creation properties without modification times, so the same data always
    /// makes the same bytes (HDF5 stamps every object with the time otherwise).
    private static func untimed(_ kind: hid_t) -> HDF5Handle {
        let plist = HDF5Handle(H5Pcreate(kind), closer: H5Pclose)
        _ = H5Pset_obj_track_times(plist.id, false)
        return plist
    }

    func createGroup(_ name: String) throws(DatasetError) {
        let gcpl = Self.untimed(cdsa_h5p_group_create())
        let id = H5Gcreate2(handle.id, name, cdsa_h5p_default(), gcpl.id, cdsa_h5p_default())
        guard id >= 0 else { throw .io(file: path, reason: "cannot create group '\(name)'") }
        _ = H5Gclose(id)
    }

    /// Writes a contiguous dataset of `shape` from `bytes`, stored with `fileType` and
    /// described in memory by `memoryType`.
    func write(_ name: String, shape: [Int], fileType: hid_t, memoryType: hid_t, bytes: UnsafeRawPointer?) throws(DatasetError) {
        var dims = shape.map { hsize_t($0) }
        let space = HDF5Handle(H5Screate_simple(Int32(dims.count), &dims, nil), closer: H5Sclose)
        guard space.id >= 0 else { throw .io(file: path, reason: "cannot describe '\(name)'") }
        let dcpl = Self.untimed(cdsa_h5p_dataset_create())
        let did = H5Dcreate2(handle.id, name, fileType, space.id, cdsa_h5p_default(), dcpl.id, cdsa_h5p_default())
        guard did >= 0 else { throw .io(file: path, reason: "cannot create '\(name)'") }
        let dataset = HDF5Handle(did, closer: H5Dclose)
        let empty = shape.contains(0)
        guard empty || H5Dwrite(dataset.id, memoryType, cdsa_h5s_all(), cdsa_h5s_all(), cdsa_h5p_default(), bytes) >= 0 else {
            throw .io(file: path, reason: "cannot write '\(name)': \(hdf5ErrorMessage() ?? "unknown error")")
        }
    }

    /// A variable-length UTF-8 string attribute of the root, as h5py writes them.
    func writeStringAttribute(_ name: String, _ value: String) throws(DatasetError) {
        let type = HDF5Handle(H5Tcopy(cdsa_h5t_c_s1()), closer: H5Tclose)
        _ = H5Tset_size(type.id, cdsa_h5t_variable())
        _ = H5Tset_cset(type.id, H5T_CSET_UTF8)
        let space = HDF5Handle(H5Screate(H5S_SCALAR), closer: H5Sclose)
        let aid = H5Acreate2(handle.id, name, type.id, space.id, cdsa_h5p_default(), cdsa_h5p_default())
        guard aid >= 0 else { throw .io(file: path, reason: "cannot create attribute '\(name)'") }
        let attribute = HDF5Handle(aid, closer: H5Aclose)
        let status = value.withCString { cstr -> herr_t in
            var pointer: UnsafePointer<CChar>? = cstr
            return H5Awrite(attribute.id, type.id, &pointer)
        }
        guard status >= 0 else { throw .io(file: path, reason: "cannot write attribute '\(name)'") }
    }

    /// A string attribute of the root (fixed or variable length), or nil when absent
    /// or of another type: attributes are descriptive, never required.
    func stringAttribute(_ name: String) -> String? {
        cdsa_h5_silence_errors()
        guard H5Aexists(handle.id, name) > 0 else { return nil }
        let aid = H5Aopen(handle.id, name, cdsa_h5p_default())
        guard aid >= 0 else { return nil }
        let attribute = HDF5Handle(aid, closer: H5Aclose)
        let fileType = HDF5Handle(H5Aget_type(attribute.id), closer: H5Tclose)
        let space = HDF5Handle(H5Aget_space(attribute.id), closer: H5Sclose)
        guard H5Tget_class(fileType.id) == H5T_STRING, H5Sget_simple_extent_npoints(space.id) == 1 else { return nil }
        if H5Tis_variable_str(fileType.id) > 0 {
            let memType = HDF5Handle(H5Tcopy(cdsa_h5t_c_s1()), closer: H5Tclose)
            _ = H5Tset_size(memType.id, cdsa_h5t_variable())
            // HDF5 converts strings only between equal character sets.
            _ = H5Tset_cset(memType.id, H5Tget_cset(fileType.id))
            var pointer: UnsafeMutablePointer<CChar>?
            guard H5Aread(attribute.id, memType.id, &pointer) >= 0, let pointer else { return nil }
            defer { H5free_memory(pointer) }
            return String(cString: pointer)
        }
        let size = H5Tget_size(fileType.id)
        guard size > 0, size < 1 << 20 else { return nil }
        var bytes = [UInt8](repeating: 0, count: size)
        guard H5Aread(attribute.id, fileType.id, &bytes) >= 0 else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Flushes everything to disk; the handle closes when the last reference goes.
    func flush() throws(DatasetError) {
        guard H5Fflush(handle.id, H5F_SCOPE_GLOBAL) >= 0 else { throw .io(file: path, reason: "cannot flush") }
    }
}

private func fileExists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0
}

#if canImport(Glibc)
import Glibc
#endif

/// The HDF5 library's version ("1.10.8").
public var hdf5Version: String {
    var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
    H5get_libversion(&major, &minor, &release)
    return "\(major).\(minor).\(release)"
}
