import Foundation

/// One call of an action as the review lists it: which step and attempt, the redacted request
/// (the parameters the audit chain recorded when the attempt started) and what came back.
public struct ReviewAction: Sendable {
    public var step: String
    public var attempt: Int
    public var action: String
    /// apply, plan or verify.
    public var verb: String
    /// running, succeeded, failed, interrupted.
    public var status: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// The redacted parameters, as recorded in `step.started`.
    public var request: Value
    /// The action's own summary of what it did.
    public var result: String?
    public var error: String?
    public var retryable: Bool?

    /// Actions that change nothing outside qrun and are not listed as provider actions.
    public static let internalActions: Set<String> = ["core.noop", "core.sleep", "core.approval"]

    /// Every attempt of every step whose action reaches outside qrun, in the order they started.
    public static func list(steps: [StepRecord], attempts: [AttemptRecord], events: [AuditEvent]) -> [ReviewAction] {
        let actionOf = Dictionary(steps.map { ($0.stepID, $0.action) }, uniquingKeysWith: { a, _ in a })
        var requests: [String: Value] = [:]
        for e in events where e.kind == "step.started" {
            guard let d = try? Value.parseJSON(e.data), let step = d["step"]?.stringValue, let n = d["attempt"]?.intValue else { continue }
            requests["\(step)#\(n)"] = d["params"] ?? .null
        }
        let position = Dictionary(steps.map { ($0.stepID, $0.position) }, uniquingKeysWith: { a, _ in a })
        return attempts.compactMap { a in
            guard let action = actionOf[a.stepID], !internalActions.contains(action) else { return nil }
            return ReviewAction(step: a.stepID, attempt: a.attempt, action: action, verb: a.verb, status: a.status, startedAt: a.startedAt,
                                finishedAt: a.finishedAt, request: requests["\(a.stepID)#\(a.attempt)"] ?? .null, result: a.summary,
                                error: a.error, retryable: a.retryable)
        }.sorted { ($0.startedAt, position[$0.step] ?? 0, $0.attempt) < ($1.startedAt, position[$1.step] ?? 0, $1.attempt) }
    }

    /// In the review's JSON schema.
    public var json: Value {
        .object(["step": .string(step), "attempt": .int(attempt), "action": .string(action), "verb": .string(verb), "status": .string(status),
                 "started_at": .string(Timestamp.format(startedAt)), "finished_at": finishedAt.map { .string(Timestamp.format($0)) } ?? .null,
                 "request": request, "result": result.map(Value.string) ?? .null, "error": error.map(Value.string) ?? .null,
                 "retryable": retryable.map(Value.bool) ?? .null])
    }
}
