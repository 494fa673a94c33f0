import Foundation

/// The post-incident review of one run: what started it, what each step did and when, who
/// approved what, how long containment took, and whether the audit chain is intact.
public struct IncidentReport: Sendable {
    public var run: RunRecord
    public var runbook: Runbook?
    public var steps: [StepRecord]
    public var attempts: [AttemptRecord]
    public var approvals: [ApprovalRecord]
    public var triggers: [Value]
    public var events: [AuditEvent]
    public var chain: AuditVerification

    public init(run: RunRecord, runbook: Runbook?, steps: [StepRecord], attempts: [AttemptRecord], approvals: [ApprovalRecord],
                triggers: [Value], events: [AuditEvent], chain: AuditVerification) {
        self.run = run
        self.runbook = runbook
        self.steps = steps
        self.attempts = attempts
        self.approvals = approvals
        self.triggers = triggers
        self.events = events
        self.chain = chain
    }

    /// From the run's creation to the end of its last main-phase step that succeeded; nil while
    /// nothing has been contained.
    public var timeToContain: Duration? {
        let ends = steps.filter { $0.phase == .main && $0.status == .succeeded }.compactMap(\.finishedAt)
        guard let last = ends.max() else { return nil }
        return .milliseconds(Int64(last.timeIntervalSince(run.createdAt) * 1000))
    }

    /// What the steps say stays valid after their effect (`outputs.residual_validity`): already
    /// issued tokens that live until they expire, sessions not yet cut, and so on.
    public var stillExposed: [(step: String, text: String)] {
        steps.compactMap { s in
            guard s.status == .succeeded, let t = s.outputs?["residual_validity"]?.stringValue, !t.isEmpty else { return nil }
            return (s.stepID, t)
        }
    }

    /// Attempts that were interrupted by a crash and repeated under the same idempotency key.
    public var interruptions: [AttemptRecord] { attempts.filter { $0.status == "interrupted" } }

    func duration(_ s: StepRecord) -> String {
        guard let a = s.startedAt, let b = s.finishedAt else { return "" }
        return DurationParser.format(.milliseconds(Int64(b.timeIntervalSince(a) * 1000)))
    }

    func needs(_ id: String) -> [String] { runbook?.step(id)?.needs ?? [] }

    /// The report as JSON.
    public func json() -> Value {
        var o: [String: Value] = [
            "run_id": .string(run.id), "status": .string(run.status.rawValue), "mode": .string(run.mode.rawValue),
            "runbook": ["name": .string(run.runbook), "version": .int(run.runbookVersion), "sha256": .string(run.runbookSHA256)],
            "inputs": run.inputs, "triggers": .array(triggers), "created_at": .string(Timestamp.format(run.createdAt)),
        ]
        o["finished_at"] = run.finishedAt.map { .string(Timestamp.format($0)) } ?? .null
        o["time_to_contain_ms"] = timeToContain.map { .int(Int($0.milliseconds)) } ?? .null
        o["steps"] = .array(steps.map { s in
            .object(["id": .string(s.stepID), "action": .string(s.action), "phase": .string(s.phase.rawValue), "status": .string(s.status.rawValue),
                     "needs": .array(needs(s.stepID).map(Value.string)), "attempts": .int(s.attempt),
                     "started_at": s.startedAt.map { .string(Timestamp.format($0)) } ?? .null,
                     "finished_at": s.finishedAt.map { .string(Timestamp.format($0)) } ?? .null,
                     "error": s.error.map(Value.string) ?? .null, "outputs": s.outputs ?? .null])
        })
        o["approvals"] = .array(approvals.map { .object(["step": .string($0.stepID), "approved": .bool($0.approved), "actor": .string($0.actor),
                                                          "at": .string(Timestamp.format($0.decidedAt)), "comment": $0.comment.map(Value.string) ?? .null]) })
        o["timeline"] = .array(events.map(\.json))
        o["interrupted_attempts"] = .int(interruptions.count)
        o["audit_chain"] = ["intact": .bool(chain.isIntact), "head_seq": .int(Int(chain.headSeq)), "head_hash": .string(chain.headHash),
                            "problems": .array(chain.problems.map(Value.string))]
        o["evidence"] = .array([])
        o["still_exposed"] = .array(stillExposed.map { .object(["step": .string($0.step), "residual_validity": .string($0.text)]) })
        o["verified_steps"] = .array(steps.filter { $0.outputs?["verified"] == .bool(true) }.map { .string($0.stepID) })
        return .object(o)
    }

