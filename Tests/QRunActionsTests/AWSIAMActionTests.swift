import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// The IAM actions against a real moto server with signature checking on.
@Suite(.serialized)
struct AWSIAMActionTests {
    static let stsNote = "temporary credentials already issued via STS with this key stay valid until they expire"

    func keys(_ moto: MotoServer, _ user: String) throws -> [String: String] {
        let r = try moto.call("iam", "list_access_keys", ["UserName": user])
        var out: [String: String] = [:]
        for k in r["AccessKeyMetadata"] as? [[String: Any]] ?? [] { out[k["AccessKeyId"] as! String] = k["Status"] as? String }
        return out
    }

    @Test func motoRefusesAWrongSecretWithSignatureDoesNotMatch() async throws {
        let moto = try MotoServer(users: ["leaky": 1])
        defer { moto.stop() }
        let leaked = moto.accessKeys["leaky"]![0]
        let wrong = "wrongSecretKey/abcdefghijklmnopqrstuvwxyz0123"
        let env = AWSTest.env(endpoint: moto.baseURL, id: moto.admin.id, secret: wrong)
        let action = AWSTest.action("aws.iam.access-key.deactivate", env: env)
        let e = await AWSTest.failure { try await action.plan(AWSTest.call(["user_name": "leaky", "access_key_id": .string(leaked)], env: env, verb: .plan)) }
        #expect(e?.message.hasPrefix("IAM ListAccessKeys failed: SignatureDoesNotMatch (HTTP 403)") == true, "\(e?.message ?? "no error")")
        #expect(e?.message.contains("AWS_SECRET_ACCESS_KEY") == true)
        #expect(e?.retryable == false)
        AWSTest.expectNoSecrets([wrong, moto.admin.secret], results: [], errors: [e])
        // The same call with the right secret goes through: the signature really is checked.
        let good = AWSTest.env(endpoint: moto.baseURL, id: moto.admin.id, secret: moto.admin.secret)
        let r = try await AWSTest.action("aws.iam.access-key.deactivate", env: good)
            .plan(AWSTest.call(["user_name": "leaky", "access_key_id": .string(leaked)], env: good, verb: .plan))
        #expect(r.outputs["status"] == "Active")
    }

    @Test func deactivatePlansAppliesOnceAndVerifies() async throws {
        let moto = try MotoServer(users: ["leaky": 2])
        defer { moto.stop() }
        let (leaked, other) = (moto.accessKeys["leaky"]![0], moto.accessKeys["leaky"]![1])
        let env = AWSTest.env(endpoint: moto.baseURL, id: moto.admin.id, secret: moto.admin.secret)
        let action = AWSTest.action("aws.iam.access-key.deactivate", env: env)
        let params: [String: Value] = ["user_name": "leaky", "access_key_id": .string(leaked)]

        let plan = try await action.plan(AWSTest.call(params, env: env, verb: .plan))
        #expect(plan.outputs["status"] == "Active")
        #expect(plan.outputs["would_change"] == true)
        #expect(plan.outputs["last_used_date"] == .null, "a fresh key was never used")
        #expect(plan.summary == "access key \(leaked) of IAM user leaky would be set Inactive (now Active); never used")
        #expect(try keys(moto, "leaky") == [leaked: "Active", other: "Active"], "plan changed nothing")

        let first = try await action.apply(AWSTest.call(params, env: env))
        #expect(first.outputs["changed"] == true)
        #expect(first.outputs["status"] == "Inactive")
        #expect(try keys(moto, "leaky") == [leaked: "Inactive", other: "Active"])

        // A resume after a crash between UpdateAccessKey and the commit: same key, nothing new.
        let again = try await action.apply(AWSTest.call(params, env: env))
        #expect(again.outputs["changed"] == false)
        #expect(again.summary == "access key \(leaked) of IAM user leaky was already Inactive")
        #expect(try keys(moto, "leaky") == [leaked: "Inactive", other: "Active"])

        let v = try await action.verify(AWSTest.call(params, env: env, verb: .verify))
        #expect(v.outputs["verified"] == true)
        #expect(v.outputs["residual_validity"]?.stringValue?.contains(Self.stsNote) == true)
        AWSTest.expectNoSecrets([moto.admin.secret], results: [plan, first, again, v])
    }

