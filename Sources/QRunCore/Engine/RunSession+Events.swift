import Foundation

extension RunSession {
    func handle(_ event: Event) throws {
        let now = clock.now()
        switch event {
        case .finished(let id, let attempt, let result, let ms):
            guard liveAttempt[id] == attempt, machine.state(of: id)?.status == .running else { return }
            liveAttempt[id] = nil
            tasks[id] = nil
            timeouts[id]?.cancel()
            timeouts[id] = nil
            finish(id, attempt: attempt, result: result, ms: ms, now: now)
        case .timedOut(let id, let attempt):
            guard liveAttempt[id] == attempt, machine.state(of: id)?.status == .running else { return }
            liveAttempt[id] = nil
            tasks[id]?.cancel()
            tasks[id] = nil
            timeouts[id] = nil
            let limit = specs[id]?.timeout.map(DurationParser.format) ?? "?"
            finish(id, attempt: attempt, result: .failure(ActionError(message: "timed out after \(limit)", retryable: true)), ms: nil, now: now)
        case .retryDue(let id):
            timers[id] = nil
            feed(.retryDue(step: id))
        case .approvalExpired(let id):
            timers[id] = nil
            guard machine.state(of: id)?.status == .waitingApproval else { return }
            let limit = specs[id]?.timeout.map(DurationParser.format) ?? "?"
            let why = "no decision within \(limit); treated as rejected"
            touch(id)
            records[id]?.error = why
            records[id]?.finishedAt = now
            batch.audit(run.id, "step.approval_expired", actor: actor, ["step": .string(id)])
            notes.append(ProgressEvent(kind: .stepFailed, runID: run.id, stepID: id, status: "failed", message: why))
            feed(.approval(step: id, approved: false))
        case .poll:
            let signals = try db.pendingSignals(runID: run.id)
            for a in signals.approvals {
                guard machine.state(of: a.stepID)?.status == .waitingApproval else { continue }
                touch(a.stepID)
                batch.append(.consumeApproval(runID: run.id, stepID: a.stepID))
                timers[a.stepID]?.cancel()
                timers[a.stepID] = nil
                records[a.stepID]?.finishedAt = now
                if a.approved {
                    records[a.stepID]?.outputs = ["approved": .bool(true), "approved_by": .string(a.actor)]
                    outputs[a.stepID] = records[a.stepID]?.outputs
                    notes.append(ProgressEvent(kind: .stepSucceeded, runID: run.id, stepID: a.stepID, status: "succeeded", message: "approved by \(a.actor)"))
                } else {
                    let why = "rejected by \(a.actor)" + (a.comment.map { ": \($0)" } ?? "")
                    records[a.stepID]?.error = why
                    notes.append(ProgressEvent(kind: .stepFailed, runID: run.id, stepID: a.stepID, status: "failed", message: why))
                }
                batch.audit(run.id, a.approved ? "step.approved" : "step.rejected", actor: a.actor, ["step": .string(a.stepID)])
                feed(.approval(step: a.stepID, approved: a.approved))
            }
            if signals.cancel && !machine.cancelRequested {
                feed(.cancel)
            }
        case .control(let signal):
            switch signal {
            case .storeChanged: try handle(.poll)
            case .drain: draining = true
            case .abandon: abandoned = true
            }
        }
    }

