import Foundation
import QRunTestSupport
import Testing

/// The shipped credential-leak runbook, `--provider braket`, against the real moto server (IAM,
/// signature checking on) and the Braket fake, both reached with one AWS identity.
@Suite(.serialized)
struct CredentialLeakBraketTests {
    @Test func braketRunDeactivatesTheKeyCutsSessionsCancelsTasksAndRotates() async throws {
        let fakes = try await ProviderFakes([.braket])
        defer { fakes.stop() }
        let ws = try CredentialLeak.workspace("cl-braket", fakes)
        defer { ws.cleanup() }
        let env = fakes.environment
        let transcript = CredentialLeak.Transcript()
        let leaked = try #require(fakes.leakedAWSKey)
        let other = try #require(fakes.otherAWSKey)
        let moto = try #require(fakes.moto)

        let out = try transcript.qrun(["incident", "credential-leak", "--token-id", leaked, "--provider", "braket",
                                       "--aws-user", ProviderFakes.awsUser, "--aws-role", ProviderFakes.awsRole,
                                       "--since", ProviderFakes.since, "--auto-approve", "--json"], ws, env: env)
        #expect(out.status == 0, "the run must succeed: \(out.stdout.suffix(2000)) \(out.stderr)")
        let summary = try out.json()
        let runID = try #require(summary["run_id"] as? String)
        #expect(summary["status"] as? String == "succeeded")
        let steps = CredentialLeak.byID(summary["steps"])
        #expect(CredentialLeak.status(steps) == CredentialLeak.expectedStatuses(.braket, approval: false, notify: false))
        let cancelled = steps["braket-cancel-tasks"]?["outputs"] as? [String: Any] ?? [:]
        #expect(cancelled["newly_cancelled"] as? Int == 2)
        #expect(Set(cancelled["task_arns"] as? [String] ?? []) == [ProviderFakes.taskQueuedAfter, ProviderFakes.taskRunningAfter])

        // IAM (moto, read through boto3): the leaked key is Inactive, the user's other key and
        // qrun's own key are Active, the role carries the session revocation.
        let iam = try fakes.boto3([
            ("keys", "iam", "list_access_keys", ["UserName": ProviderFakes.awsUser]),
            ("admin", "iam", "list_access_keys", ["UserName": "admin"]),
            ("policy", "iam", "get_role_policy", ["RoleName": ProviderFakes.awsRole, "PolicyName": "AWSRevokeOlderSessions"]),
            ("role-policies", "iam", "list_role_policies", ["RoleName": ProviderFakes.awsRole]),
        ])
        let keys = ((iam["keys"] as? [String: Any])?["AccessKeyMetadata"] as? [[String: Any]] ?? [])
        let status = Dictionary(uniqueKeysWithValues: keys.map { ($0["AccessKeyId"] as? String ?? "", $0["Status"] as? String ?? "") })
        #expect(status == [leaked: "Inactive", other: "Active"], "\(status)")
        let admin = ((iam["admin"] as? [String: Any])?["AccessKeyMetadata"] as? [[String: Any]] ?? [])
        #expect(admin.map { $0["Status"] as? String } == ["Active"])
        #expect((iam["role-policies"] as? [String: Any])?["PolicyNames"] as? [String] == ["AWSRevokeOlderSessions"])
        let document = "\((iam["policy"] as? [String: Any])?["PolicyDocument"] ?? "")"
        #expect(document.contains("Deny") && document.contains("aws:TokenIssueTime"), "\(document.prefix(400))")
        let data = try await fakes.motoState()
        let motoKeys = ((data["iam"] as? [String: Any])?["AccessKey"] as? [[String: Any]] ?? [])
        #expect(motoKeys.filter { $0["status"] as? String == "Inactive" }.map { $0["access_key_id"] as? String } == [leaked],
                "exactly one key in moto is Inactive")
        _ = moto

