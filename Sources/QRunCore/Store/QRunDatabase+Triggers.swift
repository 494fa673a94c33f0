import Foundation
import GRDB

/// One run a trigger asks for: created, or attached to the open run holding its concurrency key.
public struct RunRequest: Sendable {
    public var id: String
    public var runbook: Runbook
    public var mode: RunMode
    public var inputs: Value
    /// What started it, stored with the run (`source`, `actor`, and `alert`/`event` for those).
    public var trigger: Value
    public var concurrencyKey: String?
    public var actor: String
    /// The alert instance it answers: a repeat of the same firing attaches to the run it started,
    /// even once that run has ended, instead of starting the containment again.
    public var alertInstance: AlertInstance?
    /// When set (alerts), a run with the same concurrency key that succeeded within this long
    /// absorbs the trigger: a storm that outlives a fast containment does not start it again.
    /// A run that failed or was cancelled absorbs nothing, so the next alert tries again.
    public var absorbWindow: Duration?

    public init(id: String, runbook: Runbook, mode: RunMode, inputs: Value, trigger: Value, concurrencyKey: String?,
                actor: String, alertInstance: AlertInstance? = nil) {
        self.id = id
        self.runbook = runbook
        self.mode = mode
        self.inputs = inputs
        self.trigger = trigger
        self.concurrencyKey = concurrencyKey
        self.actor = actor
        self.alertInstance = alertInstance
    }
}

/// An alert's identity across repeats: its fingerprint and when it began firing.
public struct AlertInstance: Sendable, Hashable {
    public var fingerprint: String
    public var startsAt: String

    public init(fingerprint: String, startsAt: String) {
        self.fingerprint = fingerprint
        self.startsAt = startsAt
    }
}

/// What an alert post brought, recorded before it is answered.
public struct AlertReceiptDraft: Sendable {
    /// `alertmanager` or `generic`.
    public var endpoint: String
    /// Who authenticated the post.
    public var principal: String
    /// A key that may be recorded once only (the HMAC signature of a signed post).
    public var replayKey: String?
    public var bodySHA256: String
    /// One entry per alert: labels, status, fingerprint and what became of it (filled in by the
    /// caller: `run_id`, `outcome`).
    public var alerts: [Value]

    public init(endpoint: String, principal: String, replayKey: String?, bodySHA256: String, alerts: [Value]) {
        self.endpoint = endpoint
        self.principal = principal
        self.replayKey = replayKey
        self.bodySHA256 = bodySHA256
        self.alerts = alerts
    }
}

/// A resolved alert, recorded against the run its firing started (or the open run of its key).
public struct ResolvedAlert: Sendable {
    public var runbook: String
    public var instance: AlertInstance?
    public var concurrencyKey: String?
    public var trigger: Value
    public var actor: String

    public init(runbook: String, instance: AlertInstance?, concurrencyKey: String?, trigger: Value, actor: String) {
        self.runbook = runbook
        self.instance = instance
        self.concurrencyKey = concurrencyKey
        self.trigger = trigger
        self.actor = actor
    }
}

extension QRunDatabase {
    /// What ``recordTrigger(receipt:runs:resolved:claim:)`` did.
    public struct TriggerRecord: Sendable {
        /// The receipt's sequence number, when a receipt was given.
        public var receipt: Int64?
        /// One per run request, in order.
        public var outcomes: [CreateOutcome]
        /// One per resolved alert: the run it was recorded against, if one was found.
        public var resolvedRuns: [String?]
    }

