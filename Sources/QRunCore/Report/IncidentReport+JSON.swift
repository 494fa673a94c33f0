import Foundation

extension IncidentReport {
    /// Version of the JSON review's schema (`docs/report-schema.md`, `docs/report-schema.json`).
    /// Raised on any change that removes or retypes a field; new fields keep it.
    public static let schemaVersion = 1

    /// The review as JSON, in the documented schema.
    public func json() -> Value {
        func ts(_ d: Date?) -> Value { d.map { .string(Timestamp.format($0)) } ?? .null }
        func ms(_ d: Duration?) -> Value { d.map { .int(Int($0.milliseconds)) } ?? .null }
        let layout = self.layout
        var o: [String: Value] = [
            "schema_version": .int(Self.schemaVersion),
            "run_id": .string(run.id), "status": .string(run.status.rawValue), "mode": .string(run.mode.rawValue),
            "runbook": ["name": .string(run.runbook), "version": .int(run.runbookVersion), "sha256": .string(run.runbookSHA256)],
            "inputs": run.inputs, "created_at": .string(Timestamp.format(run.createdAt)), "finished_at": ts(run.finishedAt),
            "concurrency_key": run.concurrencyKey.map(Value.string) ?? .null,
        ]
        let triggers = reviewTriggers
        o["trigger"] = triggers[0].json
        o["triggers"] = .array(triggers.map(\.json))
        o["containment"] = .object([
            "status": .string(containmentStatus), "first_contained_at": ts(firstContainedAt), "contained_at": ts(containedAt),
            "time_to_first_containment_ms": ms(timeToFirstContainment), "time_to_contain_ms": ms(timeToContain),
            "steps": .array(containmentSteps.map { .string($0.stepID) }),
            "uncontained_steps": .array(uncontainedSteps.map { .string($0.stepID) }),
        ])
        o["time_to_contain_ms"] = ms(timeToContain)
        o["dag"] = .object([
            "levels": .array(layout.levels.map { .array($0.map(Value.string)) }), "main_levels": .int(layout.mainLevelCount),
            "edges": .array(layout.edges.map { .object(["from": .string($0.from), "to": .string($0.to)]) }),
        ])
        o["steps"] = .array(steps.map { s in stepJSON(s, level: layout.node(s.stepID)?.level ?? 0) })
        o["actions"] = .array(actions.map(\.json))
        o["approvals"] = .array(approvals.map {
            .object(["step": .string($0.stepID), "approved": .bool($0.approved), "actor": .string($0.actor),
                     "at": .string(Timestamp.format($0.decidedAt)), "offset_ms": .int(Int(offsetMS($0.decidedAt))),
                     "comment": $0.comment.map(Value.string) ?? .null])
        })
        o["timeline"] = .array(events.map { e in
            guard case .object(var j) = e.json else { return e.json }
            j["offset_ms"] = Timestamp.parse(e.ts).map { .int(Int(offsetMS($0))) } ?? .null
            j["summary"] = .string(EventSummary.text(e))
            return .object(j)
        })
        o["interrupted_attempts"] = .int(interruptions.count)
        o["still_exposed"] = .array(stillExposed.map { .object(["step": .string($0.step), "residual_validity": .string($0.text)]) })
        o["verified_steps"] = .array(verifiedSteps.map(Value.string))
        o["evidence"] = .array(evidence.map(\.json))
        o["audit_chain"] = ["intact": .bool(chain.isIntact), "events": .int(chain.events), "head_seq": .int(Int(chain.headSeq)),
                            "head_hash": .string(chain.headHash), "head": .string(chainHead), "problems": .array(chain.problems.map(Value.string))]
        return .object(o)
    }

    private func stepJSON(_ s: StepRecord, level: Int) -> Value {
        func ts(_ d: Date?) -> Value { d.map { .string(Timestamp.format($0)) } ?? .null }
        return .object([
            "id": .string(s.stepID), "action": .string(s.action), "phase": .string(s.phase.rawValue), "status": .string(s.status.rawValue),
            "needs": .array(needs(s.stepID).map(Value.string)), "level": .int(level), "if": condition(s.stepID).map(Value.string) ?? .null,
            "approval_gate": .bool(s.action == "core.approval"), "attempts": .int(s.attempt), "failures": .int(s.failures),
            "started_at": ts(s.startedAt), "finished_at": ts(s.finishedAt), "duration_ms": durationMS(s).map { .int(Int($0)) } ?? .null,
            "error": s.error.map(Value.string) ?? .null, "outputs": s.outputs ?? .null,
            "attempt_history": .array(attempts(of: s.stepID).map { a in
                .object(["attempt": .int(a.attempt), "verb": .string(a.verb), "status": .string(a.status), "started_at": ts(a.startedAt),
                         "finished_at": ts(a.finishedAt), "offset_ms": .int(Int(offsetMS(a.startedAt))),
                         "duration_ms": a.finishedAt.map { .int(Int(($0.timeIntervalSince(a.startedAt) * 1000).rounded())) } ?? .null,
                         "error": a.error.map(Value.string) ?? .null, "retryable": a.retryable.map(Value.bool) ?? .null,
                         "summary": a.summary.map(Value.string) ?? .null])
            }),
        ])
    }
}
