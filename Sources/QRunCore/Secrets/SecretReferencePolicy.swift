/// Which whole-string values of one action call may be resolved as secret references.
///
/// A secret reference is a capability: resolving `secret:file:/etc/shadow` reads that file. So
/// only text the runbook author (or the workspace config, or an operator at the terminal) wrote
/// may be one. Values that arrive from outside — inputs rendered into a parameter, alert labels,
/// event fields, step outputs, `env.*` — are data: a value that merely *looks like* a reference
/// reaches the action as that plain text. See `docs/secrets.md`.
///
/// The engine builds the policy of each call from the step's parameters as written in the runbook
/// (``init(step:rendered:secretInputs:inputs:)``); calls built in code (tests, tools) use
/// ``everyReference``.
public struct SecretReferencePolicy: Sendable {
    /// What to do with one value.
    public enum Decision: Sendable, Equatable {
        /// A reference written by a trusted author: resolve it.
        case resolve
        /// Data: use the text as it is, never resolve it.
        case data
        /// The same text is both a trusted reference and data elsewhere in the call, so which one a
        /// given use is cannot be told: refuse (fail closed).
        case ambiguous
    }

    /// `nil`: every reference resolves.
    private let trusted: Set<String>?
    private let ambiguous: Set<String>

    /// Every whole-value reference resolves: for calls whose parameters all come from trusted code.
    public static let everyReference = SecretReferencePolicy(trusted: nil, ambiguous: [])

    /// A policy resolving exactly `trusted` and refusing `ambiguous`.
    public init(trusted: Set<String>?, ambiguous: Set<String>) {
        self.trusted = trusted
        self.ambiguous = ambiguous
    }

    /// The decision for `text`, a whole parameter value (or a whole string inside one).
    public func decision(for text: String) -> Decision {
        guard text.hasPrefix(SecretReference.prefix) else { return .data }
        guard let trusted else { return .resolve }
        if ambiguous.contains(text) { return .ambiguous }
        return trusted.contains(text) ? .resolve : .data
    }
}
