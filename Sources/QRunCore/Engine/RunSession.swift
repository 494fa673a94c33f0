import Foundation

/// One execution of a run by the executor: the loop's state, confined to the `execute` call.
final class RunSession {
    enum Event: Sendable {
        case finished(step: String, attempt: Int, result: Result<ActionResult, ActionError>, milliseconds: Int64)
        case timedOut(step: String, attempt: Int)
        case retryDue(step: String)
        case poll
        case approvalExpired(step: String)
        case control(RunControl.Signal)
    }

    struct Launch {
        var step: StepSpec
        var attempt: Int
        var params: [String: Value]
        /// The step's idempotency key (computed once per start).
        var key: String
    }

    let executor: RunExecutor
    let runbook: Runbook
    let control: RunControl
    /// Graceful shutdown: no new step starts; the loop returns when none is in flight.
    var draining = false
    /// Stopped at once: nothing more is recorded.
    var abandoned = false
    var run: RunRecord
    var machine: RunStateMachine
    var records: [String: StepRecord]
    var outputs: [String: Value] = [:]
    var specs: [String: StepSpec]
    let inbox = EventInbox<Event>()
    var tasks: [String: Task<Void, Never>] = [:]
    var timeouts: [String: Task<Void, Never>] = [:]
    var timers: [String: Task<Void, Never>] = [:]
    var liveAttempt: [String: Int] = [:]
    var lastRetryAfter: [String: Duration] = [:]
    var dirty: [String] = []
    var dirtySet = Set<String>()
    var batch = StoreBatch()
    var launches: [Launch] = []
    var notes: [ProgressEvent] = []
    var pending: [EngineEvent] = []
    var staticScope: (inputs: Value, run: Value, alert: Value, event: Value, env: Value)

    var db: QRunDatabase { executor.database }
    var clock: any EngineClock { executor.configuration.clock }
    var actor: String { executor.configuration.actor }
    var verb: ActionVerb { run.plansOnly ? .plan : .apply }

