import Foundation

/// Changes that commit together in one SQLite transaction (group commit).
///
/// The executor puts a step's `running` transition and its audit event in the batch that commits
/// before the action is called; the results of steps that finished together share one batch.
public struct StoreBatch: Sendable {
    /// One change.
    public enum Operation: Sendable {
        case runStatus(runID: String, status: RunStatus, finished: Bool)
        case step(StepRecord)
        case attemptStarted(AttemptRecord)
        case attemptEnded(AttemptRecord)
        case consumeApproval(runID: String, stepID: String)
        case audit(AuditDraft)
    }

    public var operations: [Operation] = []

    public init() {}

    public var isEmpty: Bool { operations.isEmpty }

    public mutating func append(_ op: Operation) { operations.append(op) }

    public mutating func audit(_ runID: String?, _ kind: String, actor: String, _ data: Value = .object([:])) {
        operations.append(.audit(AuditDraft(runID: runID, kind: kind, actor: actor, data: data)))
    }
}
