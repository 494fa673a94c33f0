import Foundation
import QRunCore

/// How a simulated drill answers its approval steps. By default every approval is approved at once;
/// `--approve STEP` names the ones to approve (the others then wait for a person, as in a real
/// run: `qrun approve RUN STEP`), `--reject STEP` the ones to reject. Each decision is recorded in
/// the store like a person's, by the actor ``actor``, so the run takes the same path.
public struct SimulatedApprovals: Sendable {
    /// The actor of a simulated decision in the audit log and the review.
    public static let actor = "drill:simulated"

    public var approve: Set<String>
    public var reject: Set<String>

    public init(approve: Set<String> = [], reject: Set<String> = []) {
        self.approve = approve
        self.reject = reject
    }

    /// The decision for `step`: true approve, false reject, nil leave it to a person.
    public func decision(for step: String) -> Bool? {
        if reject.contains(step) { return false }
        if approve.isEmpty || approve.contains(step) { return true }
        return nil
    }

    /// What the run's trigger records about the approvals.
    public var value: Value {
        .object(["mode": .string(approve.isEmpty ? "auto" : "named"),
                 "approve": .array(approve.sorted().map(Value.string)), "reject": .array(reject.sorted().map(Value.string))])
    }

    /// Runs `executor` on `runID`, answering approval steps as they begin waiting.
    public func execute(runID: String, runbook: Runbook, database: QRunDatabase,
                        make: (RunObserver) throws -> RunExecutor, observer: RunObserver) async throws -> RunOutcome {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let executor = try make(WaitingSteps(inner: observer, continuation: continuation))
        let specs = Dictionary(runbook.allSteps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let clock = executor.configuration.clock
        // A resumed simulation: steps that began waiting before are answered now, as they were due to be.
        for step in try database.steps(runID: runID) where step.status == .waitingApproval {
            if let approved = decision(for: step.stepID) {
                record(step.stepID, approved: approved, runID: runID, database: database, timeout: specs[step.stepID]?.timeout, now: clock.now())
            }
        }
        return try await withThrowingTaskGroup(of: RunOutcome?.self) { group in
            group.addTask {
                defer { continuation.finish() }
                return try await executor.execute(runID: runID, runbook: runbook)
            }
            group.addTask {
                for await step in stream {
                    guard let approved = decision(for: step) else { continue }
                    record(step, approved: approved, runID: runID, database: database, timeout: specs[step]?.timeout, now: clock.now())
                }
                return nil
            }
            var outcome: RunOutcome?
            for try await o in group where o != nil { outcome = o }
            guard let outcome else { throw ExecutorError("the simulated run \(runID) ended without an outcome") }
            return outcome
        }
    }
}

extension SimulatedApprovals {
    /// Records a simulated decision like a person's. A step already decided (by a person, or
    /// before a resume) keeps its decision.
    func record(_ step: String, approved: Bool, runID: String, database: QRunDatabase, timeout: Duration?, now: Date) {
        _ = try? database.recordApproval(runID: runID, stepID: step, approved: approved, actor: Self.actor,
                                         comment: approved ? "simulated approval" : "simulated rejection", timeout: timeout, now: now)
    }
}

/// Passes progress on, and tells the simulated approver which steps began waiting.
struct WaitingSteps: RunObserver {
    let inner: RunObserver
    let continuation: AsyncStream<String>.Continuation

    func observe(_ event: ProgressEvent) {
        inner.observe(event)
        if event.kind == .stepWaiting, let step = event.stepID { continuation.yield(step) }
    }
}