    init(executor: RunExecutor, run: RunRecord, runbook: Runbook, control: RunControl) throws {
        self.executor = executor
        self.control = control
        self.run = run
        self.runbook = runbook
        let stored = try executor.database.steps(runID: run.id)
        var records: [String: StepRecord] = [:]
        var states: [String: RunStateMachine.StepState] = [:]
        for r in stored {
            records[r.stepID] = r
            states[r.stepID] = RunStateMachine.StepState(status: r.status, attempt: r.attempt, failures: r.failures)
        }
        self.records = records
        self.specs = Dictionary(runbook.allSteps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for r in stored where r.status == .succeeded {
            outputs[r.stepID] = r.outputs ?? .object([:])
        }
        self.machine = RunStateMachine(plan: RunPlan(runbook: runbook, defaultParallel: executor.configuration.defaultParallel,
                                                               isDrill: run.plansOnly),
                                       steps: states, status: run.status, cancelRequested: run.cancelRequested)
        var env: [String: Value] = [:]
        for name in runbook.declaredEnvironment {
            env[name] = executor.configuration.environment[name].map(Value.string) ?? .null
        }
        let trigger = run.trigger
        staticScope = (
            inputs: run.inputs,
            run: .object(["id": .string(run.id), "runbook": .string(run.runbook), "version": .int(run.runbookVersion),
                          "mode": .string(run.mode.rawValue), "trigger": trigger["source"] ?? .null,
                          "concurrency_key": run.concurrencyKey.map(Value.string) ?? .null]),
            alert: trigger["alert"] ?? .null,
            event: trigger["event"] ?? .null,
            env: .object(env)
        )
    }

    // MARK: - The loop

    func run() async throws -> RunOutcome {
        let resumed = run.status != .pending
        batch.audit(run.id, resumed ? "run.resumed" : "run.started", actor: actor, ["mode": .string(run.mode.rawValue)])
        notes.append(ProgressEvent(kind: resumed ? .runResumed : .runStarted, runID: run.id, status: run.status.rawValue))
        let now = clock.now()
        for (id, rec) in records where rec.status == .running {
            batch.append(.attemptEnded(AttemptRecord(runID: run.id, stepID: id, attempt: rec.attempt, verb: verb.rawValue,
                                                     status: "interrupted", startedAt: rec.startedAt ?? now, finishedAt: now,
                                                     error: "qrun stopped while the action was in flight; calling it again under the same idempotency key",
                                                     retryable: true, summary: nil)))
            batch.audit(run.id, "step.interrupted", actor: actor, ["step": .string(id), "attempt": .int(rec.attempt)])
        }
        for (id, rec) in records where rec.status == .retryWait {
            let delay = max(.zero, Duration.milliseconds(Int64(((rec.nextAttemptAt ?? now).timeIntervalSince(now)) * 1000)))
            scheduleTimer(id, after: delay)
        }
        var overdue: [String] = []
        for (id, rec) in records where rec.status == .waitingApproval {
            guard let window = ApprovalWindow(startedAt: rec.startedAt, timeout: specs[id]?.timeout) else { continue }
            if window.isClosed(at: now) { overdue.append(id) } else { scheduleApprovalDeadline(id, after: window.remaining(at: now)) }
        }
        feed(.begin)
        // Decisions recorded while no process followed the run are taken now, before the loop
        // decides whether the run waits: a resumed run with its approval given goes on. A decision
        // on record was given in time (recordApproval refuses late ones), so it wins over the deadline.
        try handle(.poll)
        for id in overdue.sorted() { try handle(.approvalExpired(step: id)) }
        try flush()
        let poller = startPoller()
        let inbox = self.inbox
        control.listen { inbox.post(.control($0)) }
        defer {
            control.stopListening()
            poller?.cancel()
            for t in timers.values { t.cancel() }
            for t in timeouts.values { t.cancel() }
        }
        inbox.post(.poll)
        try await withTaskCancellationHandler {
            while !machine.status.isTerminal && !abandoned {
                if machine.status == .waiting && executor.configuration.returnWhenWaiting && tasks.isEmpty { break }
                if draining && tasks.isEmpty { break }
                let events = await inbox.takeAll()
                for e in events where !abandoned { try handle(e) }
                if abandoned { break }
                try flush()
            }
        } onCancel: {
            inbox.post(.control(.abandon))
        }
        if abandoned { for t in tasks.values { t.cancel() } }
        for t in tasks.values { await t.value }
        return RunOutcome(runID: run.id, status: run.status)
    }

    func startPoller() -> Task<Void, Never>? {
        let inbox = self.inbox
        guard let interval = executor.configuration.pollInterval else { return nil }
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                inbox.post(.poll)
            }
        }
    }

    /// Commits what this round decided, then (and only then) starts actions and tells observers.
    func flush() throws {
        for id in dirty {
            guard var rec = records[id], let s = machine.state(of: id) else { continue }
            rec.status = s.status
            // A step skipped by its condition never made an attempt.
            rec.attempt = rec.status == .skipped && rec.startedAt == nil ? 0 : s.attempt
            rec.failures = s.failures
            records[id] = rec
            batch.append(.step(rec))
        }
        dirty.removeAll(keepingCapacity: true)
        dirtySet.removeAll(keepingCapacity: true)
        if !batch.isEmpty {
            do {
                try db.commit(batch)
            } catch {
                for t in tasks.values { t.cancel() }
                throw error
            }
        }
        batch = StoreBatch()
        let toLaunch = launches
        launches.removeAll(keepingCapacity: true)
        for l in toLaunch { launch(l) }
        for n in notes { executor.observer.observe(n) }
        notes.removeAll(keepingCapacity: true)
    }

    func touch(_ id: String) {
        if dirtySet.insert(id).inserted { dirty.append(id) }
    }

    /// Feeds an event to the machine and carries out its commands (and any events they cause).
    func feed(_ event: EngineEvent) {
        pending.append(event)
        guard pending.count == 1 else { return }
        var i = 0
        while i < pending.count {
            let commands = machine.handle(pending[i])
            for c in commands { perform(c) }
            i += 1
        }
        pending.removeAll(keepingCapacity: true)
    }
}
