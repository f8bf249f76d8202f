// Foreign values: engine objects (tensors, networks, datasets…) that Language knows only
// through this protocol. Bindings implement the operations that make sense; the defaults
// return nil, which the interpreter reports as "operator '+' not defined for …".

public protocol ForeignValue: AnyObject {
    /// The type's name in messages and `type(x)`, e.g. "tensor".
    var typeName: String { get }
    /// A compact one-line summary, e.g. `tensor [256, 17] float32`.
    var summary: String { get }
    /// Field names, for `keys(x)` and tab completion.
    var fieldNames: [String] { get }

    /// `self op other` (or `other op self` when `selfOnLeft` is false).
    func binary(_ op: BinaryOperator, _ other: Value, selfOnLeft: Bool) throws -> Value?
    /// `-self`.
    func negate() throws -> Value?
    /// `self.name`, e.g. `.shape`.
    func field(_ name: String) throws -> Value?
    /// `self.name = value`, for mutable engine objects (an optimiser's `lr`). Returns false
    /// if the object has no settable field of that name; throws to refuse a bad value.
    func setField(_ name: String, to value: Value) throws -> Bool
    /// `self[index]`.
    func index(_ index: Value) throws -> Value?
    /// `self[lo:hi]`; a missing bound is nil.
    func slice(_ lo: Value, _ hi: Value) throws -> Value?
    /// `self[a, b:c, …]`: two or more subscripts, one per axis.
    func subscripted(_ items: [Subscript]) throws -> Value?
    /// `self[items] = value`. Foreign values are values: this returns the updated copy,
    /// which the interpreter stores back where `self` was read from (the variable, field
    /// or item), so other holders of `self` are unchanged. Nil if unsupported.
    func updating(_ items: [Subscript], to value: Value) throws -> Value?
    /// `self(…)`, for callable objects such as networks and policies.
    func call(_ arguments: CallArguments, interpreter: Interpreter) throws -> Value?
    /// `==`; identity unless the binding says otherwise.
    func isEqual(to other: any ForeignValue) -> Bool
    /// The value as a condition (`if`, `while`, `and`/`or`/`not`, `x if c else y`,
    /// `assert`). A value with no single truth (a tensor of several elements) throws.
    func truth() throws -> Bool
    /// The number a one-element value stands for (for `format` and `"\(x:.3f)"`), nil if none.
    func scalar() -> Double?
    /// `len(self)`, nil if it has no length.
    func length() throws -> Int?
    /// `for x in self`: a function giving the items one at a time (nil after the last),
    /// so a loop over a million rows makes one row at a time; nil if it cannot be iterated.
    func makeIterator() throws -> (() throws -> Value?)?
}

extension ForeignValue {
    public var fieldNames: [String] { [] }
    public func binary(_ op: BinaryOperator, _ other: Value, selfOnLeft: Bool) throws -> Value? { nil }
    public func negate() throws -> Value? { nil }
    public func field(_ name: String) throws -> Value? { nil }
    public func setField(_ name: String, to value: Value) throws -> Bool { false }
    public func index(_ index: Value) throws -> Value? { nil }
    public func slice(_ lo: Value, _ hi: Value) throws -> Value? { nil }
    public func subscripted(_ items: [Subscript]) throws -> Value? { nil }
    public func updating(_ items: [Subscript], to value: Value) throws -> Value? { nil }
    public func call(_ arguments: CallArguments, interpreter: Interpreter) throws -> Value? { nil }
    public func isEqual(to other: any ForeignValue) -> Bool { self === other }
    public func truth() throws -> Bool { true }
    public func scalar() -> Double? { nil }
    public func length() throws -> Int? { nil }
    public func makeIterator() throws -> (() throws -> Value?)? { nil }
}

/// One subscript: `x[i]`, or `x[lo:hi]` with nil for a missing bound.
public enum Subscript {
    case index(Value)
    case slice(Value, Value)
}

/// Arguments as written at a call site, before binding to parameters.
public struct CallArguments {
    public var positional: [Value]
    public var keywords: [(name: String, value: Value)]
    public init(_ positional: [Value], keywords: [(name: String, value: Value)] = []) {
        self.positional = positional
        self.keywords = keywords
    }
}

/// An error a built-in or binding throws; the interpreter adds the location and stack.
public struct ScriptError: Error, CustomStringConvertible {
    public var message: String
    /// Ctrl-C stopped the built-in (a training run says where): the run exits with 130.
    public var interrupted = false
    public init(_ message: String, interrupted: Bool = false) { (self.message, self.interrupted) = (message, interrupted) }
    public var description: String { message }
}
