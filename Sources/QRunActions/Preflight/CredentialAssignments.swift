import Foundation

/// Finds `NAME=value` / `NAME: value` assignments whose name says "credential" and whose value is
/// not a placeholder or a reference to a secret manager. Used for `.env` files, `~/.braket` and
/// environment variables.
struct CredentialAssignments {
    /// One assignment that looks like a stored credential.
    struct Assignment {
        var name: String
        var value: String
        var line: Int
    }

    private let assignment = PreflightText.regex(
        #"^[ \t]*(?:export[ \t]+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?[ \t]*[=:][ \t]*(.*?)[ \t]*,?[ \t]*\r?$"#, [.anchorsMatchLines])

    /// Credential-looking assignments in `text`.
    func scan(_ text: PreflightText) -> [Assignment] {
        assignment.matches(in: text.string, range: NSRange(location: 0, length: text.ns.length)).compactMap { m in
            let name = text.ns.substring(with: m.range(at: 1))
            guard Self.namesCredential(name) else { return nil }
            let raw = m.range(at: 2).location == NSNotFound ? "" : text.ns.substring(with: m.range(at: 2))
            let value = Self.unquote(raw)
            guard !Self.isPlaceholder(value) else { return nil }
            return Assignment(name: name, value: value, line: text.line(at: m.range(at: 1).location))
        }
    }

    static let markers = ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY",
                          "SESSION_KEY", "CREDENTIAL", "WEBHOOK", "AUTH"]
    /// Names that mention a credential but hold something else (ids, paths, lifetimes).
    static let harmlessSuffixes = ["_ID", "_URL", "_URI", "_PATH", "_FILE", "_DIR", "_TTL", "_EXPIRY", "_EXPIRES", "_EXPIRES_AT",
                                   "_NAME", "_USER", "_USERNAME", "_TYPE", "_MODE", "_ENDPOINT", "_HOST", "_REGION", "_HEADER",
                                   "_LENGTH", "_VERSION", "_ENABLED", "PUBLIC_KEY", "_HELPER", "_PROVIDER", "_METHOD", "_SCOPE", "_SCOPES"]

    /// Whether `name` conventionally holds a credential (`QISKIT_IBM_TOKEN`, `db_password`, `STRIPE_KEY`).
    static func namesCredential(_ name: String) -> Bool {
        let upper = name.uppercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
        if harmlessSuffixes.contains(where: { upper.hasSuffix($0) }) { return false }
        return markers.contains { upper.contains($0) } || upper.hasSuffix("_KEY") || upper == "KEY"
    }

    /// The value without surrounding quotes, and without a trailing ` # comment` when unquoted.
    static func unquote(_ raw: String) -> String {
        var v = raw.trimmingCharacters(in: .whitespaces)
        if let q = v.first, q == "\"" || q == "'" {
            v.removeFirst()
            if let close = v.firstIndex(of: q) { v = String(v[..<close]) }
            return v
        }
        if let hash = v.range(of: " #") { v = String(v[..<hash.lowerBound]) }
        return v.trimmingCharacters(in: .whitespaces)
    }

    static let referencePrefixes = ["$", "<", "{{", "%(", "secret:", "vault:", "op://", "arn:aws:secretsmanager:", "arn:aws:ssm:",
                                    "@microsoft.keyvault(", "gcp-secret:", "sm://", "env:", "file:", "~/", "./"]
    /// Empty values, booleans and numbers, references to secret managers or other variables,
    /// paths, and obvious placeholders (``PreflightPlaceholder``, shared by every rule) are not credentials.
    static func isPlaceholder(_ value: String) -> Bool {
        let lower = value.lowercased()
        if value.count < 6 { return true }
        if ["true", "false", "null", "none", "nil", "undefined"].contains(lower) { return true }
        if value.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) { return true }
        if referencePrefixes.contains(where: { lower.hasPrefix($0) }) { return true }
        if value.hasPrefix("/"), value.dropFirst().contains("/"), !value.contains(" ") { return true }
        if lower.contains("replace") || lower.contains("...") { return true }
        return PreflightPlaceholder.isPlaceholder(value)
    }
}
