/// An ``ExpressionScope`` backed by a single `Value` object whose top-level keys are the roots
/// (typically `inputs`, `steps`, `run`, `alert`, `event`, `env`).
///
/// A reference whose root is not a key of the object throws `unknown name '…'`. Below the root,
/// anything missing (absent key, index out of range, member of a non-map, index into a non-list)
/// resolves to `.null`.
public struct ValueScope: ExpressionScope {
    /// The object whose keys are the root names. If it is not an object, every root is unknown.
    public var value: Value

    /// A scope whose roots are the keys of `value` (an `.object`).
    public init(_ value: Value) {
        self.value = value
    }

    /// A scope with the given roots.
    public init(roots: [String: Value]) {
        self.value = .object(roots)
    }

    /// Resolves `path`: unknown root is an error, anything missing below it is `.null`.
    public func resolve(_ path: [PathComponent]) throws(ExpressionError) -> Value {
        let roots = value.objectValue ?? [:]
        guard case .member(let rootName)? = path.first else {
            throw ExpressionError(message: "a reference must start with a name", offset: 0)
        }
        guard let root = roots[rootName] else {
            let known = roots.keys.sorted()
            let list = known.isEmpty ? "nothing can be referenced here" : "names available here are " + known.joined(separator: ", ")
            throw ExpressionError(message: "unknown name '\(rootName)'; \(list)", offset: 0)
        }
        return ValueScope.navigate(root, along: path.dropFirst())
    }

    /// Walks `path` down from `value`; anything missing along the way gives `.null`.
    public static func navigate(_ value: Value, along path: some Sequence<PathComponent>) -> Value {
        var current = value
        for component in path {
            switch (component, current) {
            case (.member(let key), .object(let map)):
                current = map[key] ?? .null
            case (.index(let i), .array(let items)):
                current = i >= 0 && i < items.count ? items[i] : .null
            default:
                return .null
            }
        }
        return current
    }
}
