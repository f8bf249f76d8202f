// JSON documents as cdsa values: objects become records (keys in sorted order), arrays
// lists, numbers numbers, and null nil.

import Foundation
import Language

func jsonValue(_ bytes: [UInt8]) throws -> Value {
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
        throw ScriptError("not a JSON document")
    }
    return value(fromJSON: object)
}

func value(fromJSON object: Any) -> Value {
    switch object {
    case let n as NSNumber:
        // JSON's true and false arrive as booleans whose Objective-C type is "c".
        if String(cString: n.objCType) == "c", "\(type(of: n))".contains("Boolean") { return .bool(n.boolValue) }
        return .number(n.doubleValue)
    case let s as String: return .string(s)
    case let a as [Any]: return .list(List(a.map(value(fromJSON:))))
    case let d as [String: Any]:
        let keys = d.keys.sorted()
        return .record(Record(keys: keys, values: keys.map { value(fromJSON: d[$0]!) }))
    default: return .nil
    }
}
