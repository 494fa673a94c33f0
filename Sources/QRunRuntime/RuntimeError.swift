import QRunCore

/// A problem the runtime reports to whoever asked (a person at the CLI, a webhook sender): one
/// sentence, with a kind that callers map to an exit status or an HTTP status.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The request itself is wrong (unknown runbook, bad flag or setting).
        case usage
        /// The runbook, its inputs or the config are not valid.
        case invalidInput
        /// The state or the workspace cannot be trusted or used.
        case state
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
