import Foundation

/// Recognises text that is, or holds, a credential: by the name it is stored under
/// (`GITHUB_TOKEN`, `DB_PASSWORD`) or by its shape (`ghp_…`, `xoxb-…`, `AKIA…`, `Bearer …`).
///
/// Used by the validator (a runbook must not contain a credential) and by the engine (a
/// credential-like `env.*` value is masked). It errs on the side of "credential".
public enum CredentialShapes {
    /// Name parts that conventionally mark a credential.
    static let nameMarkers = ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL", "WEBHOOK", "AUTH", "PRIVATE"]

    // Compiled once; NSRegularExpression is Sendable and safe to use from any thread.
    private static let shapes: [NSRegularExpression] = [
        #"(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{22,255})"#,
        #"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}"#,
        #"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"#,
        #"(?<![A-Za-z0-9_.])hv[sb]\.[A-Za-z0-9_-]{24,}"#,
        #"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"#,
        #"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY"#,
        #"(?i)\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{16,}"#,
    ].map { try! NSRegularExpression(pattern: $0) }
    static let minimumShapeLength = 15

    /// Whether a variable or key named `name` conventionally holds a credential.
    public static func looksLikeCredentialName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return nameMarkers.contains { upper.contains($0) }
    }

    /// Whether `text` contains something shaped like a credential (a known token format, or an
    /// `Authorization`-style `Bearer`/`Basic`/`token` word followed by a long opaque value).
    public static func containsCredential(_ text: String) -> Bool {
        // The shortest shape above (`xoxb-` and ten characters) is 15 bytes long: shorter text,
        // such as most step ids and action names a runbook holds, cannot match any of them.
        guard text.utf8.count >= minimumShapeLength else { return false }
        let range = NSRange(text.startIndex..., in: text)
        return shapes.contains { $0.firstMatch(in: text, range: range) != nil }
    }
}
