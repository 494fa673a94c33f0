// The status rules of RunStateMachine that depend on the run's mode, in one place.
extension RunStateMachine {
    /// Whether a step in `status` lets its dependants start: in a drill a failed plan ("not
    /// ready") does too, so everything downstream is still planned.
    static func satisfies(_ status: StepStatus, drill: Bool) -> Bool {
        status.satisfiesNeeds || (drill && status == .failed)
    }

    /// Whether a main step in `status` sends the run to its `on_failure` phase (a drill's failed
    /// plan does not: a rehearsal pages nobody).
    static func failsPhase(_ status: StepStatus, drill: Bool) -> Bool {
        status == .cancelled || (status == .failed && !drill)
    }

    /// Whether a step in `status` stops its dependants for good.
    func blocks(_ status: StepStatus) -> Bool {
        status.isTerminal && !Self.satisfies(status, drill: plan.isDrill)
    }

    /// Why a step still pending when the run ended is recorded as skipped.
    func settleReason(_ phase: StepSpec.Phase, _ final: RunStatus, failurePhaseDue: Bool) -> String {
        guard phase == .onFailure else { return "not reached" }
        if final == .succeeded { return "not needed: the run did not fail" }
        return plan.isDrill && !failurePhaseDue ? "not run: a drill with steps not ready does not enter on_failure" : "not reached"
    }
}
