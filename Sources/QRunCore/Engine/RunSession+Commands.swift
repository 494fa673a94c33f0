import Foundation

extension RunSession {
    func perform(_ command: EngineCommand) {
        let now = clock.now()
        switch command {
        case .start(let id, let attempt):
            // Draining for a shutdown: the step is not started and nothing about it is recorded,
            // so it is still pending in the store and the next owner starts it.
            if draining { return }
            start(id, attempt: attempt, now: now)
        case .awaitApproval(let id):
            guard let spec = specs[id] else { return }
            if let skip = conditionSkips(spec) {
                markSkipped(id, reason: skip, now: now)
                pending.append(.conditionFalse(step: id))
                return
            }
            touch(id)
            if records[id]?.startedAt == nil { records[id]?.startedAt = now }
            let message = (try? spec.with["message"]?.render(in: scope(for: spec)))?.interpolationText
            if run.plansOnly {
                batch.audit(run.id, "step.approval_planned", actor: actor, ["step": .string(id)])
                records[id]?.outputs = ["approved": .bool(true), "planned": .bool(true)]
                records[id]?.finishedAt = now
                outputs[id] = records[id]?.outputs
                notes.append(ProgressEvent(kind: .stepSucceeded, runID: run.id, stepID: id, status: "succeeded", message: "drill: would pause for approval"))
                pending.append(.approval(step: id, approved: true))
            } else {
                batch.audit(run.id, "step.waiting_approval", actor: actor, ["step": .string(id), "message": message.map(Value.string) ?? .null,
                                                                           "timeout": spec.timeout.map { .string(DurationParser.format($0)) } ?? .null])
                if let window = ApprovalWindow(startedAt: records[id]?.startedAt, timeout: spec.timeout) {
                    scheduleApprovalDeadline(id, after: window.remaining(at: now))
                }
                notes.append(ProgressEvent(kind: .stepWaiting, runID: run.id, stepID: id, status: "waiting_approval",
                                           message: message ?? "approve with: qrun approve \(run.id) \(id)"))
            }
        case .scheduleRetry(let id, let afterAttempt):
            guard let spec = specs[id] else { return }
            var delay = spec.retry.delay(afterAttempt: afterAttempt, randomFraction: Double.random(in: 0..<1))
            if let ra = lastRetryAfter[id] { delay = max(delay, min(ra, .seconds(300))) }
            touch(id)
            records[id]?.nextAttemptAt = now.addingTimeInterval(delay.secondsDouble)
            batch.audit(run.id, "step.retry_scheduled", actor: actor, ["step": .string(id), "after_attempt": .int(afterAttempt),
                                                                      "delay_ms": .int(Int(delay.milliseconds))])
            notes.append(ProgressEvent(kind: .stepRetry, runID: run.id, stepID: id, attempt: afterAttempt, status: "retry_wait",
                                       message: "retrying in \(DurationParser.format(delay))"))
            scheduleTimer(id, after: delay)
        case .cancelStep(let id, let reason):
            touch(id)
            records[id]?.error = reason
            records[id]?.finishedAt = now
            records[id]?.nextAttemptAt = nil
            timers[id]?.cancel()
            timers[id] = nil
            batch.audit(run.id, "step.cancelled", actor: actor, ["step": .string(id), "reason": .string(reason)])
            notes.append(ProgressEvent(kind: .stepCancelled, runID: run.id, stepID: id, status: "cancelled", message: reason))
        case .interrupt(let id):
            tasks[id]?.cancel()
        case .skipStep(let id, let reason):
            touch(id)
            records[id]?.error = reason
        case .runStatus(let status):
            batch.append(.runStatus(runID: run.id, status: status, finished: status.isTerminal))
            batch.audit(run.id, status.isTerminal ? "run.finished" : "run.status", actor: actor, ["status": .string(status.rawValue)])
            notes.append(ProgressEvent(kind: .runStatus, runID: run.id, status: status.rawValue))
            run.status = status
        }
    }

    /// The names a step's expressions read: statuses only of the steps they name, so the cost
    /// does not grow with the size of the run.
    func scope(for spec: StepSpec) -> RunScope {
        var statuses: [String: StepStatus] = [:]
        var refs = spec.condition?.references ?? []
        for (_, v) in spec.with { for (t, _) in v.templates { refs += t.references } }
        for ref in refs {
            if ref.count > 1, case .member("steps") = ref[0], case .member(let id) = ref[1], let s = machine.state(of: id) {
                statuses[id] = s.status
            }
        }
        return RunScope(inputs: staticScope.inputs, outputs: outputs, statuses: statuses, run: staticScope.run,
                        alert: staticScope.alert, event: staticScope.event, env: staticScope.env)
    }

