import Foundation

/// The file formats `Dataset.load` reads.
public enum DatasetFormat: String, Sendable, CaseIterable {
    /// D4RL's flat HDF5 file.
    case d4rl
    /// A Minari dataset folder.
    case minari
    /// A numpy .npz archive with D4RL's key names.
    case npz

    /// The format of `path`, from what is on disk: a folder (or main_data.hdf5) is Minari,
    /// a zip signature is NPZ, anything else is tried as D4RL HDF5.
    public static func detect(_ path: String) -> DatasetFormat {
        if MinariReader.mainFile(path) != nil { return .minari }
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            if let head = try? handle.read(upToCount: 4), head.elementsEqual([0x50, 0x4B, 0x03, 0x04]) { return .npz }
        }
        return .d4rl
    }
}

extension Dataset {
    /// Loads a dataset, detecting the format unless one is given.
    public static func load(_ path: String, format: DatasetFormat? = nil) throws(DatasetError) -> Dataset {
        var d: Dataset
        switch format ?? DatasetFormat.detect(path) {
        case .d4rl: d = try D4RLReader.read(path)
        case .minari: d = try MinariReader.read(path)
        case .npz: d = try NPZDataset.read(path)
        }
        d.stamp(asFile: d.source)
        return d
    }
}
