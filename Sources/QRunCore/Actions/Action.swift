import Foundation

/// The verbs an action answers to.
public enum ActionVerb: String, Sendable, Codable {
    /// Dry run: validation, read-only checks and a description of the change. No side effects.
    case plan
    /// The change, idempotent under the call's idempotency key.
    case apply
    /// Proof that the change took effect.
    case verify
}

/// A step's capability: revoke a key, send a request, pause for approval…
///
/// Implementations must be idempotent under ``ActionCall/idempotencyKey``: the engine calls
/// `apply` again with the same key after a crash or a retryable failure, and the second call
/// must detect the first one's effect instead of repeating it.
public protocol Action: Sendable {
    var descriptor: ActionDescriptor { get }
    /// Read-only checks and a description of what `apply` would change.
    func plan(_ call: ActionCall) async throws -> ActionResult
    /// The change.
    func apply(_ call: ActionCall) async throws -> ActionResult
    /// Proof of the effect; only called when ``ActionDescriptor/supportsVerify`` is true.
    func verify(_ call: ActionCall) async throws -> ActionResult
}

extension Action {
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        throw ActionError(message: "\(descriptor.name) cannot verify its effect", retryable: false)
    }
}

/// What an action returns.
public struct ActionResult: Sendable {
    /// Values downstream steps read as `steps.<id>.outputs.<name>`. Never secret values:
    /// a secret output is returned as a reference to where it lives.
    public var outputs: [String: Value]
    /// One line for people: what was done or would be done.
    public var summary: String

    public init(outputs: [String: Value] = [:], summary: String = "") {
        self.outputs = outputs
        self.summary = summary
    }
}

/// A failed action call. Whether a retry may help is part of the error, never guessed later.
public struct ActionError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// True for timeouts, 429, 5xx and connection failures; false for 4xx, validation, refusals.
    public var retryable: Bool
    /// A server's `Retry-After`, when given.
    public var retryAfter: Duration?

    public init(message: String, retryable: Bool, retryAfter: Duration? = nil) {
        self.message = message
        self.retryable = retryable
        self.retryAfter = retryAfter
    }

    public var description: String { message }

    /// A mistake in the step's parameters.
    public static func invalid(_ message: String) -> ActionError {
        ActionError(message: message, retryable: false)
    }
}