    /// The reason to skip the step when its `if` is false; nil to run it. An `if` that cannot be
    /// evaluated does not skip: the step starts and fails with the evaluation error.
    func conditionSkips(_ spec: StepSpec) -> String? {
        guard let condition = spec.condition else { return nil }
        guard let v = try? condition.render(in: scope(for: spec)) else { return nil }
        return ExpressionEvaluator.isTruthy(v) ? nil : "condition is false"
    }

    func markSkipped(_ id: String, reason: String, now: Date) {
        touch(id)
        records[id]?.error = reason
        records[id]?.finishedAt = now
        batch.audit(run.id, "step.skipped", actor: actor, ["step": .string(id), "reason": .string(reason)])
        notes.append(ProgressEvent(kind: .stepSkipped, runID: run.id, stepID: id, status: "skipped", message: reason))
    }

    func start(_ id: String, attempt: Int, now: Date) {
        guard let spec = specs[id] else { return }
        touch(id)
        // The attempt this one retries leaves the step row for its own (an interrupted one was
        // recorded when the session began).
        if let prev = records[id], prev.status == .retryWait, let began = prev.attemptStartedAt {
            batch.append(.attemptEnded(AttemptRecord(runID: run.id, stepID: id, attempt: prev.attempt, verb: verb.rawValue, status: "failed",
                                                     startedAt: began, finishedAt: prev.finishedAt, error: prev.error,
                                                     retryable: prev.attemptRetryable, summary: prev.attemptSummary)))
        }
        records[id]?.attemptStartedAt = nil
        records[id]?.attemptSummary = nil
        records[id]?.attemptRetryable = nil
        let sc = scope(for: spec)
        if let condition = spec.condition {
            do {
                let v = try condition.render(in: sc)
                if !ExpressionEvaluator.isTruthy(v) {
                    markSkipped(id, reason: "condition is false", now: now)
                    pending.append(.conditionFalse(step: id))
                    return
                }
            } catch {
                failWithoutCall(id, attempt: attempt, message: "cannot evaluate if: \(error)", now: now)
                return
            }
        }
        var params: [String: Value] = [:]
        do {
            for (k, v) in spec.with { params[k] = try v.render(in: sc) }
        } catch {
            failWithoutCall(id, attempt: attempt, message: "cannot render parameters: \(error)", now: now)
            return
        }
        let key = RunExecutor.idempotencyKey(runID: run.id, stepID: id)
        if records[id]?.startedAt == nil { records[id]?.startedAt = now }
        records[id]?.nextAttemptAt = nil
        records[id]?.error = nil
        // The intent is the step row (`running`, this attempt, when it began); its result lands on
        // the same row, so a step's progress costs no other row.
        records[id]?.attemptStartedAt = now
        batch.audit(run.id, "step.started", actor: actor, [
            "step": .string(id), "action": .string(spec.uses), "attempt": .int(attempt), "verb": .string(verb.rawValue),
            "idempotency_key": .string(key), "params": .object(params),
        ])
        notes.append(ProgressEvent(kind: .stepStarted, runID: run.id, stepID: id, attempt: attempt, status: "running"))
        launches.append(Launch(step: spec, attempt: attempt, params: params, key: key))
    }

    func failWithoutCall(_ id: String, attempt: Int, message: String, now: Date) {
        records[id]?.error = message
        records[id]?.finishedAt = now
        batch.audit(run.id, "step.failed", actor: actor, ["step": .string(id), "attempt": .int(attempt), "error": .string(message), "retryable": .bool(false)])
        notes.append(ProgressEvent(kind: .stepFailed, runID: run.id, stepID: id, attempt: attempt, status: "failed", message: message))
        pending.append(.failed(step: id, retryable: false))
    }

    /// An approval step with a `timeout` is rejected when nobody decides in time (the deadline
    /// counts from when the step began waiting, across resumes).
    func scheduleApprovalDeadline(_ id: String, after delay: Duration) {
        let inbox = self.inbox
        let clock = self.clock
        timers[id]?.cancel()
        timers[id] = Task {
            try? await clock.sleep(for: delay)
            if !Task.isCancelled { inbox.post(.approvalExpired(step: id)) }
        }
    }

    func scheduleTimer(_ id: String, after delay: Duration) {
        let inbox = self.inbox
        let clock = self.clock
        timers[id]?.cancel()
        timers[id] = Task {
            try? await clock.sleep(for: delay)
            if !Task.isCancelled { inbox.post(.retryDue(step: id)) }
        }
    }
}
