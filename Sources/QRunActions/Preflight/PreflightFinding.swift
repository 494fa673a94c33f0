import QRunCore

/// One long-lived credential found by ``PreflightScanner``. It never holds the credential itself.
///
/// The `fingerprint` is `sha256:` followed by the first 12 hex digits (48 bits) of the SHA-256 of
/// the value, so the same credential can be tracked across scans and machines without the value.
/// A fingerprint can only confirm a guess; for high-entropy tokens that is no help to anyone, for
/// a short password in `.netrc` it is no worse than the password's own strength.
///
/// `preview` is only ever set for AWS access key ids (`AKIA…`/`ASIA…`), which AWS treats as
/// identifiers (they appear in CloudTrail and the IAM console): the first four characters (the key
/// type) and the last four, so an operator can find the key to deactivate. Nothing of a secret
/// value is ever previewed.
public struct PreflightFinding: Sendable, Hashable {
    /// What was found, e.g. `aws-access-key`, `ibm-quantum-token`, `environment-variable`.
    public var kind: String
    /// `path:line` for text files, `path` for binary stores, `env:NAME` for variables.
    public var location: String
    public var severity: PreflightSeverity
    /// One sentence: what to do about it.
    public var fix: String
    /// `sha256:` + 12 hex digits of the value's SHA-256.
    public var fingerprint: String
    /// A masked identifier (AWS key ids only), never part of a secret.
    public var preview: String?

    public init(kind: String, location: String, severity: PreflightSeverity, fix: String, fingerprint: String, preview: String? = nil) {
        self.kind = kind
        self.location = location
        self.severity = severity
        self.fix = fix
        self.fingerprint = fingerprint
        self.preview = preview
    }

    /// The fingerprint of a credential value.
    public static func fingerprint(of value: String) -> String {
        "sha256:" + Digest.sha256Hex(value).prefix(12)
    }

    /// The finding as a step output / JSON object.
    public var value: Value {
        var o: [String: Value] = ["kind": .string(kind), "location": .string(location), "severity": .string(severity.rawValue),
                                  "fix": .string(fix), "fingerprint": .string(fingerprint)]
        if let preview { o["preview"] = .string(preview) }
        return .object(o)
    }
}
