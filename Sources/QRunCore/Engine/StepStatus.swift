/// Where a step is in its life. Stored as its raw value.
public enum StepStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case pending
    case running
    case waitingApproval = "waiting_approval"
    /// Failed an attempt and waits for its backoff before the next one.
    case retryWait = "retry_wait"
    case succeeded
    case failed
    /// Its `if` was false. A skipped step satisfies the `needs` of its dependants.
    case skipped
    /// Never ran, because a step it needs failed or the run was cancelled. Propagates to dependants.
    case cancelled

    /// Whether the step will not change again.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .skipped, .cancelled: return true
        default: return false
        }
    }

    /// Whether a dependant may start once every step it needs is in such a state.
    public var satisfiesNeeds: Bool { self == .succeeded || self == .skipped }
}

/// Where a run is. Stored as its raw value; `--json` prints it.
public enum RunStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case pending
    case running
    /// Paused on an approval.
    case waiting
    case succeeded
    case failed
    case cancelled

    /// Whether the run has ended.
    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
