import Foundation

/// When an approval step stops accepting a decision: `timeout` after the step began waiting (its
/// `started_at`), counted across resumes. The one rule both the run's owner (which then rejects
/// the step) and `recordApproval` (which then refuses the decision) follow.
public struct ApprovalWindow: Sendable, Equatable {
    /// The instant the window closes.
    public var closesAt: Date
    /// The step's `timeout`.
    public var timeout: Duration

    /// The window of a step that began waiting at `startedAt`; nil when the step has no timeout
    /// (it waits for as long as it takes) or has not begun waiting.
    public init?(startedAt: Date?, timeout: Duration?) {
        guard let startedAt, let timeout else { return nil }
        self.timeout = timeout
        self.closesAt = startedAt.addingTimeInterval(timeout.secondsDouble)
    }

    /// Whether a decision given at `now` comes too late.
    public func isClosed(at now: Date) -> Bool { now >= closesAt }

    /// How long a decision is still accepted after `now` (zero once closed).
    public func remaining(at now: Date) -> Duration {
        .milliseconds(Int64(max(0, closesAt.timeIntervalSince(now)) * 1000))
    }
}
