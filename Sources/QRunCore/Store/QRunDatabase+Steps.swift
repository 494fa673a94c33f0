import Foundation
import GRDB

extension QRunDatabase {
    /// Applies a batch in one IMMEDIATE transaction. If any part fails (an audit event included),
    /// nothing is committed, so the caller must not act on it.
    public func commit(_ batch: StoreBatch) throws(StoreError) {
        guard !batch.isEmpty else { return }
        let now = Timestamp.format(Date())
        try write { db in
            // Progress is recorded only by the run's owner, checked in this same transaction.
            var checked: String? = nil
            for op in batch.operations {
                let runID: String
                switch op {
                case .runStatus(let id, _, _), .consumeApproval(let id, _): runID = id
                case .step(let s): runID = s.runID
                case .attemptStarted(let a), .attemptEnded(let a): runID = a.runID
                case .audit: continue
                }
                if runID != checked {
                    try checkLease(db, runID: runID)
                    checked = runID
                }
            }
            var chain: ChainHead? = nil
            for op in batch.operations {
                switch op {
                case .runStatus(let runID, let status, let finished):
                    try db.cachedStatement(sql: "UPDATE runs SET status = ?, updated_at = ?, finished_at = COALESCE(finished_at, ?) WHERE id = ?")
                        .execute(arguments: [status.rawValue, now, finished ? now : nil, runID])
                case .step(let s):
                    try db.cachedStatement(sql: """
                        UPDATE steps SET status = ?, attempt = ?, failures = ?, outputs = ?, error = ?, next_attempt_at = ?,
                                         started_at = ?, finished_at = ?, attempt_started_at = ?, attempt_summary = ?, attempt_retryable = ?
                        WHERE run_id = ? AND step_id = ?
                        """).execute(arguments: [s.status.rawValue, s.attempt, s.failures, cleanJSON(s.outputs), clean(s.error),
                                                 Self.text(s.nextAttemptAt), Self.text(s.startedAt), Self.text(s.finishedAt),
                                                 Self.text(s.attemptStartedAt), clean(s.attemptSummary), s.attemptRetryable.map { $0 ? 1 : 0 },
                                                 s.runID, s.stepID])
                case .attemptStarted(let a):
                    try db.cachedStatement(sql: """
                        INSERT OR REPLACE INTO step_attempts (run_id, step_id, attempt, verb, status, started_at, summary)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [a.runID, a.stepID, a.attempt, a.verb, a.status, Self.text(a.startedAt), clean(a.summary)])
                case .attemptEnded(let a):
                    // An attempt a later one supersedes (retried, interrupted), in one row written
                    // once; its start is the one the step row recorded for it, when it did.
                    try db.cachedStatement(sql: """
                        INSERT OR REPLACE INTO step_attempts (run_id, step_id, attempt, verb, status, started_at, finished_at, error, retryable, summary)
                        VALUES (?, ?, ?, ?, ?, COALESCE((SELECT attempt_started_at FROM steps WHERE run_id = ? AND step_id = ? AND attempt = ?), ?),
                                ?, ?, ?, ?)
                        """).execute(arguments: [a.runID, a.stepID, a.attempt, a.verb, a.status, a.runID, a.stepID, a.attempt, Self.text(a.startedAt),
                                                 Self.text(a.finishedAt), clean(a.error), a.retryable.map { $0 ? 1 : 0 }, clean(a.summary)])
                case .consumeApproval(let runID, let stepID):
                    try db.execute(sql: "UPDATE approvals SET consumed = 1 WHERE run_id = ? AND step_id = ?", arguments: [runID, stepID])
                case .audit(let draft):
                    chain = try appendAudit(db, draft, head: chain, now: now)
                }
            }
        }
    }

    /// Steps of a run in runbook order.
    public func steps(runID: String) throws(StoreError) -> [StepRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.stepColumns) FROM steps WHERE run_id = ? ORDER BY position", arguments: [runID]).map { try Self.step(from: $0) }
        }
    }

    /// Attempts of a run, oldest first: the superseded ones from `step_attempts`, and each step's
    /// last attempt from its row (`running` while in flight).
    public func attempts(runID: String) throws(StoreError) -> [AttemptRecord] {
        try read { db in
            var attempts = try Row.fetchAll(db, sql: """
                SELECT run_id, step_id, attempt, verb, status, started_at, finished_at, error, retryable, summary
                FROM step_attempts WHERE run_id = ? ORDER BY started_at, step_id, attempt
                """, arguments: [runID]).map { row in
                AttemptRecord(runID: row[0], stepID: row[1], attempt: row[2], verb: row[3], status: row[4],
                              startedAt: Self.date(row[5]) ?? Date(timeIntervalSince1970: 0), finishedAt: Self.date(row[6]),
                              error: row[7], retryable: (row[8] as Int?).map { $0 != 0 }, summary: row[9])
            }
            let last = try Row.fetchAll(db, sql: """
                SELECT s.step_id, s.attempt, s.status, s.attempt_started_at, s.finished_at, s.error, s.attempt_retryable, s.attempt_summary, r.mode
                FROM steps s JOIN runs r ON r.id = s.run_id
                WHERE s.run_id = ? AND s.attempt > 0 AND s.attempt_started_at IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM step_attempts a WHERE a.run_id = s.run_id AND a.step_id = s.step_id AND a.attempt = s.attempt)
                """, arguments: [runID])
            for row in last {
                let stepStatus: String = row[2]
                let mode: String = row[8]
                // A step waiting for its retry ended its last attempt failed.
                let status = stepStatus == StepStatus.retryWait.rawValue ? "failed" : stepStatus
                let running = stepStatus == StepStatus.running.rawValue
                attempts.append(AttemptRecord(runID: runID, stepID: row[0], attempt: row[1], verb: mode == RunMode.drill.rawValue ? "plan" : "apply",
                                              status: status, startedAt: Self.date(row[3]) ?? Date(timeIntervalSince1970: 0),
                                              finishedAt: running ? nil : Self.date(row[4]), error: running || status == "succeeded" ? nil : row[5],
                                              retryable: (row[6] as Int?).map { $0 != 0 }, summary: row[7]))
            }
            attempts.sort { ($0.startedAt, $0.stepID, $0.attempt) < ($1.startedAt, $1.stepID, $1.attempt) }
            return attempts
        }
    }

    /// Records an approval or rejection for a step that is waiting for one.
    ///
    /// `timeout` is the step's `timeout` from the run's pinned runbook: once its
    /// ``ApprovalWindow`` has closed the decision is refused (the run's owner rejects the step),
    /// so no decision is ever answered as taken and then ignored.
    ///
    /// Under `policy`, the decision counts only from a listed approver, never from the principal
    /// that started the run unless the step allows it, and an approval takes effect once `minimum`
    /// distinct principals approved (one rejection takes effect at once). Returns how many
    /// approvals the step has and needs.
    @discardableResult
    public func recordApproval(runID: String, stepID: String, approved: Bool, actor: String, comment: String?,
                               timeout: Duration?, policy: ApprovalPolicy = ApprovalPolicy(allowSelf: true),
                               now: Date = Date()) throws(StoreError) -> (approvals: Int, needed: Int, decided: Bool) {
        try write { db in
            guard let run = try Row.fetchOne(db, sql: "SELECT status, trigger FROM runs WHERE id = ?", arguments: [runID]) else {
                throw StoreError(.notFound, "no run with id \(runID); `qrun runs list` shows the runs")
            }
            let runStatus: String = run["status"]
            guard let row = try Row.fetchOne(db, sql: "SELECT status, action, started_at FROM steps WHERE run_id = ? AND step_id = ?", arguments: [runID, stepID]) else {
                let names = try String.fetchAll(db, sql: "SELECT step_id FROM steps WHERE run_id = ? AND status = 'waiting_approval'", arguments: [runID])
                throw StoreError(.notFound, "run \(runID) has no step '\(stepID)'" + (names.isEmpty ? "" : "; waiting for approval: \(names.joined(separator: ", "))"))
            }
            let status: String = row["status"]
            guard status == StepStatus.waitingApproval.rawValue, !(RunStatus(rawValue: runStatus)?.isTerminal ?? true) else {
                throw StoreError(.invalidState, "step '\(stepID)' of run \(runID) is not waiting for approval (it is \(status.replacingOccurrences(of: "_", with: " ")))")
            }
            if try Row.fetchOne(db, sql: "SELECT 1 FROM approvals WHERE run_id = ? AND step_id = ?", arguments: [runID, stepID]) != nil {
                throw StoreError(.conflict, "step '\(stepID)' of run \(runID) already has a decision")
            }
            if let window = ApprovalWindow(startedAt: Self.date(row["started_at"]), timeout: timeout), window.isClosed(at: now) {
                throw StoreError(.invalidState, "the approval window of step '\(stepID)' of run \(runID) closed at \(Timestamp.format(window.closesAt)) "
                    + "(\(DurationParser.format(window.timeout)) after it began waiting), so no decision was recorded; "
                    + "the step fails as rejected when the run resumes: qrun resume \(runID)")
            }
            let principal = ApprovalPolicy.principal(of: actor)
            if !policy.approvers.isEmpty, !policy.approvers.contains(principal) {
                throw StoreError(.forbidden, "\(principal) is not an approver of step '\(stepID)' (approvers: \(policy.approvers.joined(separator: ", "))); nothing was recorded")
            }
            let trigger = (try? Value.parseJSON(run["trigger"] as String)) ?? .null
            let starter = trigger["actor"]?.stringValue.map(ApprovalPolicy.principal(of:))
            if approved, !policy.allowSelf, starter == principal {
                throw StoreError(.forbidden, "\(principal) started run \(runID) and so may not approve it (separation of duties; the step would need allow_self: true); another approver must decide")
            }
            if try Row.fetchOne(db, sql: "SELECT 1 FROM approval_votes WHERE run_id = ? AND step_id = ? AND principal = ?",
                                arguments: [runID, stepID, principal]) != nil {
                throw StoreError(.conflict, "\(principal) has already decided step '\(stepID)' of run \(runID)")
            }
            let at = Timestamp.format(now)
            try db.execute(sql: "INSERT INTO approval_votes (run_id, step_id, principal, decision, comment, decided_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [runID, stepID, principal, approved ? "approved" : "rejected", clean(comment), at])
            let approvals = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM approval_votes WHERE run_id = ? AND step_id = ? AND decision = 'approved'",
                                             arguments: [runID, stepID]) ?? 0
            let decided = !approved || approvals >= policy.minimum
            let common: [String: Value] = ["step": .string(stepID), "comment": comment.map(Value.string) ?? .null, "principal": .string(principal),
                                           "approvals": .int(approvals), "needed": .int(policy.minimum)]
            guard decided else {
                try appendAudit(db, AuditDraft(runID: runID, kind: "approval.vote", actor: actor, data: .object(common)))
                return (approvals, policy.minimum, false)
            }
            let deciders = try String.fetchAll(db, sql: "SELECT principal FROM approval_votes WHERE run_id = ? AND step_id = ? AND decision = ? ORDER BY decided_at",
                                               arguments: [runID, stepID, approved ? "approved" : "rejected"])
            let recordedActor = approved && policy.minimum > 1 ? deciders.joined(separator: ",") : actor
            try db.execute(sql: "INSERT INTO approvals (run_id, step_id, decision, actor, comment, decided_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [runID, stepID, approved ? "approved" : "rejected", recordedActor, clean(comment), at])
            try appendAudit(db, AuditDraft(runID: runID, kind: approved ? "approval.granted" : "approval.rejected", actor: actor, data: .object(common)))
            return (approvals, policy.minimum, true)
        }
    }

    /// Decisions not yet acted on, and whether cancel was requested: what a run's owner polls.
    public func pendingSignals(runID: String) throws(StoreError) -> (cancel: Bool, approvals: [ApprovalRecord]) {
        try read { db in
            let cancel = try Int.fetchOne(db, sql: "SELECT cancel_requested FROM runs WHERE id = ?", arguments: [runID]) ?? 0
            let approvals = try Row.fetchAll(db, sql: "SELECT * FROM approvals WHERE run_id = ? AND consumed = 0", arguments: [runID]).map { row in
                ApprovalRecord(runID: row["run_id"], stepID: row["step_id"], approved: (row["decision"] as String) == "approved",
                               actor: row["actor"], comment: row["comment"], decidedAt: Self.date(row["decided_at"]) ?? Date())
            }
            return (cancel != 0, approvals)
        }
    }

    /// Every approval decision of a run.
    public func approvals(runID: String) throws(StoreError) -> [ApprovalRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM approvals WHERE run_id = ? ORDER BY decided_at", arguments: [runID]).map { row in
                ApprovalRecord(runID: row["run_id"], stepID: row["step_id"], approved: (row["decision"] as String) == "approved",
                               actor: row["actor"], comment: row["comment"], decidedAt: Self.date(row["decided_at"]) ?? Date())
            }
        }
    }

    /// The columns ``step(from:)`` reads, by index (no lookup by name per row).
    static let stepColumns = """
        run_id, step_id, phase, position, action, status, attempt, failures, outputs, error, next_attempt_at, started_at, finished_at,
        attempt_started_at, attempt_summary, attempt_retryable
        """

    static func step(from row: Row) throws -> StepRecord {
        let runID: String = row[0]
        let stepID: String = row[1]
        let phaseText: String = row[2]
        let statusText: String = row[5]
        let outputs: String? = row[8]
        guard let phase = StepSpec.Phase(rawValue: phaseText), let status = StepStatus(rawValue: statusText) else {
            throw StoreError(.corrupt, "step \(stepID) of run \(runID) has an unknown phase or status in the state database; the database was altered or damaged, so qrun does not act on it")
        }
        return StepRecord(runID: runID, stepID: stepID, phase: phase,
                          position: row[3], action: row[4], status: status,
                          attempt: row[6], failures: row[7], outputs: outputs.flatMap { $0 == "{}" ? .object([:]) : try? Value.parseJSON($0) },
                          error: row[9], nextAttemptAt: date(row[10]), startedAt: date(row[11]), finishedAt: date(row[12]),
                          attemptStartedAt: date(row[13]), attemptSummary: row[14], attemptRetryable: (row[15] as Int?).map { $0 != 0 })
    }
}