    /// The report as Markdown.
    public func markdown() -> String {
        let text = MarkdownText.text, code = MarkdownText.code
        var md: [String] = []
        md.append("# Post-incident review: run \(run.id)")
        md.append("")
        md.append("| | |")
        md.append("|---|---|")
        md.append("| Outcome | **\(run.status.rawValue)**\(run.mode == .drill ? " (drill: no changes were made)" : "") |")
        md.append("| Runbook | \(code(run.runbook)) v\(run.runbookVersion), sha256 `\(run.runbookSHA256)` |")
        md.append("| Started | \(Timestamp.format(run.createdAt)) |")
        md.append("| Finished | \(run.finishedAt.map(Timestamp.format) ?? "not yet") |")
        md.append("| Time to contain | \(timeToContain.map(DurationParser.format) ?? "not contained") |")
        md.append("| Inputs | \(code(run.inputs.jsonText)) |")
        if !interruptions.isEmpty {
            md.append("| Interruptions | \(interruptions.count) attempt(s) interrupted and repeated under the same idempotency key |")
        }
        md.append("")
        md.append("## Triggered by")
        md.append("")
        for t in triggers {
            md.append("- \(text(t["at"]?.interpolationText ?? "")): \(text(t["source"]?.interpolationText ?? "?")) — \(code(t["data"]?.jsonText ?? ""))")
        }
        md.append("")
        md.append("## Steps")
        md.append("")
        md.append("| Step | Action | Needs | Outcome | Attempts | Duration | Detail |")
        md.append("|---|---|---|---|---|---|---|")
        for s in steps {
            let detail = text(s.error ?? "")
            let phase = s.phase == .onFailure ? " (on_failure)" : ""
            md.append("| \(code(s.stepID))\(phase) | \(code(s.action)) | \(text(needs(s.stepID).joined(separator: ", "))) | \(s.status.rawValue) | \(s.attempt) | \(duration(s)) | \(detail) |")
        }
        if !approvals.isEmpty {
            md.append("")
            md.append("## Approvals")
            md.append("")
            for a in approvals {
                md.append("- \(code(a.stepID)) \(a.approved ? "approved" : "rejected") by \(text(a.actor)) at \(Timestamp.format(a.decidedAt))\(a.comment.map { ": \(text($0))" } ?? "")")
            }
        }
        md.append("")
        md.append("## Still exposed")
        md.append("")
        if stillExposed.isEmpty {
            md.append(run.mode == .drill ? "Nothing was changed (drill)." : "No step reported a residual validity window.")
        } else {
            for e in stillExposed { md.append("- \(code(e.step)): \(text(e.text))") }
        }
        let verified = steps.filter { $0.outputs?["verified"] == .bool(true) }.map(\.stepID)
        if !verified.isEmpty {
            md.append("")
            md.append("Effects proven by a verification probe: \(verified.map { code($0) }.joined(separator: ", ")).")
        }
        md.append("")
        md.append("## Timeline")
        md.append("")
        for e in events {
            md.append("- `\(e.ts)` #\(e.seq) **\(text(e.kind))** by \(text(e.actor)) \(code(e.data))")
        }
        md.append("")
        md.append("## Evidence")
        md.append("")
        md.append("No evidence was collected by this run.")
        md.append("")
        md.append("## Audit chain")
        md.append("")
        md.append(chain.isIntact
            ? "Intact: \(chain.events) events, head \(chain.headSeq):`\(chain.headHash)`."
            : "**BROKEN**: " + text(chain.problems.joined(separator: "; ")))
        return md.joined(separator: "\n")
    }

    /// The report as a standalone HTML page.
    public func html() -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var rows = ""
        for s in steps {
            rows += "<tr class=\"\(s.status.rawValue)\"><td><code>\(esc(s.stepID))</code></td><td><code>\(esc(s.action))</code></td><td>\(esc(needs(s.stepID).joined(separator: ", ")))</td><td>\(s.status.rawValue)</td><td>\(s.attempt)</td><td>\(duration(s))</td><td>\(esc(s.error ?? ""))</td></tr>\n"
        }
        var timeline = ""
        for e in events {
            timeline += "<li><code>\(esc(e.ts))</code> #\(e.seq) <b>\(esc(e.kind))</b> by \(esc(e.actor)) <code>\(esc(e.data))</code></li>\n"
        }
        return """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>qrun review \(esc(run.id))</title>
            <style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
            tr.failed td{background:#fdd}tr.succeeded td{background:#efe}tr.cancelled td,tr.skipped td{color:#777}code{font-size:12px}</style></head>
            <body><h1>Post-incident review: run \(esc(run.id))</h1>
            <p>Outcome: <b>\(run.status.rawValue)</b>\(run.mode == .drill ? " (drill: no changes were made)" : "") — runbook <code>\(esc(run.runbook))</code> v\(run.runbookVersion), sha256 <code>\(run.runbookSHA256)</code></p>
            <p>Started \(Timestamp.format(run.createdAt)); finished \(run.finishedAt.map(Timestamp.format) ?? "not yet"); time to contain: \(timeToContain.map(DurationParser.format) ?? "not contained")</p>
            <h2>Steps</h2><table><tr><th>Step</th><th>Action</th><th>Needs</th><th>Outcome</th><th>Attempts</th><th>Duration</th><th>Detail</th></tr>
            \(rows)</table>
            <h2>Still exposed</h2><ul>\(stillExposed.map { "<li><code>\(esc($0.step))</code>: \(esc($0.text))</li>" }.joined())</ul>
            <h2>Timeline</h2><ul>\(timeline)</ul>
            <h2>Audit chain</h2><p>\(chain.isIntact ? "Intact: \(chain.events) events, head \(chain.headSeq):<code>\(chain.headHash)</code>" : "BROKEN: " + esc(chain.problems.joined(separator: "; ")))</p>
            </body></html>
            """
    }
}