    /// Records a trigger in one transaction: the receipt (refused as a replay if its key was
    /// recorded before), the runs it creates or attaches to, and its resolved alerts. When
    /// `claim` is set, this process takes the lease of every run it creates in the same
    /// transaction, so no other process can start executing them first.
    public func recordTrigger(receipt: AlertReceiptDraft?, runs: [RunRequest], resolved: [ResolvedAlert] = [],
                              claim: Bool) throws(StoreError) -> TriggerRecord {
        let now = Timestamp.format(Date())
        let me = ProcessIdentity.current
        var claimed: [(String, String)] = []
        let record = try write { db -> TriggerRecord in
            claimed = []
            if let key = receipt?.replayKey,
               try Int.fetchOne(db, sql: "SELECT 1 FROM alert_receipts WHERE replay_key = ?", arguments: [key]) != nil {
                throw StoreError(.replay, "this signed alert was received before (same signature); a replay is never recorded twice")
            }
            var outcomes: [CreateOutcome] = []
            for request in runs {
                if let instance = request.alertInstance, let runID = try Self.instanceRun(db, runbook: request.runbook.name, instance),
                   let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [runID]) {
                    let existing = try Self.run(from: row)
                    try self.attach(db, run: existing, trigger: request.trigger, reason: ["alert_fingerprint": .string(instance.fingerprint)],
                                    inputs: request.inputs, actor: request.actor, now: now)
                    outcomes.append(.attached(existing))
                    continue
                }
                let outcome = try self.insertRun(db, id: request.id, runbook: request.runbook, mode: request.mode, inputs: request.inputs,
                                                 trigger: request.trigger, concurrencyKey: request.concurrencyKey, actor: request.actor, now: now,
                                                 absorbWindow: request.absorbWindow)
                let runID: String
                switch outcome {
                case .created(let r):
                    runID = r.id
                    if claim {
                        let token = UUID().uuidString.lowercased()
                        try Self.writeLease(db, runID: r.id, token: token, process: me, at: now)
                        claimed.append((r.id, token))
                    }
                case .attached(let r): runID = r.id
                }
                if let instance = request.alertInstance {
                    try db.execute(sql: "INSERT OR IGNORE INTO alert_instances (runbook, fingerprint, starts_at, run_id) VALUES (?, ?, ?, ?)",
                                   arguments: [request.runbook.name, instance.fingerprint, instance.startsAt, runID])
                }
                outcomes.append(outcome)
            }
            var resolvedRuns: [String?] = []
            for r in resolved {
                var runID: String?
                if let instance = r.instance {
                    runID = try Self.instanceRun(db, runbook: r.runbook, instance)
                }
                if runID == nil, let key = r.concurrencyKey {
                    runID = try String.fetchOne(db, sql: "SELECT id FROM runs WHERE concurrency_key = ? ORDER BY created_at DESC LIMIT 1", arguments: [key])
                }
                if let runID {
                    try db.execute(sql: "INSERT INTO run_triggers (run_id, at, source, data) VALUES (?, ?, ?, ?)",
                                   arguments: [runID, now, "alert", self.cleanJSON(r.trigger)])
                    try self.appendAudit(db, AuditDraft(runID: runID, kind: "alert.resolved", actor: r.actor, data: ["trigger": r.trigger]))
                }
                resolvedRuns.append(runID)
            }
            var seq: Int64?
            if let receipt {
                try db.execute(sql: """
                    INSERT INTO alert_receipts (received_at, endpoint, principal, replay_key, body_sha256, alerts, outcome)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [now, receipt.endpoint, receipt.principal, receipt.replayKey, receipt.bodySHA256,
                                     receipt.alerts.count, self.cleanJSON(.array(receipt.alerts))])
                seq = db.lastInsertedRowID
                try self.appendAudit(db, AuditDraft(runID: nil, kind: "alert.received", actor: "alert:\(receipt.principal)", data: [
                    "endpoint": .string(receipt.endpoint), "receipt": .int(Int(db.lastInsertedRowID)),
                    "body_sha256": .string(receipt.bodySHA256), "alerts": .array(receipt.alerts),
                ]))
            }
            return TriggerRecord(receipt: seq, outcomes: outcomes, resolvedRuns: resolvedRuns)
        }
        if !claimed.isEmpty {
            leases.withLock { for (run, token) in claimed { $0[run] = token } }
        }
        return record
    }

    /// The run that the firing `instance` of an alert started for `runbook`, if any.
    static func instanceRun(_ db: Database, runbook: String, _ instance: AlertInstance) throws -> String? {
        try String.fetchOne(db, sql: "SELECT run_id FROM alert_instances WHERE runbook = ? AND fingerprint = ? AND starts_at = ?",
                            arguments: [runbook, instance.fingerprint, instance.startsAt])
    }

    /// Attaches a trigger to an existing run (open or ended): recorded with the run and audited.
    func attach(_ db: Database, run: RunRecord, trigger: Value, reason: [String: Value], inputs: Value, actor: String, now: String) throws {
        try db.execute(sql: "INSERT INTO run_triggers (run_id, at, source, data) VALUES (?, ?, ?, ?)",
                       arguments: [run.id, now, trigger["source"]?.stringValue ?? "cli", cleanJSON(trigger)])
        var data = reason
        data["trigger"] = trigger
        data["inputs"] = inputs
        try appendAudit(db, AuditDraft(runID: run.id, kind: "trigger.attached", actor: actor, data: .object(data)))
    }

    /// How many alert posts have been recorded (for tests and `serve --check`).
    public func alertReceiptCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert_receipts") ?? 0 }
    }
}
