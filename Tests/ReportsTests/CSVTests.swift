import Foundation
import Testing
@testable import Reports

@Suite struct CSVTests {
    @Test func typesUnquotedCellsAndKeepsQuotedOnesAsText() throws {
        let csv = try CSV.parse("a,b,c,d,e\n1,-2.5e3,true,,x\n\"1\",\"true\",\"\",nan,-inf\n")
        #expect(csv.header == ["a", "b", "c", "d", "e"])
        #expect(csv.rows[0] == [.number(1), .number(-2500), .bool(true), .empty, .string("x")])
        #expect(csv.rows[1] == [.string("1"), .string("true"), .string(""), .number(.nan), .number(-.infinity)])
    }

    @Test func onlyDecimalNumbersAreNumbers() {
        for text in ["0x10", "1e", "--1", "1-2", ".", "e5", "1.2.3", "inf1"] {
            #expect(CSV.cell(unquoted: text) == .string(text), "\(text)")
        }
        for (text, x) in [("12", 12.0), (" 3 ", 3), ("+4", 4), (".5", 0.5), ("1E-3", 0.001), ("INF", .infinity)] {
            #expect(CSV.cell(unquoted: text) == .number(x), "\(text)")
        }
    }

    @Test func writingThenReadingGivesTheSameTable() throws {
        let table = CSV(header: ["name", "x, y", "flag"], rows: [
            [.string("plain"), .number(0.1), .bool(false)],
            [.string("with \"quotes\"\nand a line"), .number(1e-7), .empty],
            [.string("42"), .number(3), .string(" padded ")],
            [.string(""), .number(.nan), .string("false")],
        ])
        #expect(try CSV.parse(table.text) == table)
        #expect(table.text.hasPrefix("name,\"x, y\",flag\nplain,0.1,false\n"))
    }

    @Test func acceptsCRLFABOMAndBlankLines() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cdsa-csv-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data([0xEF, 0xBB, 0xBF] + Array("a,b\r\n1,2\r\n\r\n3,4".utf8)).write(to: URL(fileURLWithPath: path))
        let csv = try CSV.read(from: path)
        #expect(csv.header == ["a", "b"] && csv.rows == [[.number(1), .number(2)], [.number(3), .number(4)]])
        // In a one-column table a blank line is an empty cell, so nil round-trips.
        let one = CSV(header: ["x"], rows: [[.number(1)], [.empty], [.number(2)]])
        #expect(try CSV.parse(one.text) == one)
    }

    @Test(arguments: [
        ("a,b\n1,2\n3\n", "t.csv:3: 1 field, but the header has 2"),
        ("a,b\n1,\"2\n3,4\n", "t.csv:2: unterminated quoted field"),
        ("a\nx\"y\n", "t.csv:2: a quote inside an unquoted field (quote the whole field and write each quote in it twice)"),
        ("a\n\"x\"y\n", "t.csv:2: text after the closing quote of a field"),
        ("a,a\n", "t.csv:1: column name \"a\" appears twice in the header"),
        ("", "t.csv: empty file, expected a header row"),
    ])
    func malformedTablesNameTheLine(text: String, message: String) {
        #expect(throws: (any Error).self) { try CSV.parse(text, source: "t.csv") }
        do { _ = try CSV.parse(text, source: "t.csv") } catch { #expect("\(error)" == message) }
    }

    @Test func aMissingFileIsNamed() {
        do { _ = try CSV.read(from: "/nonexistent/x.csv"); Issue.record("no error") } catch {
            #expect("\(error)" == "/nonexistent/x.csv: no such file")
        }
    }
}
