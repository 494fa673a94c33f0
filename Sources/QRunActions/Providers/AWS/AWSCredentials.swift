import Foundation

/// An AWS access key pair, optionally with the session token of temporary credentials.
///
/// Printing or reflecting a value shows only the access key ID: the secret access key and the
/// session token never reach a description, a log line or an error.
public struct AWSCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The access key ID (`AKIA…` or `ASIA…`); an identifier, not a secret.
    public var accessKeyID: String
    /// The secret access key that signs requests.
    public var secretAccessKey: String
    /// The session token of temporary (STS) credentials, sent as `X-Amz-Security-Token`.
    public var sessionToken: String?

    /// Creates credentials.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// `AWSCredentials(AKIA…, secret: [secret])`.
    public var description: String {
        "AWSCredentials(\(accessKeyID), secret: [secret]\(sessionToken == nil ? "" : ", session token: [secret]"))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// Hides the secret fields from `dump` and mirrors.
    public var customMirror: Mirror { Mirror(self, children: ["accessKeyID": accessKeyID], displayStyle: .struct) }
}
