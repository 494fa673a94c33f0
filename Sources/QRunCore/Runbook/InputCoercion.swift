import Foundation

/// Checks and converts input values against their declared type.
public enum InputCoercion {
    /// What is wrong with a value, as the end of a sentence ("must be an integer").
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var text: String
        public var description: String { text }
    }

    /// Converts `value` (a typed YAML value, or a string from the CLI) to the input's type.
    public static func coerce(_ value: Value, for spec: InputSpec) -> Result<Value, Problem> {
        func bad(_ s: String) -> Result<Value, Problem> { .failure(Problem(text: s)) }
        switch spec.kind {
        case .string:
            let s: String
            switch value {
            case .string(let v): s = v
            case .int, .double, .bool: s = value.interpolationText
            default: return bad("must be a string")
            }
            if let pattern = spec.pattern, !matches(s, pattern) {
                return bad("does not match the pattern \(pattern)")
            }
            return .success(.string(s))
        case .int:
            if let i = value.intValue { return .success(.int(i)) }
            if let s = value.stringValue, let i = Int(s.trimmingCharacters(in: .whitespaces)) { return .success(.int(i)) }
            return bad("must be an integer")
        case .bool:
            if let b = value.boolValue { return .success(.bool(b)) }
            switch value.stringValue?.lowercased() {
            case "true", "yes", "1": return .success(.bool(true))
            case "false", "no", "0": return .success(.bool(false))
            default: return bad("must be true or false")
            }
        case .duration:
            guard let s = value.stringValue, let d = DurationParser.parse(s) else { return bad("must be a duration like 30s, 5m or 24h") }
            return .success(.string(DurationParser.format(d)))
        case .timestamp:
            guard let s = value.stringValue, let utc = RFC3339.normalise(s) else {
                return bad("must be a UTC date and time like 2026-11-25T06:00:00Z (RFC 3339; an offset like +01:00, or a date alone, also works)")
            }
            return .success(.string(utc))
        case .enumeration(let values):
            guard let s = value.stringValue ?? (value.isNull ? nil : value.interpolationText), values.contains(s) else {
                return bad("must be one of \(values.joined(separator: ", "))")
            }
            return .success(.string(s))
        case .secret:
            guard let s = value.stringValue, s.hasPrefix("secret:") else {
                return bad("must be a secret reference like secret:env:NAME or secret:file:PATH, never the secret itself")
            }
            if let problem = secretReferenceProblem(s) { return bad(problem) }
            return .success(.string(s))
        }
    }

    /// Why `text` (which starts with `secret:`) is not a valid secret reference, as the end of a
    /// sentence; nil when it is valid. The text itself is never quoted: a malformed reference may
    /// be a pasted secret.
    public static func secretReferenceProblem(_ text: String) -> String? {
        guard (try? SecretReference.parse(text)) == nil else { return nil }
        let rest = text.dropFirst(SecretReference.prefix.count)
        let scheme = rest.prefix { $0 != ":" }
        let usage = "use secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD"
        switch scheme {
        case "env":
            return "is not a valid secret reference: secret:env: needs an environment variable name made of letters, digits and '_', not starting with a digit"
        case "file":
            return "is not a valid secret reference: secret:file: needs a path"
        case "vault":
            return "is not a valid secret reference: a Vault reference needs a mount, a path and a field, as in secret:vault:MOUNT/PATH#FIELD"
        default:
            return "is not a valid secret reference: it names no known secret source; \(usage)"
        }
    }

    /// Whether the whole of `s` matches `pattern`.
    public static func matches(_ s: String, _ pattern: String) -> Bool {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return false }
        let range = NSRange(s.startIndex..., in: s)
        guard let m = re.firstMatch(in: s, options: [.anchored], range: range) else { return false }
        return m.range.location == 0 && m.range.length == range.length
    }
}
