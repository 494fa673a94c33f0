import Foundation

/// Everything an action gets for one call: rendered parameters, identity and secret access.
public struct ActionCall: Sendable {
    public var runID: String
    public var stepID: String
    public var attempt: Int
    /// Stable across retries and resumes of this step in this run.
    public var idempotencyKey: String
    public var verb: ActionVerb
    /// Parameters with expressions rendered; secret references are still references.
    public var params: [String: Value]
    /// Timeout given to the step, if any (the engine enforces it too).
    public var timeout: Duration?
    public var secrets: SecretResolver
    /// Which whole-value references in ``params`` were written by a trusted author and may be
    /// resolved; every other string that looks like a reference is data (see
    /// ``SecretReferencePolicy``). The engine sets it for every step.
    public var references: SecretReferencePolicy
    /// Writes one line to the step's log (redacted by the sink).
    public var log: @Sendable (String) -> Void

    public init(runID: String, stepID: String, attempt: Int, idempotencyKey: String, verb: ActionVerb,
                params: [String: Value], timeout: Duration?, secrets: SecretResolver,
                references: SecretReferencePolicy = .everyReference, log: @escaping @Sendable (String) -> Void) {
        self.runID = runID
        self.stepID = stepID
        self.attempt = attempt
        self.idempotencyKey = idempotencyKey
        self.verb = verb
        self.params = params
        self.timeout = timeout
        self.secrets = secrets
        self.references = references
        self.log = log
    }

    /// A string parameter (numbers and booleans are given as text).
    public func string(_ name: String) throws(ActionError) -> String? {
        guard let v = params[name], !v.isNull else { return nil }
        switch v {
        case .string(let s): return s
        case .int, .double, .bool: return v.interpolationText
        default: throw .invalid("parameter '\(name)' must be a string, not a \(v.typeName)")
        }
    }

    /// A required string parameter.
    public func requiredString(_ name: String) throws(ActionError) -> String {
        guard let s = try string(name), !s.isEmpty else { throw .invalid("parameter '\(name)' is required") }
        return s
    }

    /// A duration parameter.
    public func duration(_ name: String) throws(ActionError) -> Duration? {
        guard let s = try string(name) else { return nil }
        guard let d = DurationParser.parse(s) else { throw .invalid("parameter '\(name)' must be a duration like 30s, not '\(s)'") }
        return d
    }

    /// A parameter that may be a secret reference: resolved (and registered for masking) at this
    /// moment. A plain value is returned as is and flagged `isSecret: false`.
    public func resolved(_ name: String) async throws(ActionError) -> (text: String, isSecret: Bool)? {
        guard let text = try string(name) else { return nil }
        return try await resolve(text: text)
    }

    /// Resolves `text` (a whole parameter value, or a whole string inside one) when it is a secret
    /// reference the runbook author wrote; any other text, including data that only looks like a
    /// reference, is returned as is with `isSecret: false`.
    ///
    /// - Throws: ``ActionError`` when the reference cannot be resolved, or when the same text is
    ///   both a reference of the step and data rendered into it (qrun cannot tell them apart).
    public func resolve(text: String) async throws(ActionError) -> (text: String, isSecret: Bool) {
        switch references.decision(for: text) {
        case .data:
            return (text, false)
        case .ambiguous:
            throw ActionError(
                message: "a value rendered from an expression (an input, an alert, an event or a step output) has the text of a "
                    + "secret reference this step also uses; qrun resolves only references written in the runbook and cannot tell "
                    + "them apart, so it refused both. Pass a different value",
                retryable: false)
        case .resolve:
            return try await resolve(reference: text)
        }
    }

    /// Resolves a reference from a trusted origin other than the step's parameters (the workspace
    /// config); plain text is returned as is with `isSecret: false`.
    public func resolve(reference text: String) async throws(ActionError) -> (text: String, isSecret: Bool) {
        do {
            if let secret = try await secrets.resolve(text: text) { return (secret.reveal(), true) }
        } catch let e as SecretError {
            throw ActionError(message: e.message, retryable: false)
        } catch {
            throw ActionError(message: "cannot resolve secret reference: \(error)", retryable: false)
        }
        return (text, false)
    }
}