    @Test func deactivateRefusesUnknownKeysAndUsersWithoutPermission() async throws {
        let moto = try MotoServer(users: ["leaky": 1])
        defer { moto.stop() }
        let env = AWSTest.env(endpoint: moto.baseURL, id: moto.admin.id, secret: moto.admin.secret)
        let action = AWSTest.action("aws.iam.access-key.deactivate", env: env)
        let missing = await AWSTest.failure { try await action.apply(AWSTest.call(["user_name": "leaky", "access_key_id": "AKIAAAAAAAAAAAAAAAAA"], env: env)) }
        #expect(missing?.message == "IAM user leaky has no access key AKIAAAAAAAAAAAAAAAAA; nothing was deactivated")
        #expect(missing?.retryable == false)
        let badID = await AWSTest.failure { try await action.plan(AWSTest.call(["user_name": "leaky", "access_key_id": "not/a+key"], env: env, verb: .plan)) }
        #expect(badID?.message.hasPrefix("parameter 'access_key_id' must be an access key ID") == true)
        #expect(badID?.message.contains("not/a+key") == false, "a pasted secret is never echoed")

        let limited = AWSTest.env(endpoint: moto.baseURL, id: moto.limited.id, secret: moto.limited.secret)
        let denied = await AWSTest.failure {
            try await AWSTest.action("aws.iam.access-key.deactivate", env: limited)
                .apply(AWSTest.call(["user_name": "leaky", "access_key_id": .string(moto.accessKeys["leaky"]![0])], env: limited))
        }
        #expect(denied?.message.hasPrefix("IAM ListAccessKeys failed: AccessDenied (HTTP 403)") == true, "\(denied?.message ?? "none")")
        #expect(denied?.retryable == false)
        #expect(try keys(moto, "leaky").values.allSatisfy { $0 == "Active" })
    }

    @Test func deleteMarksDeletesAndRecognisesItsOwnEarlierDelete() async throws {
        let moto = try MotoServer(users: ["leaky": 2])
        defer { moto.stop() }
        let (leaked, other) = (moto.accessKeys["leaky"]![0], moto.accessKeys["leaky"]![1])
        let env = AWSTest.env(endpoint: moto.baseURL, id: moto.admin.id, secret: moto.admin.secret)
        let action = AWSTest.action("aws.iam.access-key.delete", env: env)
        let params: [String: Value] = ["user_name": "leaky", "access_key_id": .string(leaked)]

        let plan = try await action.plan(AWSTest.call(params, env: env, verb: .plan))
        #expect(plan.summary == "would delete access key \(leaked) (Active) of IAM user leaky; never used")
        #expect(try keys(moto, "leaky").count == 2, "plan changed nothing")

        let first = try await action.apply(AWSTest.call(params, env: env))
        #expect(first.outputs["changed"] == true)
        #expect(try keys(moto, "leaky") == [other: "Active"])
        let tags = try moto.call("iam", "list_user_tags", ["UserName": "leaky"])["Tags"] as? [[String: String]] ?? []
        #expect(tags.map { $0["Key"] } == ["qrun:deleted-access-key:\(leaked)"])
        #expect(tags.first?["Value"]?.hasPrefix("qrun-") == true)
        #expect(tags.first?["Value"]?.contains("idem-key-1") == false)

        // Resume after a crash between DeleteAccessKey and the commit: our marker proves it was us.
        let again = try await action.apply(AWSTest.call(params, env: env))
        #expect(again.outputs["changed"] == false)
        #expect(again.summary == "access key \(leaked) of IAM user leaky was already deleted by this step")
        #expect(try keys(moto, "leaky") == [other: "Active"], "the other key was not touched")

        // Another step (another idempotency key) did not delete it: the absence is an error.
        let stranger = await AWSTest.failure { try await action.apply(AWSTest.call(params, env: env, key: "other-step")) }
        #expect(stranger?.message == "IAM user leaky has no access key \(leaked), and this step did not delete it; check user_name and access_key_id")
        #expect(stranger?.retryable == false)

        let v = try await action.verify(AWSTest.call(params, env: env, verb: .verify))
        #expect(v.outputs["verified"] == true)
        #expect(v.outputs["residual_validity"]?.stringValue?.contains(Self.stsNote) == true)
        AWSTest.expectNoSecrets([moto.admin.secret], results: [plan, first, again, v], errors: [stranger])
    }