        // Braket: the two active tasks created after the leak are cancelled once each; the
        // completed one and the one queued before the leak are left alone.
        let braket = try await fakes.braketState()
        let tasks = braket["tasks"] as? [String: [String: Any]] ?? [:]
        #expect(tasks[ProviderFakes.taskQueuedAfter]?["status"] as? String == "CANCELLED")
        #expect(tasks[ProviderFakes.taskRunningAfter]?["status"] as? String == "CANCELLING")
        #expect(tasks[ProviderFakes.taskCompletedAfter]?["status"] as? String == "COMPLETED")
        #expect(tasks[ProviderFakes.taskQueuedBefore]?["status"] as? String == "QUEUED")
        #expect(braket["cancel_effects"] as? [String: Int] == [ProviderFakes.taskQueuedAfter: 1, ProviderFakes.taskRunningAfter: 1])
        #expect((braket["auth_failures"] as? [Any] ?? []).isEmpty, "every Braket request was signed with the right key")

        let newValue = try await CredentialLeak.expectRotated(.braket, fakes)
        #expect(try await fakes.vaultState()["counters"].flatMap { ($0 as? [String: Int])?["accessor_revocations"] } == 0)

        try CredentialLeak.expectNoCanary([moto.admin.secret, ProviderFakes.vaultOperatorToken, newValue,
                                           ProviderFakes.oldGuardedValue(.braket)],
                                          runID: runID, ws, env: env, transcript: transcript)
    }

    /// The leaked access key id alone is enough: IAM names the user that owns it.
    @Test func theAccessKeyIdAloneIsEnoughToDeactivateTheKey() async throws {
        let fakes = try await ProviderFakes([.braket])
        defer { fakes.stop() }
        let ws = try CredentialLeak.workspace("cl-braket-id", fakes)
        defer { ws.cleanup() }
        let transcript = CredentialLeak.Transcript()
        let leaked = try #require(fakes.leakedAWSKey)
        let other = try #require(fakes.otherAWSKey)
        let out = try transcript.qrun(["incident", "credential-leak", "--token-id", leaked, "--provider", "braket",
                                       "--auto-approve", "--json"], ws, env: fakes.environment)
        #expect(out.status == 0, "\(out.stdout.suffix(2000)) \(out.stderr)")
        let steps = CredentialLeak.byID(try out.json()["steps"])
        let deactivated = steps["aws-deactivate-key"]?["outputs"] as? [String: Any] ?? [:]
        #expect(deactivated["user_name"] as? String == ProviderFakes.awsUser, "the owner came from IAM: \(deactivated)")
        let iam = try fakes.boto3([("keys", "iam", "list_access_keys", ["UserName": ProviderFakes.awsUser])])
        let keys = ((iam["keys"] as? [String: Any])?["AccessKeyMetadata"] as? [[String: Any]] ?? [])
        let status = Dictionary(uniqueKeysWithValues: keys.map { ($0["AccessKeyId"] as? String ?? "", $0["Status"] as? String ?? "") })
        #expect(status == [leaked: "Inactive", other: "Active"], "\(status)")
    }

    /// A branch that cannot work (Azure without the application id) is refused before the run
    /// exists, so nobody approves a containment that would fail after the approval.
    @Test func aRunMissingWhatItsBranchNeedsIsRefusedBeforeItStarts() async throws {
        let fakes = try await ProviderFakes([.braket])
        defer { fakes.stop() }
        let ws = try CredentialLeak.workspace("cl-precheck", fakes)
        defer { ws.cleanup() }
        let out = try QRun.run(["incident", "credential-leak", "--token-id", "b0f3c2a1-keyid", "--provider", "azure-quantum"],
                               home: ws.home, env: fakes.environment)
        #expect(out.status == 2, "\(out.stderr)")
        #expect(out.stderr.contains("step 'azure-remove-secret'") && out.stderr.contains("--azure-app"), "\(out.stderr)")
        let list = try QRun.run(["runs", "list", "--json"], home: ws.home)
        #expect((try? list.json()["runs"] as? [Any])??.isEmpty ?? true, "no run was created")
        let since = try QRun.run(["incident", "credential-leak", "--token-id", "ApiKey-1234", "--since", "notadate"],
                                 home: ws.home, env: fakes.environment)
        #expect(since.status == 2)
        #expect(since.stderr.contains("since") && since.stderr.contains("RFC 3339"), "\(since.stderr)")
    }
}
