/// Something that happened to a run; the only input of ``RunStateMachine``.
public enum EngineEvent: Sendable, Equatable {
    /// The run begins (or resumes: steps found `running` were interrupted and start again).
    case begin
    /// A step's `if` was false.
    case conditionFalse(step: String)
    /// An attempt ended well.
    case succeeded(step: String)
    /// An attempt failed; `retryable` says whether trying again may help.
    case failed(step: String, retryable: Bool)
    /// A retry backoff elapsed.
    case retryDue(step: String)
    /// An operator approved or rejected an approval step.
    case approval(step: String, approved: Bool)
    /// An operator asked to cancel the run.
    case cancel
}

/// What the executor must do next; the state machine's only output.
public enum EngineCommand: Sendable, Equatable {
    /// Evaluate the step's `if`, then call its action (attempt number given, 1-based).
    case start(step: String, attempt: Int)
    /// Pause the step until an operator decides.
    case awaitApproval(step: String)
    /// Try again after the policy's backoff for `afterAttempt`.
    case scheduleRetry(step: String, afterAttempt: Int)
    /// Mark the step cancelled, with why.
    case cancelStep(step: String, reason: String)
    /// Stop the running action of the step (operator cancel).
    case interrupt(step: String)
    /// Record a step the run ended without reaching as skipped, with why (emitted just before
    /// the final ``runStatus(_:)``).
    case skipStep(step: String, reason: String)
    /// The run's status changed.
    case runStatus(RunStatus)
}
