import Foundation

/// A declared runbook input.
public struct InputSpec: Sendable, Hashable {
    /// The type of an input value.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        case string
        case int
        case bool
        case duration
        /// An RFC 3339 date and time (`2026-11-25T06:00:00Z`, an offset, or a date alone for
        /// midnight UTC), normalised to UTC with second precision.
        case timestamp
        case enumeration([String])
        /// A secret reference (`secret:env:NAME` …); the value itself is never accepted.
        case secret

        public var description: String {
            switch self {
            case .string: return "string"
            case .int: return "int"
            case .bool: return "bool"
            case .duration: return "duration"
            case .timestamp: return "timestamp"
            case .enumeration(let values): return "enum(\(values.joined(separator: ", ")))"
            case .secret: return "secret"
            }
        }
    }

    /// The input's name (`token_id`); as a CLI flag it becomes `--token-id`.
    public var name: String
    public var kind: Kind
    public var required: Bool
    /// Typed default, already checked against `kind` and `pattern`.
    public var defaultValue: Value?
    /// A regular expression the whole string value must match.
    public var pattern: String?
    public var description: String?
    public var location: SourceLocation

    /// The kebab-case CLI flag name, without dashes.
    public var flagName: String { name.replacingOccurrences(of: "_", with: "-") }
}
