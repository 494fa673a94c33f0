import Foundation
import QRunTestSupport
import Testing

/// The shipped qpu-billing-abuse runbook against the IBM Cloud fake and against moto plus the
/// Braket fake: a plan-mode drill changes nothing; the run disables (deactivates) only the abused
/// key, cancels the queued and running jobs of the window once each, leaves the jobs outside the
/// window alone, and the incident webhook gets the exposure window (first and last job, count,
/// the provider's size figure, and "not reported" for money).
@Suite(.serialized)
struct QPUBillingAbuseTests {
    @Test func ibmRunDisablesTheKeyCancelsTheWindowAndReportsTheExposure() async throws {
        let fakes = try await ProviderFakes([.ibm])
        defer { fakes.stop() }
        let ws = try RunbookLibrary.workspace("qba-ibm", ["qpu-billing-abuse"], fakes: fakes)
        defer { ws.cleanup() }
        let hook = try WebhookCapture()
        defer { hook.stop() }
        let env = fakes.environment.merging(["QRUN_INCIDENT_WEBHOOK": hook.baseURL + "/incident"]) { $1 }
        let args = ["--token-id", ProviderFakes.ibmLeakedKeyID, "--provider", "ibm-quantum", "--since", ProviderFakes.ibmSince, "--json"]

        #expect(try QRun.run(["validate", "runbooks/qpu-billing-abuse.yaml"], home: ws.home, env: env).status == 0)
        let before = try await fakes.snapshot()
        let drill = try QRun.run(["drill", "qpu-billing-abuse"] + args, home: ws.home, env: env)
        #expect(drill.status == 0, "drill: \(drill.stdout.suffix(2000)) \(drill.stderr)")
        let drillSteps = CredentialLeak.byID(try drill.json()["steps"])
        let planned = drillSteps["ibm-cancel-jobs"]?["outputs"] as? [String: Any] ?? [:]
        #expect(planned["count"] as? Int == 3 && planned["first_created"] as? String == "2026-01-10T10:00:00.000Z", "\(planned)")
        #expect(try await fakes.snapshot() == before, "the drill changed a fake")
        #expect(try hook.requests().isEmpty, "the drill notified")

        let out = try QRun.run(["incident", "qpu-billing-abuse"] + args, home: ws.home, env: env)
        #expect(out.status == 0, "the run must succeed: \(out.stdout.suffix(2000)) \(out.stderr)")
        let steps = CredentialLeak.byID(try out.json()["steps"])
        #expect(CredentialLeak.status(steps) == ["snapshot": "succeeded", "ibm-disable-key": "succeeded", "ibm-cancel-jobs": "succeeded",
                                                 "aws-deactivate-key": "skipped", "braket-cancel-tasks": "skipped",
                                                 "notify-ibm": "succeeded", "notify-braket": "skipped", "page": "skipped"])

        let state = try await fakes.ibmState()
        let keys = state["keys"] as? [String: [String: Any]] ?? [:]
        #expect(keys.filter { $0.value["disabled"] as? Bool == true }.map(\.key) == [ProviderFakes.ibmLeakedKeyID], "only the abused key")
        let jobs = Dictionary(uniqueKeysWithValues: (state["jobs"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", $0["status"] as? String ?? "") })
        #expect(jobs == ["job-q1": "Cancelled", "job-r1": "Cancelled", "job-q2": "Cancelled", "job-c1": "Completed",
                         "job-x1": "Cancelled", "job-old": "Queued"], "the job queued before the window is left alone: \(jobs)")
        let writes = state["writes"] as? [String] ?? []
        #expect(writes.count == 4 && writes.filter { $0.hasSuffix("/cancel") }.count == 3, "one cancel per job: \(writes)")

        let notes = try hook.requests()
        #expect(notes.count == 1, "one notification")
        let note = try #require(notes.first).json()
        #expect(note["token_id"] as? String == ProviderFakes.ibmLeakedKeyID)
        #expect(note["first_job_created"] as? String == "2026-01-10T10:00:00.000Z", "\(note)")
        #expect(note["last_job_created"] as? String == "2026-01-10T12:00:00.000Z", "\(note)")
        #expect("\(note["jobs"] ?? "")" == "3" && "\(note["cancelled"] ?? "")" == "3", "\(note)")
        #expect("\(note["estimated_qpu_seconds"] ?? "")" == "1800", "three jobs of cost 600 s: \(note)")
        #expect((note["estimated_cost"] as? String ?? "").hasPrefix("not reported"), "\(note)")
    }

    @Test func braketRunDeactivatesTheKeyCancelsTheWindowAndReportsTheExposure() async throws {
        let fakes = try await ProviderFakes([.braket])
        defer { fakes.stop() }
        let ws = try RunbookLibrary.workspace("qba-braket", ["qpu-billing-abuse"], fakes: fakes)
        defer { ws.cleanup() }
        let hook = try WebhookCapture()
        defer { hook.stop() }
        let env = fakes.environment.merging(["QRUN_INCIDENT_WEBHOOK": hook.baseURL + "/incident"]) { $1 }
        let leaked = try #require(fakes.leakedAWSKey)
        let other = try #require(fakes.otherAWSKey)
        let args = ["--token-id", leaked, "--provider", "braket", "--aws-user", ProviderFakes.awsUser, "--since", ProviderFakes.since, "--json"]

        let drill = try QRun.run(["drill", "qpu-billing-abuse"] + args, home: ws.home, env: env)
        #expect(drill.status == 0, "drill: \(drill.stdout.suffix(2000)) \(drill.stderr)")
        #expect(try hook.requests().isEmpty, "the drill notified")

        let out = try QRun.run(["incident", "qpu-billing-abuse"] + args, home: ws.home, env: env)
        #expect(out.status == 0, "the run must succeed: \(out.stdout.suffix(2000)) \(out.stderr)")
        let steps = CredentialLeak.byID(try out.json()["steps"])
        #expect(steps["aws-deactivate-key"]?["status"] as? String == "succeeded")
        #expect(steps["notify-braket"]?["status"] as? String == "succeeded")

        let iam = try fakes.boto3([("keys", "iam", "list_access_keys", ["UserName": ProviderFakes.awsUser])])
        let keys = ((iam["keys"] as? [String: Any])?["AccessKeyMetadata"] as? [[String: Any]] ?? [])
        let status = Dictionary(uniqueKeysWithValues: keys.map { ($0["AccessKeyId"] as? String ?? "", $0["Status"] as? String ?? "") })
        #expect(status == [leaked: "Inactive", other: "Active"], "\(status)")
        let braket = try await fakes.braketState()
        let tasks = braket["tasks"] as? [String: [String: Any]] ?? [:]
        #expect(tasks[ProviderFakes.taskQueuedBefore]?["status"] as? String == "QUEUED", "the task before the window is left alone")
        #expect(braket["cancel_effects"] as? [String: Int] == [ProviderFakes.taskQueuedAfter: 1, ProviderFakes.taskRunningAfter: 1])

        let note = try #require(try hook.requests().first).json()
        #expect(note["first_job_created"] as? String == "2026-11-25T07:00:00.000Z", "\(note)")
        #expect(note["last_job_created"] as? String == "2026-11-25T07:30:00.000Z", "\(note)")
        #expect("\(note["jobs"] ?? "")" == "2" && "\(note["cancelled"] ?? "")" == "2", "\(note)")
        #expect("\(note["shots"] ?? "")" == "200", "\(note)")
        #expect((note["estimated_cost"] as? String ?? "").hasPrefix("not reported"), "\(note)")
        #expect(try hook.requests().count == 1)
    }
}
