// CSV and JSON files (the engine side is Reports/): cdsa values to and from JSON
// documents and CSV tables. A JSON file holds numbers, strings, bools, nil, lists and
// records, with tensors written as nested lists; a CSV file is a list of records (one per
// row) or a record of columns, with a header row.

import Autodiff
import Foundation
import Language
import NeuralNet
import Reports

extension DataLibrary {
    enum TensorPolicy { case asLists, refuse }

    /// `v` as JSON; `at` is where it sits (`cfg.lr`, `[2]`) for the error message.
    static func json(_ v: Value, at path: String, tensors: TensorPolicy, depth: Int = 0) throws -> JSON {
        guard depth < 200 else { throw ScriptError("nested more than 200 levels deep for a file (a list that contains itself?)") }
        switch v {
        case .nil: return .null
        case .bool(let b): return .bool(b)
        case .number(let x): return .number(x)
        case .string(let s): return .string(s)
        case .range: return try json(.list(List(rangeItems(v))), at: path, tensors: tensors, depth: depth)
        case .list(let l):
            return .array(try l.items.enumerated().map { try json($1, at: "\(path)[\($0)]", tensors: tensors, depth: depth + 1) })
        case .record(let r):
            return .object(try zip(r.keys, r.values).map { ($0, try json($1, at: "\(path).\($0)", tensors: tensors, depth: depth + 1)) })
        case .foreign(let t as TensorValue):
            guard tensors == .asLists else {
                throw ScriptError("\(path) is a tensor inside a list or record; save keeps tensors only as top-level fields")
            }
            return json(nestedList(t.tensor))
        default:
            throw ScriptError("\(path) is a \(v.typeName), which cannot be written to a file")
        }
    }

    private static func rangeItems(_ v: Value) -> [Value] {
        guard case .range(let start, let count) = v else { return [] }
        return (0..<count).map { .number(start + Double($0)) }
    }

    /// Nested lists of numbers (from `nestedList`) as JSON, without further checks.
    private static func json(_ v: Value) -> JSON {
        switch v {
        case .number(let x): return .number(x)
        case .list(let l): return .array(l.items.map(json))
        default: return .null
        }
    }

    static func value(_ j: JSON) -> Value {
        switch j {
        case .null: return .nil
        case .bool(let b): return .bool(b)
        case .number(let x): return .number(x)
        case .string(let s): return .string(s)
        case .array(let items): return .list(List(items.map(value)))
        case .object(let members): return .record(Record(keys: members.map(\.key), values: members.map { value($0.value) }))
        }
    }

    /// One CSV cell from a value: a number, string, bool, nil or one-element tensor.
    static func cell(_ v: Value, at path: String) throws -> CSV.Cell {
        switch v {
        case .nil: return .empty
        case .bool(let b): return .bool(b)
        case .number(let x): return .number(x)
        case .string(let s): return .string(s)
        case .foreign(let t as TensorValue) where t.tensor.count == 1: return .number(shortest(t.tensor.scalar!))
        default: throw ScriptError("\(path) is a \(v.typeName == "tensor" ? "tensor of several numbers" : v.typeName); a CSV cell holds a number, string, bool or nil")
        }
    }

    /// A list of records (rows; the header is every field name in order of appearance) or
    /// a record of columns (lists, ranges or vectors of one length).
    static func table(_ v: Value, _ a: Arguments) throws -> CSV {
        do {
            switch v {
            case .list(let l):
                var header: [String] = [], index: [String: Int] = [:]
                var records: [Record] = []
                for (i, item) in l.items.enumerated() {
                    guard case .record(let r) = item else { throw ScriptError("row \(i) is a \(item.typeName), not a record") }
                    for k in r.keys where index[k] == nil { index[k] = header.count; header.append(k) }
                    records.append(r)
                }
                let rows = try records.enumerated().map { i, r in
                    try header.map { k in try r[k].map { try cell($0, at: "row \(i), field '\(k)',") } ?? .empty }
                }
                return CSV(header: header, rows: rows)
            case .record(let r):
                var columns: [[Value]] = []
                for (k, c) in zip(r.keys, r.values) {
                    switch c {
                    case .list(let l): columns.append(l.items)
                    case .range: columns.append(rangeItems(c))
                    case .foreign(let t as TensorValue) where t.tensor.rank == 1: columns.append(t.tensor.scalars.map { .float($0) })
                    default: throw ScriptError("column '\(k)' is a \(c.typeName == "tensor" ? "tensor that is not a vector" : c.typeName); columns are lists or vectors")
                    }
                    if columns.count > 1, columns.last!.count != columns[0].count {
                        let (n, first) = (columns.last!.count, columns[0].count)
                        throw ScriptError("column '\(k)' has \(n) item\(n == 1 ? "" : "s"), column '\(r.keys[0])' \(first)")
                    }
                }
                let n = columns.first?.count ?? 0
                let rows = try (0..<n).map { i in try zip(r.keys, columns).map { k, c in try cell(c[i], at: "row \(i) of column '\(k)'") } }
                return CSV(header: r.keys, rows: rows)
            default:
                throw ScriptError("list of records or record of columns expected, got \(v.typeName)")
            }
        } catch let e as ScriptError { throw a.bad(0, e.message) }
    }

    static func value(_ c: CSV.Cell) -> Value {
        switch c {
        case .empty: return .nil
        case .bool(let b): return .bool(b)
        case .number(let x): return .number(x)
        case .string(let s): return .string(s)
        }
    }

    static var tables: [Builtin] { [
        Builtin("write_csv", [.init("rows", .either([.list, .record])), .init("path", .string)],
                doc: "Write a list of records (one row each) or a record of columns (lists or vectors) as CSV with a header row, atomically.") { a in
            let csv = try table(a[0], a), path = try a.string(1)
            try engine("write_csv") { try csv.write(to: path) }
            return .nil
        },
        Builtin("read_csv", [.init("path", .string), .init("columns", .bool, default: .bool(false))],
                doc: "Read a CSV file with a header row: a list of records, one per row (columns=true: a record of column lists); unquoted numbers and true/false are read as such, empty cells as nil.") { a in
            let path = try a.string(0), byColumn = try a.bool(1)
            let csv = try engine("read_csv") { try CSV.read(from: path) }
            if byColumn {
                return .record(Record(keys: csv.header, values: csv.header.indices.map { j in .list(List(csv.rows.map { value($0[j]) })) }))
            }
            return .list(List(csv.rows.map { row in .record(Record(keys: csv.header, values: row.map(value))) }))
        },
        Builtin("write_json", [.init("value"), .init("path", .string), .init("indent", .integer, default: .number(2))],
                doc: "Write numbers, strings, bools, nil, lists, records and tensors (as nested lists) as a JSON file, atomically; indent=0 writes one line.") { a in
            let path = try a.string(1), indent = try a.integer(2)
            guard (0...8).contains(indent) else { throw a.bad(2, "indent between 0 and 8 expected, got \(indent)") }
            let doc: JSON
            do { doc = try json(a[0], at: "value", tensors: .asLists) } catch let e as ScriptError { throw a.bad(0, e.message) }
            try engine("write_json") { try doc.write(to: path, indent: indent) }
            return .nil
        },
        Builtin("read_json", [.init("path", .string)],
                doc: "Read a JSON file: objects become records (in file order), arrays lists, null nil.") { a in
            let path = try a.string(0)
            return value(try engine("read_json") { try JSON.read(from: path) })
        },
    ] }
}
