import Foundation
import Testing
@testable import Reports

@Suite struct JSONTests {
    let document = JSON.object([
        ("env", .string("hopper \"v2\"\n")), ("seeds", .array([.number(0), .number(1)])),
        ("score", .number(71.25)), ("tiny", .number(1e-300)), ("ok", .bool(true)), ("none", .null),
        ("nested", .object([("rows", .array([.array([.number(1), .number(2)]), .array([])]))])),
        ("odd", .array([.number(.nan), .number(.infinity), .number(-.infinity)])),
    ])

    @Test(arguments: [0, 2])
    func writingThenReadingGivesTheSameDocument(indent: Int) throws {
        #expect(try JSON.parse(document.serialized(indent: indent)) == document)
    }

    @Test func prettyPrintingKeepsNumberRowsOnOneLine() {
        let text = JSON.object([("m", .array([.array([.number(1), .number(2.5)])]))]).serialized(indent: 2)
        #expect(text == "{\n  \"m\": [\n    [1, 2.5]\n  ]\n}")
        #expect(JSON.array([.number(0.1), .string("é")]).serialized(indent: 0) == "[0.1, \"é\"]")
    }

    @Test func keysKeepTheirOrderAndDuplicatesAreRefused() throws {
        guard case .object(let members) = try JSON.parse(#"{"b": 1, "a": 2}"#) else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["b", "a"])
        do { _ = try JSON.parse("{\"a\": 1,\n \"a\": 2}", source: "d.json") } catch {
            #expect("\(error)" == "d.json:2:2: duplicate key \"a\"")
        }
    }

    @Test(arguments: [
        ("{\"a\": 1,\n  \"b\" 2}", "t.json:2:7: expected ':' after the key, found '2'"),
        ("[1, 2,\n]", "t.json:2:1: unexpected ']', expected a value"),
        ("[1, 2", "t.json:1:6: expected ',' or ']' in an array, found the end of the file"),
        ("\"abc", "t.json:1:1: unterminated string"),
        ("01", "t.json:1:2: unexpected text after the JSON value"),
        ("[1.]", "t.json:1:2: invalid number: digits expected after '.'"),
        ("", "t.json:1:1: empty file, expected a JSON value"),
        ("tru", "t.json:1:1: unexpected 't', expected a value"),
    ])
    func malformedDocumentsNameLineAndColumn(text: String, message: String) {
        do { _ = try JSON.parse(text, source: "t.json"); Issue.record("no error for \(text)") } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 100_000)
        do { _ = try JSON.parse(text, source: "deep.json"); Issue.record("no error") } catch {
            #expect("\(error)".hasSuffix("nested deeper than 512 levels"))
        }
    }

    @Test func filesAreWrittenAtomicallyAndReadBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cdsa-json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.json").path
        try document.write(to: path)
        #expect(try JSON.read(from: path) == document)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["r.json"])
    }
}
