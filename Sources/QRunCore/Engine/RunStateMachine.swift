/// The pure heart of the engine: takes ``EngineEvent``s, returns ``EngineCommand``s.
///
/// It performs no I/O, reads no clock and draws no random numbers, so every rule here is tested
/// without a database. Rules:
/// - A step is ready when every step it needs succeeded or was skipped; if any needed step failed
///   or was cancelled, the step is cancelled (and so are its dependants). Independent branches keep
///   running after a failure: containment is never left half-done because a sibling failed.
/// - At most `maxParallel` actions run at once. Approval waits do not count, and an approval is
///   asked for as soon as it is ready, even while actions queue for a slot.
/// - A failed attempt is retried when the error is retryable and attempts remain.
/// - When every main step has ended: success if none failed; otherwise the `on_failure` steps run
///   and the run ends failed. Cancel stops everything pending and ends the run cancelled (no
///   `on_failure`: an operator chose to stop).
/// - In a drill (``RunPlan/isDrill``) a failed plan is not retried and makes its step "not
///   ready": stored as `failed`, it still satisfies its dependants (so the report lists everything
///   that is missing at once), enters no `on_failure` and ends the run failed. A machine restored
///   from stored states reads a drill's `failed` steps the same way, so a resumed drill behaves
///   like an uninterrupted one.
/// - When the run ends, the steps it never reached (on_failure steps of a run that did not fail)
///   are settled as skipped, each with a ``EngineCommand/skipStep(step:reason:)``.
/// - `.begin` is taken once per machine; on a restored machine it restarts the steps found
///   `running` with their next attempt. Events that do not fit a step's state are ignored.
///
/// Every event costs time proportional to the steps it touches, not to the size of the run.
public struct RunStateMachine: Sendable {
    /// Per-step state.
    public struct StepState: Sendable, Equatable {
        public var status: StepStatus
        /// The number of the latest attempt started (0: never started).
        public var attempt: Int
        /// Failed attempts so far (interrupted ones are not failures).
        public var failures: Int

        public init(status: StepStatus = .pending, attempt: Int = 0, failures: Int = 0) {
            self.status = status
            self.attempt = attempt
            self.failures = failures
        }
    }

    public let plan: RunPlan
    public private(set) var status: RunStatus
    public private(set) var cancelRequested: Bool
    /// Whether the `on_failure` phase has begun.
    public private(set) var inFailurePhase: Bool

    private var states: [StepState]
    private let index: [String: Int]
    private let dependants: [[Int]]
    private var unmet: [Int]
    /// Ready steps of the current phase only: the other phase's steps are queued when it begins,
    /// so a main-phase event never walks the `on_failure` steps.
    private var readyActions = ReadyQueue()
    private var readyApprovals = ReadyQueue()
    private var begun = false
    private var running: Int
    private var open: [StepSpec.Phase: Int]
    private var waiting: Int
    private var retrying: Int
    private var phaseFailed: Bool
    private var notReady: Int