    func finish(_ id: String, attempt: Int, result: Result<ActionResult, ActionError>, ms: Int64?, now: Date) {
        touch(id)
        switch result {
        case .success(let r):
            let clean = executor.redactor.redact(Value.object(r.outputs))
            records[id]?.outputs = clean
            records[id]?.error = nil
            records[id]?.finishedAt = now
            outputs[id] = clean
            records[id]?.attemptSummary = r.summary
            records[id]?.attemptRetryable = nil
            batch.audit(run.id, "step.succeeded", actor: actor, ["step": .string(id), "attempt": .int(attempt), "summary": .string(r.summary),
                                                                "outputs": clean, "duration_ms": ms.map { .int(Int($0)) } ?? .null])
            notes.append(ProgressEvent(kind: .stepSucceeded, runID: run.id, stepID: id, attempt: attempt, status: "succeeded",
                                       message: executor.redactor.redact(r.summary)))
            feed(.succeeded(step: id))
        case .failure(let e):
            let message = executor.redactor.redact(e.message)
            records[id]?.error = message
            records[id]?.finishedAt = now
            lastRetryAfter[id] = e.retryAfter
            records[id]?.attemptSummary = nil
            records[id]?.attemptRetryable = e.retryable
            batch.audit(run.id, "step.failed", actor: actor, ["step": .string(id), "attempt": .int(attempt), "error": .string(message),
                                                             "retryable": .bool(e.retryable)])
            notes.append(ProgressEvent(kind: .stepFailed, runID: run.id, stepID: id, attempt: attempt, status: "failed", message: message))
            // In a drill the machine keeps planning the step's dependants (see RunStateMachine).
            feed(.failed(step: id, retryable: e.retryable))
        }
    }

    /// Only references written in the step (or given by an operator as a `type: secret` input)
    /// resolve; whatever expressions rendered into the parameters is data.
    func referencePolicy(_ l: Launch) -> SecretReferencePolicy {
        let secretInputs = Set(runbook.inputs.filter { $0.kind == .secret }.map(\.name))
        return SecretReferencePolicy(step: l.step.with, rendered: l.params, secretInputs: secretInputs, inputs: staticScope.inputs)
    }

    /// Starts the action of a committed `running` step in its own task.
    func launch(_ l: Launch) {
        let id = l.step.id
        guard let action = executor.registry.action(l.step.uses) else {
            inbox.post(.finished(step: id, attempt: l.attempt, result: .failure(.invalid("unknown action \(l.step.uses)")), milliseconds: 0))
            return
        }
        liveAttempt[id] = l.attempt
        let inbox = self.inbox
        let observer = executor.observer
        let redactor = executor.redactor
        let runID = run.id
        let attempt = l.attempt
        let verb = self.verb
        let call = ActionCall(runID: runID, stepID: id, attempt: attempt,
                              idempotencyKey: l.key, verb: verb,
                              params: l.params, timeout: l.step.timeout, secrets: executor.secrets,
                              references: referencePolicy(l),
                              log: { line in observer.observe(ProgressEvent(kind: .stepLog, runID: runID, stepID: id, attempt: attempt, message: redactor.redact(line))) })
        let verifies = action.descriptor.supportsVerify && verb == .apply
        tasks[id] = Task {
            let clock = ContinuousClock()
            let start = clock.now
            let result: Result<ActionResult, ActionError>
            do {
                var r: ActionResult
                switch verb {
                case .plan: r = try await action.plan(call)
                case .apply, .verify: r = try await action.apply(call)
                }
                if verifies {
                    var vcall = call
                    vcall.verb = .verify
                    let v = try await action.verify(vcall)
                    r.outputs.merge(v.outputs) { _, new in new }
                    if v.outputs["verified"] == nil { r.outputs["verified"] = .bool(true) }
                    if !v.summary.isEmpty { r.summary += "; verified: \(v.summary)" }
                }
                result = .success(r)
            } catch let e as ActionError {
                result = .failure(e)
            } catch is CancellationError {
                result = .failure(ActionError(message: "interrupted", retryable: true))
            } catch {
                result = .failure(ActionError(message: "\(error)", retryable: false))
            }
            let elapsed = clock.now - start
            inbox.post(.finished(step: id, attempt: attempt, result: result, milliseconds: elapsed.milliseconds))
        }
        if let t = l.step.timeout {
            let clock = self.clock
            timeouts[id] = Task {
                try? await clock.sleep(for: t)
                if !Task.isCancelled { inbox.post(.timedOut(step: id, attempt: attempt)) }
            }
        }
    }
}
