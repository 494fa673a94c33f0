/// A pointer to a secret, as written in runbooks and configuration: `secret:env:NAME`,
/// `secret:file:PATH` or `secret:vault:MOUNT/PATH#FIELD`.
///
/// A reference is not secret: it can be stored, logged and shown in reports. Only the value it
/// resolves to (a ``SecretValue``) is secret, and that is resolved at the moment of use by a
/// ``SecretResolver`` and never stored.
public struct SecretReference: Sendable, Hashable, CustomStringConvertible {
    /// Where the secret lives.
    public enum Source: Sendable, Hashable {
        /// An environment variable of the qrun process, named `name`.
        case env(name: String)
        /// A file whose whole content (minus one trailing newline) is the secret. A relative
        /// path is resolved against the base directory of the ``FileSecretSource``.
        case file(path: String)
        /// A field of a Vault secret: `mount` is the secrets engine mount (the first path
        /// segment), `path` the secret's path inside it, `field` the key within the secret.
        case vault(mount: String, path: String, field: String)
    }

    /// The prefix that marks a text as a secret reference.
    public static let prefix = "secret:"

    /// The usage hint appended to parse errors.
    static let usage = "use secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD"

    /// Where the secret lives.
    public let source: Source

    /// Creates a reference to `source`. No validation is done; use ``parse(_:)`` for user text.
    public init(_ source: Source) {
        self.source = source
    }

    /// The reference in its textual form, e.g. `secret:env:SLACK_WEBHOOK_URL`.
    public var text: String {
        switch source {
        case .env(let name): return "secret:env:\(name)"
        case .file(let path): return "secret:file:\(path)"
        case .vault(let mount, let path, let field): return "secret:vault:\(mount)/\(path)#\(field)"
        }
    }

    /// The reference text itself (a reference is not secret).
    public var description: String { text }

    /// The scheme word of the reference: `env`, `file` or `vault`.
    public var scheme: String {
        switch source {
        case .env: return "env"
        case .file: return "file"
        case .vault: return "vault"
        }
    }

    /// Parses `text` as a secret reference.
    ///
    /// - Returns: `nil` when `text` does not start with `secret:` (it is then an ordinary value),
    ///   otherwise the parsed reference. The match is exact: no whitespace is trimmed and the
    ///   prefix is case-sensitive.
    /// - Throws: ``SecretError`` with code ``SecretError/Code/malformedReference`` when `text`
    ///   starts with `secret:` but is not a valid reference. The message quotes the reference
    ///   and shows the accepted forms.
    ///
    /// Rules: an env name matches `[A-Za-z_][A-Za-z0-9_]*`; a file path is any non-empty text;
    /// a vault reference is `MOUNT/PATH#FIELD` where the mount is everything before the first
    /// `/`, the field everything after the first `#`, and all three are non-empty.
    public static func parse(_ text: String) throws(SecretError) -> SecretReference? {
        guard text.hasPrefix(prefix) else { return nil }
        let rest = text.dropFirst(prefix.count)
        let scheme: Substring
        let body: Substring?
        if let colon = rest.firstIndex(of: ":") {
            scheme = rest[..<colon]
            body = rest[rest.index(after: colon)...]
        } else {
            scheme = rest
            body = nil
        }

        func fail(_ message: String) -> SecretError {
            SecretError(.malformedReference, reference: text, message: message)
        }

        switch scheme {
        case "env":
            guard let name = body, !name.isEmpty else {
                throw fail("secret reference '\(text)' has no variable name; use secret:env:NAME")
            }
            guard isValidEnvironmentName(name) else {
                // The text after secret:env: may be a pasted secret rather than a name: never echo it.
                throw fail(
                    "the text after secret:env: is not an environment variable name; a name is letters, digits "
                        + "and underscores and does not start with a digit (secret:env:NAME)")
            }
            return SecretReference(.env(name: String(name)))
        case "file":
            guard let path = body, !path.isEmpty else {
                throw fail("secret reference '\(text)' has no path; use secret:file:PATH")
            }
            return SecretReference(.file(path: String(path)))
        case "vault":
            guard let body, !body.isEmpty else {
                throw fail("secret reference '\(text)' has no Vault path; use secret:vault:MOUNT/PATH#FIELD")
            }
            guard let hash = body.firstIndex(of: "#") else {
                throw fail("secret reference '\(text)' has no field; use secret:vault:MOUNT/PATH#FIELD")
            }
            let location = body[..<hash]
            let field = body[body.index(after: hash)...]
            guard !field.isEmpty else {
                throw fail("secret reference '\(text)' has an empty field after '#'; use secret:vault:MOUNT/PATH#FIELD")
            }
            guard let slash = location.firstIndex(of: "/"),
                case let mount = location[..<slash], !mount.isEmpty,
                case let path = location[location.index(after: slash)...], !path.isEmpty
            else {
                throw fail(
                    "secret reference '\(text)' needs both a mount and a path before '#'; "
                        + "use secret:vault:MOUNT/PATH#FIELD")
            }
            return SecretReference(.vault(mount: String(mount), path: String(path), field: String(field)))
        case "":
            throw fail("secret reference '\(text)' names no source; \(usage)")
        default:
            // Echo the source only when it looks like a word, never what may be a pasted secret.
            let looksLikeWord = scheme.count <= 12 && scheme.allSatisfy { $0.isASCII && $0.isLetter }
            throw fail("unknown secret source\(looksLikeWord ? " '\(scheme)'" : ""); \(usage)")
        }
    }

    /// Whether `name` matches `[A-Za-z_][A-Za-z0-9_]*`.
    static func isValidEnvironmentName(_ name: Substring) -> Bool {
        var first = true
        for byte in name.utf8 {
            let isLetter = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
            let isDigit = byte >= 0x30 && byte <= 0x39
            if first ? !isLetter : !(isLetter || isDigit) { return false }
            first = false
        }
        return !first
    }
}
