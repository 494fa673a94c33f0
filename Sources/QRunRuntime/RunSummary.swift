import Foundation
import QRunCore

/// The JSON shape of a run for `run --json`, `runs show --json` and the last JSON line.
public enum RunSummary {
    public static func json(run: RunRecord, steps: [StepRecord], includeOutputs: Bool = true) -> Value {
        var o: [String: Value] = [
            "run_id": .string(run.id), "status": .string(run.status.rawValue), "runbook": .string(run.runbook),
            "version": .int(run.runbookVersion), "runbook_sha256": .string(run.runbookSHA256), "mode": .string(run.mode.rawValue),
            "inputs": run.inputs, "trigger": run.trigger, "created_at": .string(Timestamp.format(run.createdAt)),
            "cancel_requested": .bool(run.cancelRequested),
        ]
        o["concurrency_key"] = run.concurrencyKey.map(Value.string) ?? .null
        o["finished_at"] = run.finishedAt.map { .string(Timestamp.format($0)) } ?? .null
        o["steps"] = .array(steps.map { s in
            var so: [String: Value] = ["id": .string(s.stepID), "action": .string(s.action), "phase": .string(s.phase.rawValue),
                                       "status": .string(s.status.rawValue), "attempt": .int(s.attempt)]
            so["error"] = s.error.map(Value.string) ?? .null
            so["started_at"] = s.startedAt.map { .string(Timestamp.format($0)) } ?? .null
            so["finished_at"] = s.finishedAt.map { .string(Timestamp.format($0)) } ?? .null
            if includeOutputs { so["outputs"] = s.outputs ?? .null }
            return .object(so)
        })
        return .object(o)
    }

    /// One line of `qrun runs list --json` (and `GET /v1/runs`).
    public static func listEntry(_ r: RunRecord) -> Value {
        .object(["run_id": .string(r.id), "status": .string(r.status.rawValue), "runbook": .string(r.runbook),
                 "version": .int(r.runbookVersion), "mode": .string(r.mode.rawValue),
                 "created_at": .string(Timestamp.format(r.createdAt)),
                 "finished_at": r.finishedAt.map { .string(Timestamp.format($0)) } ?? .null])
    }

    /// `qrun runs show --json` (and `GET /v1/runs/{id}`): the run, its steps, attempts,
    /// approvals and triggers.
    public static func detail(run: RunRecord, database db: QRunDatabase) throws -> Value {
        let runID = run.id
        var o = json(run: run, steps: try db.steps(runID: runID)).objectValue ?? [:]
        o["attempts"] = .array(try db.attempts(runID: runID).map { a in
            .object(["step": .string(a.stepID), "attempt": .int(a.attempt), "verb": .string(a.verb), "status": .string(a.status),
                     "started_at": .string(Timestamp.format(a.startedAt)),
                     "finished_at": a.finishedAt.map { .string(Timestamp.format($0)) } ?? .null,
                     "error": a.error.map(Value.string) ?? .null, "summary": a.summary.map(Value.string) ?? .null])
        })
        o["approvals"] = .array(try db.approvals(runID: runID).map { a in
            .object(["step": .string(a.stepID), "approved": .bool(a.approved), "actor": .string(a.actor),
                     "comment": a.comment.map(Value.string) ?? .null, "at": .string(Timestamp.format(a.decidedAt))])
        })
        o["triggers"] = .array(try db.triggers(runID: runID))
        return .object(o)
    }

    /// A few lines for a person at the end of a run.
    public static func text(run: RunRecord, steps: [StepRecord]) -> String {
        var counts: [StepStatus: Int] = [:]
        for s in steps { counts[s.status, default: 0] += 1 }
        let parts = StepStatus.allCases.compactMap { st in counts[st].map { "\($0) \(st.rawValue.replacingOccurrences(of: "_", with: " "))" } }
        var line = "run \(run.id) \(run.status.rawValue) (\(parts.joined(separator: ", ")))"
        if let f = run.finishedAt {
            line += " in \(DurationParser.format(.milliseconds(Int64(f.timeIntervalSince(run.createdAt) * 1000))))"
        }
        switch run.status {
        case .waiting:
            let waiting = steps.filter { $0.status == .waitingApproval }.map(\.stepID)
            line += "\n  waiting for approval of \(waiting.joined(separator: ", ")): qrun approve \(run.id) \(waiting.first ?? "STEP"), then qrun resume \(run.id)"
        case .failed:
            for s in steps where s.status == .failed { line += "\n  \(s.stepID) failed: \(s.error ?? "")" }
        case .running, .pending:
            line += "\n  continue with: qrun resume \(run.id)"
        default: break
        }
        return line
    }
}