    @Test func revokeOlderSessionsWritesTheDenyPolicyOnceAndReusesItsTime() async throws {
        let moto = try MotoServer(roles: ["ci-deployer"])
        defer { moto.stop() }
        let env = AWSTest.env(endpoint: moto.baseURL, id: moto.admin.id, secret: moto.admin.secret)
        let t0 = Date(timeIntervalSince1970: floor(Date().timeIntervalSince1970))
        let expected = String(Timestamp.format(t0).prefix(19)) + "Z"
        let params: [String: Value] = ["role_name": "ci-deployer"]

        let plan = try await AWSTest.action("aws.iam.revoke-older-sessions", env: env, now: { t0 }).plan(AWSTest.call(params, env: env, verb: .plan))
        #expect(plan.outputs["previous_revoked_before"] == .null)
        #expect(plan.summary == "would deny every action to sessions of IAM role ci-deployer issued before the moment of apply")
        let none = try moto.call("iam", "get_role_policy", ["RoleName": "ci-deployer", "PolicyName": "AWSRevokeOlderSessions"])
        #expect((none["Error"] as? [String: Any])?["Code"] as? String == "NoSuchEntity", "plan changed nothing")

        let first = try await AWSTest.action("aws.iam.revoke-older-sessions", env: env, now: { t0 }).apply(AWSTest.call(params, env: env))
        #expect(first.outputs["revoked_before"] == .string(expected))
        #expect(first.outputs["changed"] == true)
        let doc = try moto.call("iam", "get_role_policy", ["RoleName": "ci-deployer", "PolicyName": "AWSRevokeOlderSessions"])["PolicyDocument"] as? [String: Any]
        let statement = (doc?["Statement"] as? [[String: Any]])?.first
        #expect(statement?["Effect"] as? String == "Deny")
        #expect(statement?["Action"] as? [String] == ["*"])
        #expect(((statement?["Condition"] as? [String: Any])?["DateLessThan"] as? [String: String])?["aws:TokenIssueTime"] == expected)

        // A resume 90 s later reuses the first cut-off instead of moving it.
        let later = AWSTest.action("aws.iam.revoke-older-sessions", env: env, now: { t0.addingTimeInterval(90) })
        let again = try await later.apply(AWSTest.call(params, env: env))
        #expect(again.outputs["revoked_before"] == .string(expected))
        #expect(again.outputs["changed"] == false)

        let v = try await later.verify(AWSTest.call(params, env: env, verb: .verify))
        #expect(v.outputs["verified"] == true)
        #expect(v.outputs["revoked_before"] == .string(expected))

        // A later incident (another step) moves the cut-off.
        let next = try await later.apply(AWSTest.call(params, env: env, key: "incident-2"))
        #expect(next.outputs["revoked_before"] == .string(String(Timestamp.format(t0.addingTimeInterval(90)).prefix(19)) + "Z"))
        #expect(next.outputs["changed"] == true)

        let missing = await AWSTest.failure { try await later.apply(AWSTest.call(["role_name": "nobody"], env: env)) }
        #expect(missing?.message == "IAM role nobody does not exist; nothing was revoked")
        #expect(missing?.retryable == false)
    }

    @Test func missingCredentialsNameWhatToConfigure() async throws {
        let env = ["AWS_ENDPOINT_URL": "http://127.0.0.1:1"]
        let e = await AWSTest.failure {
            try await AWSTest.action("aws.iam.access-key.deactivate", env: env)
                .plan(AWSTest.call(["user_name": "u", "access_key_id": "AKIAAAAAAAAAAAAAAAAA"], env: env, verb: .plan))
        }
        #expect(e?.message == "no AWS access key ID configured; set AWS_ACCESS_KEY_ID or providers.aws.access_key_id (a secret reference such as secret:env:NAME)")
        #expect(e?.retryable == false)
        let idOnly = ["AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ACCESS_KEY_ID": "AKIAAAAAAAAAAAAAAAAA"]
        let e2 = await AWSTest.failure {
            try await AWSTest.action("aws.iam.revoke-older-sessions", env: idOnly).plan(AWSTest.call(["role_name": "r"], env: idOnly, verb: .plan))
        }
        #expect(e2?.message.hasPrefix("no AWS secret access key configured; set AWS_SECRET_ACCESS_KEY") == true)
    }
}
