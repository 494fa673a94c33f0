import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `azure.app.remove-password` against the fake Graph and identity platform.
@Suite
struct AzureRemovePasswordTests {
    let params: [String: Value] = ["application_object_id": .string(AzureFake.targetObjectID), "key_id": .string(AzureFake.leakedKeyID)]

    func keyIDs(_ fake: AzureFake, _ kind: String = "applications", _ id: String = AzureFake.targetObjectID) async throws -> [String] {
        try await fake.state()[kind]?[id]?["keyIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    func removals(_ fake: AzureFake) async throws -> Int {
        try await fake.state()["mutations"]?["removePassword"]?.intValue ?? -1
    }

    @Test func planDescribesTheSecretAndChangesNothing() async throws {
        let fake = try await AzureFake()
        let remove = fake.actions().remove
        let r = try await remove.plan(fake.call(params, verb: .plan))
        #expect(r.outputs["present"] == true)
        #expect(r.outputs["display_name"] == "quantum-workspace-runner")
        #expect(r.outputs["credential_display_name"] == "ci-pipeline")
        #expect(r.outputs["end_date_time"] == "2031-03-01T00:00:00Z")
        #expect(r.outputs["hint"] == "LkD")
        #expect(r.summary == "would remove client secret \(AzureFake.leakedKeyID) 'ci-pipeline' (hint LkD…, expires 2031-03-01T00:00:00Z) from application 'quantum-workspace-runner' (\(AzureFake.targetObjectID))")
        #expect(try await keyIDs(fake) == [AzureFake.leakedKeyID, AzureFake.otherKeyID])
        #expect(try await removals(fake) == 0)
        let writes = try await fake.state()["requests"]?.arrayValue?.compactMap(\.stringValue).filter { $0.hasPrefix("POST /graph") }
        #expect(writes == [], "plan made no Graph writes")

        let absent = try await remove.plan(fake.call(["application_object_id": .string(AzureFake.targetObjectID),
                                                      "key_id": "12345678-1234-4234-8234-123456789012"], verb: .plan))
        #expect(absent.outputs["present"] == false)
        #expect(absent.summary.contains("is not on application 'quantum-workspace-runner'"))
    }

    @Test func applyRemovesOnceAndTheLeakedSecretIsRefused() async throws {
        let fake = try await AzureFake()
        let remove = fake.actions().remove
        #expect(try await fake.tokenStatus(clientID: AzureFake.targetAppID, secret: AzureFake.leakedSecret).0 == 200, "the leaked secret works before")

        let first = try await remove.apply(fake.call(params))
        #expect(first.outputs["already_removed"] == false)
        #expect(first.outputs["key_id"] == .string(AzureFake.leakedKeyID))
        #expect(try await keyIDs(fake) == [AzureFake.otherKeyID], "only the leaked secret is gone")

        let second = try await remove.apply(fake.call(params))
        #expect(second.outputs["already_removed"] == true)
        #expect(try await removals(fake) == 1, "the second apply removed nothing")

        let (status, body) = try await fake.tokenStatus(clientID: AzureFake.targetAppID, secret: AzureFake.leakedSecret)
        #expect(status == 401)
        #expect(body["error_codes"] == [7000215])
    }

    @Test func aCrashAfterGraphRemovedTheSecretResumesWithoutASecondEffect() async throws {
        let fake = try await AzureFake()
        let remove = fake.actions().remove
        try await fake.fault("/graph/v1.0/applications/\(AzureFake.targetObjectID)/removePassword", status: 503, after: true)
        let lost = await azureFailure { try await remove.apply(fake.call(params)) }
        #expect(lost?.retryable == true, "the answer was lost: \(lost?.message ?? "none")")
        #expect(try await keyIDs(fake) == [AzureFake.otherKeyID], "but Graph did remove it")

        let resumed = try await remove.apply(fake.call(params))
        #expect(resumed.outputs["already_removed"] == true)
        #expect(try await removals(fake) == 1)
    }

    @Test func verifyProvesTheSecretIsGoneAndStatesWhatStaysValid() async throws {
        let fake = try await AzureFake()
        let remove = fake.actions().remove
        let early = await azureFailure { try await remove.verify(fake.call(params, verb: .verify)) }
        #expect(early?.retryable == true, "still listed: Graph reads may lag")
        #expect(early?.message.contains("is still listed on application") == true)

        _ = try await remove.apply(fake.call(params))
        let r = try await remove.verify(fake.call(params, verb: .verify))
        #expect(r.outputs["verified"] == true)
        #expect(r.outputs["residual_validity"]?.stringValue?.contains("60–90 minutes") == true)
        #expect(try await removals(fake) == 1, "verify changed nothing")
    }

    @Test func servicePrincipalPasswordsAreRemovedToo() async throws {
        let fake = try await AzureFake()
        let remove = fake.actions().remove
        let sp: [String: Value] = ["service_principal_id": .string(AzureFake.spObjectID), "key_id": .string(AzureFake.spKeyID)]
        let plan = try await remove.plan(fake.call(sp, verb: .plan))
        #expect(plan.outputs["object_type"] == "service principal")
        #expect(plan.outputs["present"] == true)
        _ = try await remove.apply(fake.call(sp))
        #expect(try await keyIDs(fake, "servicePrincipals", AzureFake.spObjectID) == [])
        #expect(try await remove.verify(fake.call(sp, verb: .verify)).outputs["verified"] == true)
    }

    @Test func failuresSayWhetherARetryMayHelp() async throws {
        let fake = try await AzureFake(roles: [])
        let remove = fake.actions().remove
        let denied = await azureFailure { try await remove.apply(fake.call(params)) }
        #expect(denied?.retryable == false)
        #expect(denied?.message.contains("HTTP 403 Authorization_RequestDenied: Insufficient privileges to complete the operation.") == true, "\(denied?.message ?? "")")
        #expect(denied?.message.contains("Application.ReadWrite.All") == true)

        let allowed = try await AzureFake()
        let remove2 = allowed.actions().remove
        let missing = await azureFailure {
            try await remove2.plan(allowed.call(["application_object_id": .string(AzureFake.targetAppID), "key_id": .string(AzureFake.leakedKeyID)], verb: .plan))
        }
        #expect(missing?.retryable == false)
        #expect(missing?.message.contains("HTTP 404 Request_ResourceNotFound") == true)
        #expect(missing?.message.contains("object id, not the application (client) id") == true)

        try await allowed.fault("/graph", status: 429, retryAfter: 7)
        let limited = await azureFailure { try await remove2.apply(allowed.call(params)) }
        #expect(limited?.retryable == true)
        #expect(limited?.retryAfter == .seconds(7))
        #expect(limited?.message.contains("TooManyRequests") == true)
        try await allowed.fault("/graph", status: 503)
        let down = await azureFailure { try await remove2.apply(allowed.call(params)) }
        #expect(down?.retryable == true)
        #expect(try await removals(allowed) == 0)
    }

    @Test func aRevokedTokenIsReplacedOnce() async throws {
        let fake = try await AzureFake()
        let remove = fake.actions().remove
        _ = try await remove.plan(fake.call(params, verb: .plan))
        try await fake.control("/_fake/revoke-tokens")
        let r = try await remove.plan(fake.call(params, verb: .plan))
        #expect(r.outputs["present"] == true)
        #expect(try await fake.state()["tokens_issued"]?.arrayValue?.count == 2, "one new token after the 401")
    }

    @Test func parametersAreValidated() async throws {
        let fake = try await AzureFake()
        let remove = fake.actions().remove
        let cases: [([String: Value], String)] = [
            (["key_id": .string(AzureFake.leakedKeyID)], "give application_object_id"),
            (["application_object_id": .string(AzureFake.targetObjectID), "service_principal_id": .string(AzureFake.spObjectID),
              "key_id": .string(AzureFake.leakedKeyID)], "give only one of"),
            (["application_object_id": "../../me", "key_id": .string(AzureFake.leakedKeyID)], "is not an object id"),
            (["application_object_id": .string(AzureFake.targetObjectID), "key_id": "Secret-Value"], "is not a keyId"),
            (["application_object_id": .string(AzureFake.targetObjectID)], "parameter 'key_id' is required"),
        ]
        for (p, phrase) in cases {
            let e = await azureFailure { try await remove.apply(fake.call(p)) }
            #expect(e?.message.contains(phrase) == true, "\(p): \(e?.message ?? "none")")
            #expect(e?.retryable == false)
        }
        #expect(try await fake.state()["requests"]?.arrayValue == [], "nothing was sent")
    }

    @Test func credentialsNeverAppearInOutputsSummariesOrErrors() async throws {
        let fake = try await AzureFake()
        let remove = fake.actions().remove
        var texts: [String] = []
        for verb in [ActionVerb.plan, .apply, .apply, .verify] {
            let c = fake.call(params, verb: verb)
            let r: ActionResult
            switch verb {
            case .plan: r = try await remove.plan(c)
            case .apply: r = try await remove.apply(c)
            case .verify: r = try await remove.verify(c)
            }
            texts.append(r.summary)
            texts.append(Value.object(r.outputs).jsonText)
        }
        let wrong = fake.actions(fake.environment.merging(["AZURE_CLIENT_SECRET": "Wrong~CANARY-secret-value-55"]) { $1 }).remove
        let e = await azureFailure { try await wrong.apply(fake.call(params, env: fake.environment.merging(["AZURE_CLIENT_SECRET": "Wrong~CANARY-secret-value-55"]) { $1 })) }
        texts.append(e?.message ?? "")
        for canary in [AzureFake.operatorSecret, AzureFake.leakedSecret, "Wrong~CANARY-secret-value-55"] {
            for t in texts { #expect(CanaryScanner(canary).find(in: t).isEmpty, "\(canary) in \(t)") }
        }
        #expect(e?.message.contains("AADSTS7000215") == true)
    }
}
