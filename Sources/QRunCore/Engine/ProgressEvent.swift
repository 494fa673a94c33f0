import Foundation

/// What the executor tells whoever watches a run (the terminal, `--json` lines), always after
/// the change it describes has been committed.
public struct ProgressEvent: Sendable {
    public enum Kind: String, Sendable {
        case runStarted = "run.started"
        case runResumed = "run.resumed"
        case runStatus = "run.status"
        case stepStarted = "step.started"
        case stepSucceeded = "step.succeeded"
        case stepFailed = "step.failed"
        case stepRetry = "step.retry_scheduled"
        case stepSkipped = "step.skipped"
        case stepCancelled = "step.cancelled"
        case stepWaiting = "step.waiting_approval"
        case stepLog = "step.log"
    }

    public var kind: Kind
    public var runID: String
    public var stepID: String?
    public var attempt: Int?
    public var status: String?
    public var message: String?
    public var at: Date

    public init(kind: Kind, runID: String, stepID: String? = nil, attempt: Int? = nil, status: String? = nil,
                message: String? = nil, at: Date = Date()) {
        self.kind = kind
        self.runID = runID
        self.stepID = stepID
        self.attempt = attempt
        self.status = status
        self.message = message
        self.at = at
    }

    /// The event as a JSON object.
    public var json: Value {
        var o: [String: Value] = ["event": .string(kind.rawValue), "run_id": .string(runID), "at": .string(Timestamp.format(at))]
        if let stepID { o["step"] = .string(stepID) }
        if let attempt { o["attempt"] = .int(attempt) }
        if let status { o["status"] = .string(status) }
        if let message { o["message"] = .string(message) }
        return .object(o)
    }
}

/// Receives progress events. Called from the executor's loop; must not block.
public protocol RunObserver: Sendable {
    func observe(_ event: ProgressEvent)
}

/// Ignores everything.
public struct SilentObserver: RunObserver {
    public init() {}
    public func observe(_ event: ProgressEvent) {}
}
