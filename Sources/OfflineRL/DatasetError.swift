/// Why a dataset could not be read, written or used. Every case names the file (or
/// the dataset's source) and prints as one line: "path: problem".
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case notFound(file: String)
    /// Not an HDF5 (or zip/npy) file at all, or cut short.
    case notHDF5(file: String, reason: String)
    case missingKey(file: String, key: String)
    /// `key` has `found` rows where `reference` has `expected`.
    case lengthMismatch(file: String, key: String, found: Int, expected: Int, reference: String)
    case wrongRank(file: String, key: String, expected: String, shape: [Int])
    case wrongType(file: String, key: String, found: String, expected: String)
    /// A NaN or infinity at flat element `index` of `key`.
    case nonFinite(file: String, key: String, index: Int)
    case empty(file: String)
    /// Readable, but not a well-formed dataset of this format.
    case malformed(file: String, reason: String)
    /// Valid for its format but something cdsa deliberately does not do (e.g. pickles).
    case unsupported(file: String, reason: String)
    case io(file: String, reason: String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .notFound(let file): "\(file): no such file or folder"
        case .notHDF5(let file, let reason): "\(file): not a readable HDF5 file (\(reason))"
        case .missingKey(let file, let key): "\(file): missing key '\(key)'"
        case .lengthMismatch(let file, let key, let found, let expected, let reference):
            "\(file): '\(key)' has \(found) rows but '\(reference)' has \(expected)"
        case .wrongRank(let file, let key, let expected, let shape):
            "\(file): '\(key)' should have rank \(expected), has shape \(shape)"
        case .wrongType(let file, let key, let found, let expected):
            "\(file): '\(key)' holds \(found), expected \(expected)"
        case .nonFinite(let file, let key, let index): "\(file): '\(key)' holds NaN or infinity at element \(index)"
        case .empty(let file): "\(file): the dataset is empty"
        case .malformed(let file, let reason): "\(file): \(reason)"
        case .unsupported(let file, let reason): "\(file): \(reason)"
        case .io(let file, let reason): "\(file): \(reason)"
        case .invalidArgument(let message): message
        }
    }
}

/// Runs `body` through the standard library's untyped `rethrows` APIs (buffer access)
/// and gives back the `DatasetError` it threw.
func typed<R>(_ body: () throws -> R) throws(DatasetError) -> R {
    do { return try body() } catch let error as DatasetError { throw error } catch {
        throw .invalidArgument("\(error)")
    }
}
