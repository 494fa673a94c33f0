/// How bad a found credential is, ordered so that thresholds compare (`--fail-on high`).
///
/// - `critical`: a long-lived secret with broad account reach and no expiry (AWS access keys,
///   IBM Quantum/IBM Cloud API keys, Azure client secrets, service account or other private keys).
/// - `high`: a long-lived or refreshable credential with narrower reach (Vault, GitHub, Slack,
///   registry and cluster credentials, refresh tokens, `.env` secrets).
/// - `medium`: a credential that expires on its own within hours (session credentials, access
///   tokens, JWTs with a near `exp`) but is usable until then.
/// - `low`: kept for thresholds; no rule reports it today (examples, placeholders and template
///   values are not reported at all, see ``PreflightPlaceholder``).
public enum PreflightSeverity: String, Sendable, CaseIterable, Comparable, Codable {
    case low, medium, high, critical

    private var rank: Int {
        switch self {
        case .low: return 0
        case .medium: return 1
        case .high: return 2
        case .critical: return 3
        }
    }

    public static func < (a: PreflightSeverity, b: PreflightSeverity) -> Bool { a.rank < b.rank }

    /// Parses a threshold given by a person (`HIGH`, `high`); nil for anything else.
    public init?(parsing text: String) {
        self.init(rawValue: text.lowercased())
    }
}
