import Foundation
import QRunCore

/// A failed AWS call: the service's error code and message, or a transport failure.
///
/// Actions look at ``code`` to recognise outcomes that are not failures for them (`NoSuchEntity`
/// after their own delete, `ConflictException` on a task that is already cancelling) and turn the
/// rest into an ``ActionError`` with ``actionError``.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    /// `IAM`, `Secrets Manager`, `Braket`…
    public var service: String
    /// The operation, e.g. `UpdateAccessKey`.
    public var operation: String
    /// The HTTP status, nil for transport failures.
    public var status: Int?
    /// The AWS error code (`NoSuchEntity`, `ResourceNotFoundException`…), or `Transport`.
    public var code: String
    /// The service's message (never contains request secrets).
    public var message: String
    /// Whether trying again may help.
    public var retryable: Bool
    /// The server's `Retry-After`, when given.
    public var retryAfter: Duration?

    /// Codes that mean "slow down" or "try again" whatever the status.
    static let retryableCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestThrottledException",
        "TooManyRequestsException", "RequestLimitExceeded", "SlowDown", "ServiceUnavailable", "ServiceUnavailableException",
        "InternalFailure", "InternalError", "InternalServiceException", "InternalServiceError", "RequestTimeout",
        "RequestTimeoutException", "PriorRequestNotComplete", "EC2ThrottledException",
    ]

    /// Codes that mean the caller's own credentials were refused.
    static let credentialCodes: Set<String> = [
        "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "IncompleteSignature",
        "MissingAuthenticationToken", "MissingAuthenticationTokenException", "InvalidSignatureException",
        "ExpiredToken", "ExpiredTokenException", "AuthFailure",
    ]

    /// An error answered by the service.
    init(service: String, operation: String, status: Int, code: String, message: String, retryAfter: Duration?) {
        self.service = service
        self.operation = operation
        self.status = status
        self.code = code.isEmpty ? "HTTP\(status)" : code
        self.message = message
        self.retryable = HTTPResponse.isRetryable(status: status) || Self.retryableCodes.contains(code)
        self.retryAfter = retryAfter
    }

    /// A transport failure (timeout, refused connection…), classified by the transport.
    init(service: String, operation: String, transport: ActionError) {
        self.service = service
        self.operation = operation
        self.status = nil
        self.code = "Transport"
        self.message = transport.message
        self.retryable = transport.retryable
        self.retryAfter = transport.retryAfter
    }

    /// Whether AWS refused the caller's own credentials.
    public var isCredentialProblem: Bool { Self.credentialCodes.contains(code) }

    /// `IAM UpdateAccessKey failed: NoSuchEntity (HTTP 404): The access key … cannot be found.`
    public var description: String {
        if status == nil { return "\(service) \(operation) failed: \(message)" }
        var s = "\(service) \(operation) failed: \(code) (HTTP \(status!))"
        if !message.isEmpty { s += ": \(message)" }
        if isCredentialProblem {
            s += " — AWS refused qrun's credentials; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or providers.aws.access_key_id / secret_access_key) and the clock"
        }
        return s
    }

    /// The error as an ``ActionError`` with the same retry advice.
    public var actionError: ActionError {
        ActionError(message: description, retryable: retryable, retryAfter: retryAfter)
    }
}
