import Foundation
import QRunTestSupport

@testable import QRunCore

/// A run created through the real store with an alert trigger and two later attaches, whose step
/// outcomes are then set in memory (gate approved, revoke retried then succeeded, rotate failed,
/// notify cancelled, an `if` step skipped): what the review renders, without running actions.
/// Alert labels, annotations and the error carry markup, so every renderer must treat them as data.
struct IncidentReportFixture {
    static let hostileName = "</text><script>alert(1)</script><text>"
    static let hostileLabel = "\"><img src=x onerror=alert(2)>"
    static let hostileAnnotation = "<a href=\"http://127.0.0.1:1/x\">click</a> `code` | [link](http://127.0.0.1:1/)"
    static let hostileError = "</title><script>alert(3)</script> vault sealed"

    static let runbook = """
        runbook: alert-review
        version: 1
        inputs:
          token_id: { type: string, required: true }
        concurrency:
          key: "alert-review/${{ inputs.token_id }}"
        steps:
          - id: snapshot
            uses: core.noop
          - id: gate
            uses: core.approval
          - id: revoke
            needs: [gate]
            uses: test.send
            with: { url: "http://127.0.0.1:1/revoke" }
          - id: braket-only
            needs: [gate]
            if: "${{ inputs.token_id == 'braket' }}"
            uses: test.send
          - id: rotate
            needs: [revoke]
            uses: test.send
            with: { url: "http://127.0.0.1:1/rotate" }
          - id: notify
            needs: [rotate, snapshot, braket-only]
            uses: core.noop
        on_failure:
          - id: page
            uses: core.noop
        """

    let directory: String
    let report: IncidentReport

    init() throws {
        directory = FileManager.default.temporaryDirectory.path + "/qrun-review-\(UUID().uuidString.prefix(8))"
        let db = try QRunDatabase(directory: StateDirectory(path: directory), redactor: Redactor())
        var registry = ActionRegistry.core
        registry.register(ValidationTestSendAction())
        let rb = try RunbookLoader(catalog: registry).load(text: Self.runbook, path: "runbooks/alert-review.yaml")
        let alert: Value = ["source": "alert", "actor": "alertmanager", "alert": [
            "status": "firing", "fingerprint": "4f2a9c",
            "labels": ["alertname": .string(Self.hostileName), "token_id": "ApiKey-1234", "severity": .string(Self.hostileLabel)],
            "annotations": ["summary": .string(Self.hostileAnnotation)],
        ]]
        guard case .created(let run) = try db.createRun(id: "run-review-1", runbook: rb, mode: .apply, inputs: ["token_id": "ApiKey-1234"],
                                                        trigger: alert, concurrencyKey: "alert-review/ApiKey-1234", actor: "alertmanager") else {
            throw TestFailure("the first trigger must create the run")
        }
        var repeatAlert = alert
        if case .object(var o) = repeatAlert, case .object(var a) = o["alert"] ?? .null {
            a["fingerprint"] = "4f2a9c-repeat"
            o["alert"] = .object(a)
            repeatAlert = .object(o)
        }
        for (trigger, actor) in [(repeatAlert, "alertmanager"), (["source": "cli", "actor": "cli:alice"] as Value, "cli:alice")] {
            guard case .attached = try db.createRun(id: "run-review-2", runbook: rb, mode: .apply, inputs: ["token_id": "ApiKey-1234"],
                                                    trigger: trigger, concurrencyKey: "alert-review/ApiKey-1234", actor: actor) else {
                throw TestFailure("a later trigger with the same key must attach")
            }
        }
        let t0 = run.createdAt
        func at(_ ms: Int) -> Date { t0.addingTimeInterval(Double(ms) / 1000) }
        var steps = try db.steps(runID: run.id)
        func set(_ id: String, _ status: StepStatus, _ start: Int?, _ end: Int?, attempts: Int = 1, error: String? = nil) {
            guard let i = steps.firstIndex(where: { $0.stepID == id }) else { return }
            steps[i].status = status
            steps[i].startedAt = start.map(at)
            steps[i].finishedAt = end.map(at)
            steps[i].attempt = attempts
            steps[i].error = error
        }
        set("snapshot", .succeeded, 10, 40)
        set("gate", .succeeded, 12, 900)
        set("revoke", .succeeded, 910, 2300, attempts: 2)
        set("braket-only", .skipped, nil, 905, attempts: 0, error: "condition is false")
        set("rotate", .failed, 2310, 2500, error: Self.hostileError)
        set("notify", .cancelled, nil, 2500, attempts: 0, error: "needs rotate, which failed")
        set("page", .succeeded, 2510, 2520)
        func attempt(_ step: String, _ n: Int, _ status: String, _ start: Int, _ end: Int,
                     summary: String? = nil, error: String? = nil) -> AttemptRecord {
            AttemptRecord(runID: run.id, stepID: step, attempt: n, verb: "apply", status: status, startedAt: at(start), finishedAt: at(end),
                          error: error, retryable: error == nil ? nil : status == "failed" && step == "revoke", summary: summary)
        }
        let attempts = [
            attempt("snapshot", 1, "succeeded", 10, 40, summary: "no-op"),
            attempt("revoke", 1, "failed", 910, 1100, error: "503 Service Unavailable"),
            attempt("revoke", 2, "succeeded", 1900, 2300, summary: "revoked key ApiKey-1234"),
            attempt("rotate", 1, "failed", 2310, 2500, error: Self.hostileError),
            attempt("page", 1, "succeeded", 2510, 2520, summary: "no-op"),
        ]
        let approvals = [ApprovalRecord(runID: run.id, stepID: "gate", approved: true, actor: "cli:bob", comment: "go <b>now</b>",
                                        decidedAt: at(880))]
        var finished = run
        finished.status = .failed
        finished.finishedAt = at(2530)
        report = IncidentReport(run: finished, runbook: rb, steps: steps, attempts: attempts, approvals: approvals,
                                triggers: try db.triggers(runID: run.id), events: try db.auditEvents(runID: run.id), chain: try db.verifyAudit())
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: directory) }
}
