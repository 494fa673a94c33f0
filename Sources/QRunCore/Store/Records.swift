import Foundation

/// How a run calls its actions.
public enum RunMode: String, Sendable, Codable {
    /// Real changes.
    case apply
    /// Plan only: read-only checks, no side effects (`qrun drill`).
    case drill
}

/// A run as stored.
public struct RunRecord: Sendable {
    public var id: String
    public var runbook: String
    public var runbookVersion: Int
    public var runbookSHA256: String
    public var mode: RunMode
    public var status: RunStatus
    public var inputs: Value
    /// Who or what started it: `{source: cli|event|alert|schedule, actor, …}`.
    public var trigger: Value
    public var concurrencyKey: String?
    public var cancelRequested: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?
}

/// A step of a run as stored.
public struct StepRecord: Sendable {
    public var runID: String
    public var stepID: String
    public var phase: StepSpec.Phase
    public var position: Int
    public var action: String
    public var status: StepStatus
    public var attempt: Int
    public var failures: Int
    /// Redacted outputs (secret outputs are stored only as references).
    public var outputs: Value?
    /// Why it failed, was skipped or cancelled.
    public var error: String?
    public var nextAttemptAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// When the step's last attempt began (nil when it made none: skipped, approval, not started).
    public var attemptStartedAt: Date? = nil
    /// The last attempt's redacted request summary, once it succeeded.
    public var attemptSummary: String? = nil
    /// Whether the last attempt's failure may succeed on a retry.
    public var attemptRetryable: Bool? = nil
}

/// One attempt of a step.
public struct AttemptRecord: Sendable {
    public var runID: String
    public var stepID: String
    public var attempt: Int
    public var verb: String
    /// running, succeeded, failed, interrupted, skipped
    public var status: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var error: String?
    public var retryable: Bool?
    /// Redacted summary of the request made (for the audit and report).
    public var summary: String?
}

/// An operator's approval decision.
public struct ApprovalRecord: Sendable {
    public var runID: String
    public var stepID: String
    public var approved: Bool
    public var actor: String
    public var comment: String?
    public var decidedAt: Date
}

/// One link of the tamper-evident audit chain.
public struct AuditEvent: Sendable {
    public var seq: Int64
    public var ts: String
    public var runID: String?
    public var kind: String
    public var actor: String
    /// Canonical JSON text of the event's data (redacted).
    public var data: String
    public var prevHash: String
    public var hash: String

    /// The chain's first `prev_hash`.
    public static let genesis = String(repeating: "0", count: 64)

    /// The hash this event must have, given its fields.
    public static func computeHash(seq: Int64, ts: String, runID: String?, kind: String, actor: String, data: String, prevHash: String) -> String {
        var text = prevHash
        text += "\n\(seq)\n\(ts)\n\(runID ?? "")\n\(kind)\n\(actor)\n"
        text += data
        return Digest.sha256Hex(text)
    }

    /// The event as one JSON object (for export).
    public var json: Value {
        var o: [String: Value] = ["seq": .int(Int(seq)), "ts": .string(ts), "kind": .string(kind), "actor": .string(actor),
                                  "prev_hash": .string(prevHash), "hash": .string(hash)]
        o["run_id"] = runID.map(Value.string) ?? .null
        o["data"] = (try? Value.parseJSON(data)) ?? .string(data)
        return .object(o)
    }
}

/// An audit event to append; the store assigns sequence, time and hashes.
public struct AuditDraft: Sendable {
    public var runID: String?
    public var kind: String
    public var actor: String
    public var data: Value

    public init(runID: String?, kind: String, actor: String, data: Value = .object([:])) {
        self.runID = runID
        self.kind = kind
        self.actor = actor
        self.data = data
    }
}
