import Foundation

/// Why a secret reference could not be parsed or resolved.
///
/// A `SecretError` names the reference (which is never secret) and says what to do about the
/// problem. It never carries a secret value: every message is built from the reference text,
/// paths, modes, sizes and variable names only.
public struct SecretError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, stable enough to branch on and to show in machine-readable output.
    public enum Code: String, Sendable {
        /// The text starts with `secret:` but is not a well-formed reference.
        case malformedReference
        /// The referenced variable or file does not exist.
        case notFound
        /// The secret file grants permissions to group or others.
        case unsafePermissions
        /// The secret exists but cannot be read (not a regular file, too large, not UTF-8, I/O error…).
        case unreadable
        /// No configured source can resolve this kind of reference.
        case unsupportedSource
        /// The secret exists but is empty.
        case empty
    }

    /// The kind of failure.
    public var code: Code
    /// The reference text (for example `secret:env:SLACK_WEBHOOK_URL`); never a secret value.
    public var reference: String
    /// A human-readable explanation that says what to do; never contains a secret value.
    public var message: String

    /// Creates an error. `message` must not contain a secret value.
    public init(_ code: Code, reference: String, message: String) {
        self.code = code
        self.reference = reference
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

extension SecretError: LocalizedError {
    /// The message, so that `localizedDescription` is useful on every platform.
    public var errorDescription: String? { message }
}