    /// A machine for a new run, or one restored from stored step states.
    public init(plan: RunPlan, steps: [String: StepState] = [:], status: RunStatus = .pending,
                cancelRequested: Bool = false) {
        self.plan = plan
        self.status = status
        self.cancelRequested = cancelRequested
        let index = Dictionary(plan.nodes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.index = index
        let drill = plan.isDrill
        var deps = Array(repeating: [Int](), count: plan.nodes.count)
        var unmet = Array(repeating: 0, count: plan.nodes.count)
        let states = plan.nodes.map { steps[$0.id] ?? StepState() }
        self.states = states
        for (i, node) in plan.nodes.enumerated() {
            for need in Set(node.needs) {
                guard let j = index[need] else { continue }
                deps[j].append(i)
                if !Self.satisfies(states[j].status, drill: drill) { unmet[i] += 1 }
            }
        }
        self.dependants = deps
        self.unmet = unmet
        // An on_failure step leaves `pending` without the phase having begun only when an operator
        // cancel stopped it; any other change means the phase had begun.
        self.inFailurePhase = plan.nodes.indices.contains {
            plan.nodes[$0].phase == .onFailure && states[$0].status != .pending && states[$0].status != .cancelled
        }
        var open: [StepSpec.Phase: Int] = [:]
        var running = 0, waiting = 0, retrying = 0, phaseFailed = false, notReady = 0
        for (i, node) in plan.nodes.enumerated() {
            let s = states[i].status
            if !s.isTerminal { open[node.phase, default: 0] += 1 }
            if s == .running { running += 1 }
            if s == .waitingApproval { waiting += 1 }
            if s == .retryWait { retrying += 1 }
            if node.phase == .main, Self.failsPhase(s, drill: drill) { phaseFailed = true }
            if drill, s == .failed { notReady += 1 }
        }
        self.notReady = notReady
        self.open = open
        self.running = running
        self.waiting = waiting
        self.retrying = retrying
        self.phaseFailed = phaseFailed
    }

    /// Steps of a drill whose plan failed: the run cannot succeed while any exist.
    public var notReadyCount: Int { notReady }

    /// The state of every step, by id.
    public var steps: [String: StepState] {
        Dictionary(plan.nodes.enumerated().map { ($1.id, states[$0]) }, uniquingKeysWith: { a, _ in a })
    }

    /// The state of one step.
    public func state(of id: String) -> StepState? {
        index[id].map { states[$0] }
    }

    /// Applies an event and returns what to do, in order.
    public mutating func handle(_ event: EngineEvent) -> [EngineCommand] {
        guard !status.isTerminal else { return [] }
        var out: [EngineCommand] = []
        switch event {
        case .begin:
            // A second begin would restart actions that are in flight.
            guard !begun else { return [] }
            begun = true
            for i in states.indices where states[i].status == .running {
                // Interrupted mid-action by a crash: it starts again under the same idempotency key.
                set(i, .pending)
            }
            for i in states.indices where states[i].status == .pending && unmet[i] == 0 {
                enqueue(i)
            }
            for i in states.indices where states[i].status == .pending && hasBlockedNeed(i) {
                out += cascadeCancel(from: i, reason: blockReason(i))
            }
            if cancelRequested { out += cancelEverything() }
        case .conditionFalse(let id):
            // An approval's `if` is checked when it is asked for, so it is skipped from waitingApproval.
            guard let i = index[id], states[i].status == .running || states[i].status == .waitingApproval else { return [] }
            out += finishStep(i, .skipped)
        case .succeeded(let id):
            guard let i = index[id], states[i].status == .running || states[i].status == .waitingApproval else { return [] }
            out += finishStep(i, .succeeded)
        case .failed(let id, let retryable):
            guard let i = index[id], states[i].status == .running || states[i].status == .waitingApproval else { return [] }
            states[i].failures += 1
            if retryable, !cancelRequested, !plan.isDrill, states[i].failures < plan.nodes[i].retry.maxAttempts {
                set(i, .retryWait)
                out.append(.scheduleRetry(step: id, afterAttempt: states[i].attempt))
            } else {
                out += finishStep(i, cancelRequested ? .cancelled : .failed)
            }
        case .retryDue(let id):
            guard let i = index[id], states[i].status == .retryWait else { return [] }
            set(i, .pending)
            enqueue(i)
        case .approval(let id, let approved):
            guard let i = index[id], states[i].status == .waitingApproval else { return [] }
            if approved {
                out += finishStep(i, .succeeded)
            } else {
                states[i].failures += 1
                out += finishStep(i, .failed)
            }
        case .cancel:
            guard !cancelRequested else { return [] }
            cancelRequested = true
            out += cancelEverything()
        }
        out += advance()
        return out
    }

    private func hasBlockedNeed(_ i: Int) -> Bool {
        plan.nodes[i].needs.contains { index[$0].map { blocks(states[$0].status) } ?? false }
    }

    private func blockReason(_ i: Int) -> String {
        guard let blocker = plan.nodes[i].needs.first(where: { index[$0].map { blocks(states[$0].status) } ?? false }),
              let j = index[blocker] else { return "a step it needs did not succeed" }
        return "step '\(blocker)' it needs \(states[j].status == .failed ? "failed" : "did not run")"
    }

    /// Moves step `i` to a new status, keeping the counters right.
    private mutating func set(_ i: Int, _ new: StepStatus) {
        let old = states[i].status
        guard old != new else { return }
        let phase = plan.nodes[i].phase
        if old == .running { running -= 1 }
        if old == .waitingApproval { waiting -= 1 }
        if old == .retryWait { retrying -= 1 }
        if new == .running { running += 1 }
        if new == .waitingApproval { waiting += 1 }
        if new == .retryWait { retrying += 1 }
        if !old.isTerminal && new.isTerminal { open[phase, default: 0] -= 1 }
        if phase == .main, Self.failsPhase(new, drill: plan.isDrill) { phaseFailed = true }
        if plan.isDrill, old == .failed { notReady -= 1 }
        if plan.isDrill, new == .failed { notReady += 1 }
        states[i].status = new
    }

    private mutating func finishStep(_ i: Int, _ final: StepStatus) -> [EngineCommand] {
        set(i, final)
        var out: [EngineCommand] = []
        if Self.satisfies(final, drill: plan.isDrill) {
            for d in dependants[i] {
                unmet[d] -= 1
                if unmet[d] == 0, states[d].status == .pending { enqueue(d) }
            }
        } else {
            let reason = "step '\(plan.nodes[i].id)' it needs \(final == .failed ? "failed" : "did not run")"
            for d in dependants[i] where states[d].status == .pending {
                out += cascadeCancel(from: d, reason: reason)
            }
        }
        return out
    }

    private mutating func cascadeCancel(from start: Int, reason: String) -> [EngineCommand] {
        var out: [EngineCommand] = []
        var work = [(start, reason)]
        while let (i, why) = work.popLast() {
            guard states[i].status == .pending else { continue }
            set(i, .cancelled)
            out.append(.cancelStep(step: plan.nodes[i].id, reason: why))
            let next = "step '\(plan.nodes[i].id)' it needs did not run"
            for d in dependants[i] where states[d].status == .pending { work.append((d, next)) }
        }
        return out
    }

    private mutating func cancelEverything() -> [EngineCommand] {
        var out: [EngineCommand] = []
        for i in states.indices {
            switch states[i].status {
            case .pending, .retryWait, .waitingApproval:
                set(i, .cancelled)
                out.append(.cancelStep(step: plan.nodes[i].id, reason: "run cancelled by an operator"))
            case .running:
                out.append(.interrupt(step: plan.nodes[i].id))
            default:
                break
            }
        }
        return out
    }

    /// The phase whose steps may start now.
    private var currentPhase: StepSpec.Phase { inFailurePhase ? .onFailure : .main }

    /// Queues a ready step, unless it belongs to a phase that has not begun.
    private mutating func enqueue(_ i: Int) {
        guard plan.nodes[i].phase == currentPhase else { return }
        if plan.nodes[i].isApproval { readyApprovals.push(i) } else { readyActions.push(i) }
    }

    /// Starts what is ready, ends phases and the run.
    private mutating func advance() -> [EngineCommand] {
        var out: [EngineCommand] = []
        if !cancelRequested {
            // Approvals first: they take no slot, so they never wait behind actions.
            while let i = readyApprovals.pop() {
                guard states[i].status == .pending else { continue }
                states[i].attempt += 1
                set(i, .waitingApproval)
                out.append(.awaitApproval(step: plan.nodes[i].id))
            }
            while running < plan.maxParallel, let i = readyActions.pop() {
                guard states[i].status == .pending else { continue }
                states[i].attempt += 1
                set(i, .running)
                out.append(.start(step: plan.nodes[i].id, attempt: states[i].attempt))
            }
        }
        let phase = currentPhase
        if open[phase, default: 0] == 0 {
            if cancelRequested { return out + finish(.cancelled) }
            if phase == .main {
                if !phaseFailed { return out + finish(notReady == 0 ? .succeeded : .failed) }
                if open[.onFailure, default: 0] == 0 { return out + finish(.failed) }
                inFailurePhase = true
                for i in states.indices where plan.nodes[i].phase == .onFailure && states[i].status == .pending && unmet[i] == 0 {
                    enqueue(i)
                }
                return out + advance()
            }
            return out + finish(.failed)
        }
        let newStatus: RunStatus = (running == 0 && retrying == 0 && waiting > 0) ? .waiting : .running
        if newStatus != status {
            status = newStatus
            out.append(.runStatus(newStatus))
        }
        return out
    }

    /// Ends the run: what it never reached is settled as skipped, then the final status.
    private mutating func finish(_ final: RunStatus) -> [EngineCommand] {
        var out: [EngineCommand] = []
        for i in states.indices where states[i].status == .pending {
            set(i, .skipped)
            out.append(.skipStep(step: plan.nodes[i].id, reason: settleReason(plan.nodes[i].phase, final, failurePhaseDue: phaseFailed)))
        }
        status = final
        return out + [.runStatus(final)]
    }

}
