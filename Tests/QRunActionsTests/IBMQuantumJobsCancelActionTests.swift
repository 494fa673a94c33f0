import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `ibm.quantum.jobs.cancel` against the Runtime fake: filters, one effective cancel per job,
/// 409 for jobs that finished meanwhile, verify, and failure classification.
@Suite
struct IBMQuantumJobsCancelActionTests {
    func action(_ fake: IBMFake, instance: String? = IBMFake.instance) -> IBMQuantumJobsCancelAction {
        IBMQuantumJobsCancelAction(transport: CurlTransport(), settings: fake.settings(instance: instance), tokens: IAMTokenProvider())
    }

    func jobStatus(_ fake: IBMFake, _ id: String) throws -> String? {
        (try fake.state()["jobs"] as? [[String: Any]])?.first { $0["id"] as? String == id }?["status"] as? String
    }

    let leakFilter: [String: Value] = ["created_after": "2026-01-01T00:00:00Z", "tags": ["leak"]]

    @Test func planListsTheMatchingPendingJobsAndCancelsNothing() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let r = try await action(fake).plan(fake.calls().call(leakFilter, verb: .plan))
        #expect(r.outputs["matched"] == 2)
        #expect(r.outputs["job_ids"] == ["job-r1", "job-q1"])
        #expect(r.summary == "would cancel 2 IBM Quantum job(s) created after 2026-01-01T00:00:00Z, tags [leak]: job-r1, job-q1")
        #expect(try fake.writes().isEmpty)
        #expect(try jobStatus(fake, "job-q1") == "Queued")
    }

    @Test func cancelsOnceAcrossARetryAndVerifies() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let calls = fake.calls()
        let first = try await action(fake).apply(calls.call(leakFilter))
        #expect(first.outputs["cancelled"] == 2)
        #expect(first.outputs["job_ids"] == ["job-r1", "job-q1"])
        #expect(first.summary == "cancelled 2 IBM Quantum job(s): job-r1, job-q1")
        // A resume after a crash between the cancels and the commit.
        let resumed = try await action(fake).apply(calls.call(leakFilter, attempt: 2))
        #expect(resumed.outputs["cancelled"] == 0)
        #expect(resumed.outputs["matched"] == 0)
        #expect(try fake.writes() == ["POST /api/v1/jobs/job-r1/cancel", "POST /api/v1/jobs/job-q1/cancel"])
        #expect(try fake.int("effects") == 2)
        #expect(try jobStatus(fake, "job-old") == "Queued", "created before the filter: untouched")
        #expect(try jobStatus(fake, "job-q2") == "Queued", "no 'leak' tag: untouched")
        let v = try await action(fake).verify(calls.call(leakFilter, verb: .verify))
        #expect(v.outputs["verified"] == true)
        #expect(v.outputs["residual_validity"] == .string(IBMQuantumJobsCancelAction.residualValidity))
    }

    @Test func aJobThatFinishesBeforeItsCancelCountsAsDone() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        try fake.server.post("/_fake/race?job=job-q2")
        let r = try await action(fake).apply(fake.calls().call(["created_after": "2026-01-01T00:00:00Z", "session": "sess-1"]))
        #expect(r.outputs["job_ids"] == ["job-q1"])
        #expect(r.outputs["already_finished"] == ["job-q2"])
        #expect(r.summary == "cancelled 1 IBM Quantum job(s): job-q1; 1 had already finished")
    }

    @Test func filtersByBackendProgramAndTime() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let calls = fake.calls()
        let torino = try await action(fake).plan(calls.call(["created_after": "2026-01-01T00:00:00Z", "backend": "ibm_torino"], verb: .plan))
        #expect(torino.outputs["job_ids"] == ["job-q2", "job-r1"])
        let estimator = try await action(fake).plan(calls.call(["created_after": "2025-01-01T00:00:00Z", "program": "estimator"], verb: .plan))
        #expect(estimator.outputs["job_ids"] == ["job-r1"])
        let window = try await action(fake).plan(calls.call(["created_after": "2026-01-10T10:30:00Z", "created_before": "2026-01-10T11:30:00+00:00"], verb: .plan))
        #expect(window.outputs["job_ids"] == ["job-r1"])
        let recent = try await action(fake).plan(calls.call(["created_after": "6h"], verb: .plan))
        #expect(recent.outputs["matched"] == 0, "every fixture job is older than six hours")
        #expect(recent.summary.hasPrefix("no queued or running IBM Quantum jobs match (created after "))
    }

    @Test func readsEveryPageBeforeCancelling() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        try fake.server.post("/_fake/add_jobs?count=230&prefix=bulk&backend=ibm_bulk")
        let params: [String: Value] = ["created_after": "2026-01-01T00:00:00Z", "backend": "ibm_bulk"]
        let r = try await action(fake).apply(fake.calls().call(params))
        #expect(r.outputs["cancelled"] == 230)
        #expect(try fake.int("effects") == 230)
        let v = try await action(fake).verify(fake.calls().call(params, verb: .verify))
        #expect(v.outputs["verified"] == true)
    }

    @Test func verifyFailsRetryablyWhileJobsAreStillPending() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let e = await actionError { try await action(fake).verify(fake.calls().call(leakFilter, verb: .verify)) }
        #expect(e?.retryable == true)
        #expect(e?.message == "2 matching IBM Quantum job(s) are still queued or running: job-r1, job-q1")
    }

    @Test func classifiesFailuresAndNamesMissingSettings() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let forbidden = await actionError { try await action(fake).apply(fake.calls(key: IBMFake.viewerKey).call(leakFilter)) }
        #expect(forbidden?.retryable == false)
        #expect(forbidden?.message.hasPrefix("IBM Quantum refused to cancel job job-r1 (cancelled so far: none): HTTP 403: 1204: Forbidden") == true)

        try fake.server.post("/_fake/fail?count=1&status=503&retry_after=5&path=/api/v1/jobs")
        let unavailable = await actionError { try await action(fake).apply(fake.calls().call(leakFilter)) }
        #expect(unavailable?.retryable == true)
        #expect(unavailable?.retryAfter == .seconds(5))

        let wrongInstance = await actionError { try await action(fake, instance: "crn:v1:other").plan(fake.calls().call(leakFilter, verb: .plan)) }
        #expect(wrongInstance?.retryable == false)
        #expect(wrongInstance?.message.contains("HTTP 403") == true)

        let noInstance = await actionError { try await action(fake, instance: nil).plan(fake.calls().call(leakFilter, verb: .plan)) }
        #expect(noInstance?.message == "no IBM Quantum instance configured; set providers.ibm.quantum_instance to the instance CRN (crn:v1:bluemix:public:quantum-computing:…)")

        let badTime = await actionError { try await action(fake).plan(fake.calls().call(["created_after": "yesterday"], verb: .plan)) }
        #expect(badTime?.message == "created_after must be an RFC 3339 time such as 2026-01-10T00:00:00Z, or a duration such as 6h, not 'yesterday'")
        #expect(try fake.int("effects") == 0)
    }

    @Test func noCredentialOrTokenAppearsInWhatTheActionShows() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let calls = fake.calls()
        let results = [try await action(fake).plan(calls.call(leakFilter, verb: .plan)),
                       try await action(fake).apply(calls.call(leakFilter)),
                       try await action(fake).verify(calls.call(leakFilter, verb: .verify))]
        try fake.server.post("/_fake/config?expires_in=0")
        let e = await actionError { try await action(fake).plan(calls.call(leakFilter, verb: .plan)) }
        for text in calls.shown(results, errors: e.map { [$0] } ?? []) {
            #expect(!text.contains(IBMFake.adminKey))
            #expect(calls.redactor.redact(text) == text, "no registered secret in: \(text)")
        }
        #expect(e != nil)
    }
}
