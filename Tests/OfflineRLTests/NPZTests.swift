import Autodiff
import Foundation
import Testing
@testable import OfflineRL

/// NPZFixtures were made with numpy (base64 of the .npz bytes):
///     n = 6; obs = np.arange(18, dtype=np.float32).reshape(6, 3) * 0.5
///     d = dict(observations=obs, actions=np.arange(12, dtype=np.float64).reshape(6, 2) / 10 - 0.5,
///              rewards=np.linspace(0, 1, 6).astype(np.float32), terminals=np.array([0,0,1,0,0,0], bool),
///              timeouts=np.array([0,0,0,0,0,1], np.uint8))
///     d["infos/qpos"] = np.arange(12, dtype=np.float64).reshape(6, 2)
///     stored = np.savez(**d); compressed = np.savez_compressed(**d)
///     compressedLarge = np.savez_compressed(x=np.sin(np.arange(2000.).reshape(400, 5)),
///                                           r=np.random.default_rng(0).integers(0, 5, 3000).astype(np.int16))
///     exotic = np.savez(be=np.arange(6, dtype=">f8").reshape(2, 3),
///                       f=np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)),
///                       i8=np.array([-3, -1, 0, 7], np.int8), h=np.array([1.5, -2], np.float16))
///     object = np.savez(observations=np.array([{"a": 1}, None], dtype=object))
///     missing = np.savez(observations=obs)
@Suite struct NPZTests {
    func write(_ base64: String, _ name: String, in folder: String) throws -> String {
        let path = "\(folder)/\(name).npz"
        try #require(Data(base64Encoded: base64)).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: ["stored", "compressed"])
    func datasetFromNPZ(_ kind: String) throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let path = try write(kind == "stored" ? NPZFixtures.stored : NPZFixtures.compressed, kind, in: folder)
        #expect(DatasetFormat.detect(path) == .npz)
        let d = try Dataset.load(path)
        #expect(d.format == "NPZ" && d.count == 6 && d.observationSize == 3 && d.actionSize == 2)
        #expect(d.observations.scalars == (0..<18).map { Float($0) * 0.5 })
        #expect(d.actions.scalars == (0..<12).map { Float(Double($0) / 10 - 0.5) })
        #expect(d.rewards.scalars == [0, 0.2, 0.4, 0.6, 0.8, 1].map { Float($0) })
        #expect(d.terminals == [false, false, true, false, false, false])
        #expect(d.timeouts == [false, false, false, false, false, true])
        #expect(d.episodeStarts == [0, 3])
        #expect(d.qpos?.values == (0..<12).map(Double.init) && d.qpos?.width == 2)
    }

    @Test func deflateWithDynamicHuffmanBlocks() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let arrays = try NumpyArray.readNPZ(try write(NPZFixtures.compressedLarge, "large", in: folder))
        let x = try #require(arrays["x"]), r = try #require(arrays["r"])
        #expect(x.shape == [400, 5] && x.dtype == "<f8")
        #expect(x.values == (0..<2000).map { sin(Double($0)) })
        #expect(r.shape == [3000] && r.dtype == "<i2")
        #expect(r.values.prefix(5) == [4, 3, 2, 1, 1] && r.values.suffix(3) == [3, 0, 1] && r.values.reduce(0, +) == 6140)
    }

    @Test func bigEndianFortranOrderAndSmallTypes() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let arrays = try NumpyArray.readNPZ(try write(NPZFixtures.exotic, "exotic", in: folder))
        #expect(arrays["be"]?.values == [0, 1, 2, 3, 4, 5] && arrays["be"]?.shape == [2, 3])
        #expect(arrays["f"]?.values == [0, 1, 2, 3, 4, 5] && arrays["f"]?.shape == [2, 3])
        #expect(arrays["i8"]?.values == [-3, -1, 0, 7])
        #expect(arrays["h"]?.values == [1.5, -2])
        #expect(try arrays["be"]?.tensor().shape == [2, 3])
    }

    @Test func objectArraysAreRefused() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let path = try write(NPZFixtures.object, "pickled", in: folder)
        let error = datasetError { _ = try Dataset.load(path) }
        #expect(error == .unsupported(file: path, reason: "'observations' is an object array (pickled Python objects); cdsa never unpickles"))
    }

    @Test func missingKeysTruncationAndCorruption() throws {
        let folder = try temporaryFolder()
        defer { cleanup(folder) }
        let missing = try write(NPZFixtures.missing, "missing", in: folder)
        #expect(datasetError { _ = try Dataset.load(missing) } == .missingKey(file: missing, key: "actions"))

        let bytes = try #require(Data(base64Encoded: NPZFixtures.compressed))
        for cut in [bytes.count - 10, bytes.count / 2, 30] {
            let path = "\(folder)/cut-\(cut).npz"
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            let error = datasetError { _ = try Dataset.load(path, format: .npz) }
            #expect(error != nil && error?.description.contains("\n") == false, "cut at \(cut): \(String(describing: error))")
        }
        // Flip bytes inside the compressed data: the CRC or the inflater catches it.
        var rng = RandomGenerator(seed: 3)
        for trial in 0..<20 {
            var damaged = [UInt8](bytes)
            for _ in 0..<4 { damaged[60 + rng.nextInt(below: 400)] ^= UInt8(1 + rng.nextInt(below: 255)) }
            let path = "\(folder)/damaged-\(trial).npz"
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            _ = datasetError { _ = try Dataset.load(path, format: .npz) }  // any error, never a trap
        }
    }
}
