// Item assignment, `base[i] = v` and `base[i, j] = v`, and reading several subscripts.
// Lists and records are shared and change in place. Foreign values (tensors) are values:
// assigning into one makes an updated copy, which is stored back where the base was read
// from, so `t[0] = 1` changes the variable `t` and no other holder of the old tensor. The
// base is therefore compiled as a place: a variable, a field, or an item (recursively,
// so `r.t[0] = 1` and `ts[2][0] = 1` store the new tensor back into `r.t` and `ts[2]`).

/// The value an assignment's base holds, how to replace it, and what replacing it needs
/// from this execution.
struct Place {
    var value: Value
    /// The site's store, built once at compile time (nil for a temporary); `assign` calls
    /// it with the frame and this place.
    var store: PlaceStore?
    var context: Context = .none

    enum Context {
        case none
        /// The record a field was read from.
        case field(Value)
        /// The place an item was read from, and the item's subscripts.
        indirect case item(Place, [Subscript])
    }
}

/// Stores an updated value back into a place (the place as read, for its context).
typealias PlaceStore = (Env, Place, Value) throws -> Void

extension Compiler {
    func assignItem(_ base: ResolvedExpr, _ items: [ResolvedSubscript], _ value: ResolvedExpr, _ span: Span) -> Exec {
        let interp = interpreter
        let source = source
        if case .variable(let slot, _, _) = base, items.count == 1, case .index(let i) = items[0] {
            // `xs[i] = v`: no place and no subscript array. A list or record changes in
            // place; a foreign value's updated copy goes back into the variable.
            let load = self.load(slot), set = setter(slot), index = node(i), v = node(value)
            return { [unowned(unsafe) interp] f in
                let b = try load.eval(f)
                if let updated = try interp.setItem(b, index: try index.eval(f), try v.eval(f), source, span) {
                    set(f, updated)
                }
                return .next
            }
        }
        let place = self.place(base), subscripts = self.subscripts(items), v = node(value)
        return { [unowned(unsafe) interp] f in
            let p = try place(f)
            let items = try subscripts(f)
            try interp.assign(f, p, items, try v.eval(f), source, span)
            return .next
        }
    }

    /// `e` as a place its value can be stored back into.
    func place(_ e: ResolvedExpr) -> (Env) throws -> Place {
        let interp = interpreter
        let source = source
        switch e {
        case .variable(let slot, _, _):
            let load = self.load(slot), set = setter(slot)
            let store: PlaceStore = { f, _, v in set(f, v) }
            return { f in Place(value: try load.eval(f), store: store) }
        case .field(let b, let name, let span):
            let base = node(b)
            let store: PlaceStore = { [unowned(unsafe) interp] _, p, v in
                guard case .field(let r) = p.context else { preconditionFailure("a field place without its record") }
                try interp.setField(r, name, v, source, span)
            }
            return { [unowned(unsafe) interp] f in
                let r = try base.eval(f)
                return Place(value: try interp.field(r, name, source, span), store: store, context: .field(r))
            }
        case .index(let b, let i, let span):
            let index = node(i)
            return item(b, { f in [.index(try index.eval(f))] }, span)
        case .subscripts(let b, let items, let span):
            return item(b, subscripts(items), span)
        default:
            let n = node(e)
            return { f in Place(value: try n.eval(f), store: nil) }
        }
    }

    /// `b[items]` as a place: its new value is assigned into `b`'s place in turn.
    private func item(_ b: ResolvedExpr, _ items: @escaping (Env) throws -> [Subscript],
                      _ span: Span) -> (Env) throws -> Place {
        let interp = interpreter
        let source = source
        let outer = place(b)
        let store: PlaceStore = { [unowned(unsafe) interp] f, p, v in
            guard case .item(let container, let subs) = p.context else { preconditionFailure("an item place without its container") }
            try interp.assign(f, container, subs, v, source, span)
        }
        return { [unowned(unsafe) interp] f in
            let container = try outer(f)
            let subs = try items(f)
            let value: Value
            if subs.count == 1, case .index(let i) = subs[0] {
                value = try interp.index(container.value, i, source, span)
            } else {
                value = try interp.subscripts(container.value, subs, source, span)
            }
            return Place(value: value, store: store, context: .item(container, subs))
        }
    }

    func subscripts(_ items: [ResolvedSubscript]) -> (Env) throws -> [Subscript] {
        let compiled: [(Env) throws -> Subscript] = items.map {
            switch $0 {
            case .index(let i):
                let n = node(i)
                return { f in .index(try n.eval(f)) }
            case .slice(let lo, let hi):
                let a = lo.map { node($0) }, b = hi.map { node($0) }
                return { f in .slice(try a?.eval(f) ?? .nil, try b?.eval(f) ?? .nil) }
            }
        }
        return { f in try compiled.map { try $0(f) } }
    }

    /// `base[a, b:c, …]` read.
    func subscriptsNode(_ b: ResolvedExpr, _ items: [ResolvedSubscript], _ span: Span) -> Node {
        let interp = interpreter
        let source = source
        let base = node(b), read = subscripts(items)
        return ClosureNode { [unowned(unsafe) interp] f in
            let x = try base.eval(f)
            return try interp.subscripts(x, try read(f), source, span)
        }
    }
}

extension Interpreter {
    /// `place[items] = value`, storing an updated copy back into the place when there is one.
    func assign(_ f: Env, _ place: Place, _ items: [Subscript], _ value: Value, _ source: Source, _ span: Span) throws {
        guard let updated = try setItem(place.value, items, value, source, span) else { return }
        guard let store = place.store else {
            throw RuntimeError("cannot assign into \(withArticle(place.value.typeName)) that is not in a variable, field or item",
                               source, span)
        }
        try store(f, place, updated)
    }
}
