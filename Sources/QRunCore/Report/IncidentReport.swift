import Foundation

/// The post-incident review of one run: what started it (and what attached later), what each step
/// did and when, every provider call with its redacted request and result, who approved what, what
/// stays exposed, the evidence preserved, how long containment took, and whether the audit chain
/// is intact. Rendered as Markdown (`+Markdown`), one self-contained HTML page (`+HTML`) and JSON
/// (`+JSON`, schema in `docs/report-schema.md`).
///
/// Every value in it comes from a run, a provider or an alert, so every renderer treats it as data:
/// escaped, never markup.
public struct IncidentReport: Sendable {
    public var run: RunRecord
    /// The pinned runbook, when its text could be loaded (it gives `needs` and `if:`).
    public let runbook: Runbook?
    public var steps: [StepRecord]
    public let attempts: [AttemptRecord]
    public var approvals: [ApprovalRecord]
    /// `run_triggers` rows, oldest first: `{at, source, data}`.
    public var triggers: [Value]
    public var events: [AuditEvent]
    public var chain: AuditVerification
    public var evidence: [ReviewEvidence]
    /// Masks known secrets in a value before a renderer escapes or clips it (escaping changes a
    /// secret's text, so masking the finished page alone could miss it). Identity by default;
    /// `qrun report` passes its redactor.
    public var mask: @Sendable (String) -> String = { $0 }
    /// The pinned runbook's steps and the attempts, by step id (a review of a 10,000-step run
    /// must not search them once per step).
    private let specs: [String: StepSpec]
    private let attemptsByStep: [String: [AttemptRecord]]

    public init(run: RunRecord, runbook: Runbook?, steps: [StepRecord], attempts: [AttemptRecord], approvals: [ApprovalRecord],
                triggers: [Value], events: [AuditEvent], chain: AuditVerification, evidence: [ReviewEvidence]? = nil) {
        self.run = run
        self.runbook = runbook
        self.steps = steps
        self.attempts = attempts
        self.approvals = approvals
        self.triggers = triggers
        self.events = events
        self.chain = chain
        self.evidence = evidence ?? ReviewEvidence.recorded(steps: steps, events: events)
        specs = Dictionary((runbook?.allSteps ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        attemptsByStep = Dictionary(grouping: attempts, by: \.stepID).mapValues { $0.sorted { $0.attempt < $1.attempt } }
    }

    /// What the steps say stays valid after their effect (`outputs.residual_validity`): already
    /// issued tokens that live until they expire, sessions not yet cut, and so on.
    public var stillExposed: [(step: String, text: String)] {
        steps.compactMap { s in
            guard s.status == .succeeded, let t = s.outputs?["residual_validity"]?.stringValue, !t.isEmpty else { return nil }
            return (s.stepID, t)
        }
    }

    /// Steps whose effect a verification probe proved (`outputs.verified == true`).
    public var verifiedSteps: [String] { steps.filter { $0.outputs?["verified"] == .bool(true) }.map(\.stepID) }

    /// Attempts that were interrupted by a crash and repeated under the same idempotency key.
    public var interruptions: [AttemptRecord] { attempts.filter { $0.status == "interrupted" } }

    /// Every provider call, in the order they started.
    public var actions: [ReviewAction] { ReviewAction.list(steps: steps, attempts: attempts, events: events) }

    /// The layout of the DAG (from the pinned runbook's `needs`; without it every step stands alone).
    public var layout: DAGLayout {
        DAGLayout(steps.map { DAGLayout.Input(id: $0.stepID, needs: needs($0.stepID), phase: $0.phase) })
    }

    /// The attempts of one step, in order.
    func attempts(of step: String) -> [AttemptRecord] { attemptsByStep[step] ?? [] }

    /// How long a step took from its first start to its end.
    func durationMS(_ s: StepRecord) -> Int64? {
        guard let a = s.startedAt, let b = s.finishedAt else { return nil }
        return Int64((b.timeIntervalSince(a) * 1000).rounded())
    }

    func duration(_ s: StepRecord) -> String { durationMS(s).map { DurationParser.format(.milliseconds($0)) } ?? "" }

    func needs(_ id: String) -> [String] { specs[id]?.needs ?? [] }

    /// The `if:` source of a step, when it has one.
    func condition(_ id: String) -> String? { specs[id]?.condition?.source }

    /// Milliseconds from the run's creation to `date`.
    func offsetMS(_ date: Date) -> Int64 { Int64((date.timeIntervalSince(run.createdAt) * 1000).rounded()) }

    /// The head of the audit chain as `SEQ:HASH`, the form `qrun audit verify --expect-head` takes.
    public var chainHead: String { "\(chain.headSeq):\(chain.headHash)" }
}
