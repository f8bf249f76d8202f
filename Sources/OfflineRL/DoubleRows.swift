/// A row-major matrix of float64 values: simulator state (qpos, qvel) and goals are
/// kept at the precision the simulator uses, so `setState` reproduces a recorded step.
public struct DoubleRows: Sendable, Equatable {
    public let rows: Int
    public let width: Int
    /// rows × width values, row after row.
    public let values: [Double]

    public init(rows: Int, width: Int, values: [Double]) throws(DatasetError) {
        guard rows >= 0, width >= 0, rows * width == values.count else {
            throw .invalidArgument("DoubleRows: \(rows) × \(width) does not match \(values.count) values")
        }
        self.rows = rows
        self.width = width
        self.values = values
    }

    /// Row `i` (0 ≤ i < rows).
    public subscript(row i: Int) -> ArraySlice<Double> { values[i * width..<(i + 1) * width] }

    /// The given rows, in order.
    public func gather(_ indices: [Int]) -> DoubleRows {
        var out: [Double] = []
        out.reserveCapacity(indices.count * width)
        for i in indices { out += self[row: i] }
        return DoubleRows(unchecked: indices.count, width: width, values: out)
    }

    /// For callers that built `values` with exactly rows × width elements.
    init(unchecked rows: Int, width: Int, values: [Double]) {
        self.rows = rows
        self.width = width
        self.values = values
    }
}
