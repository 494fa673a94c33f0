/// One step of a reference path: `.name` / `['name']` (a map member) or `[0]` (a list item).
public enum PathComponent: Sendable, Hashable, CustomStringConvertible {
    /// A map member, from `.name` or `['name']`.
    case member(String)
    /// A list item, from `[0]`; never negative when produced by the parser.
    case index(Int)

    /// The component as it would be written after a root, e.g. `.status`, `['team name']`, `[0]`.
    public var description: String {
        switch self {
        case .member(let name): return PathComponent.isIdentifier(name) ? "." + name : "[" + Expression.quoted(name) + "]"
        case .index(let i): return "[\(i)]"
        }
    }

    /// A whole path as source text, e.g. `steps.check.outputs['exit code']`.
    public static func pathText(_ path: [PathComponent]) -> String {
        var out = ""
        for (i, component) in path.enumerated() {
            if i == 0, case .member(let root) = component {
                out += root
            } else {
                out += component.description
            }
        }
        return out
    }

    /// Whether `name` is a valid identifier: `[A-Za-z_][A-Za-z0-9_-]*`.
    public static func isIdentifier(_ name: String) -> Bool {
        var first = true
        for c in name {
            guard let a = c.asciiValue else { return false }
            let letter = (a >= 65 && a <= 90) || (a >= 97 && a <= 122) || a == 95
            let other = (a >= 48 && a <= 57) || a == 45
            if first ? !letter : !(letter || other) { return false }
            first = false
        }
        return !first
    }
}
