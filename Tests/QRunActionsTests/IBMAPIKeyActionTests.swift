import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `ibm.apikey.lock|disable|delete` against the IAM fake: plan is read-only, apply writes once,
/// verify proves the effect, and failures say whether a retry may help.
@Suite
struct IBMAPIKeyActionTests {
    func action(_ op: IBMAPIKeyOperation, _ fake: IBMFake) -> IBMAPIKeyAction {
        IBMAPIKeyAction(op, transport: CurlTransport(), settings: fake.settings(), tokens: IAMTokenProvider())
    }

    @Test func planReadsTheKeyAndChangesNothing() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let calls = fake.calls()
        let r = try await action(.disable, fake).plan(calls.call(["apikey_id": "ApiKey-leaked-1", "leaked_apikey": "secret:env:LEAKED_KEY"], verb: .plan))
        #expect(r.summary == "would disable IBM API key ApiKey-leaked-1 (apikey-leaked-1, iam_id iam-ServiceId-quantum-ci, account acct-1)")
        #expect(r.outputs["would_change"] == true)
        #expect(r.outputs["iam_id"] == "iam-ServiceId-quantum-ci")
        #expect(r.outputs["disabled"] == false)
        #expect(try fake.writes().isEmpty)
        #expect(try fake.int("effects") == 0)
        #expect(try fake.key("ApiKey-leaked-1")?["disabled"] as? Bool == false)
    }

    @Test func disableAppliesOnceAndVerifyProvesTheLeakedKeyIsRefused() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let calls = fake.calls()
        let a = action(.disable, fake)
        let params: [String: Value] = ["apikey_id": "ApiKey-leaked-1", "leaked_apikey": "secret:env:LEAKED_KEY"]
        let first = try await a.apply(calls.call(params))
        #expect(first.summary == "disabled IBM API key ApiKey-leaked-1 (apikey-leaked-1, iam_id iam-ServiceId-quantum-ci, account acct-1)")
        #expect(first.outputs["disabled"] == true)
        #expect(first.outputs["changed"] == true)
        let again = try await a.apply(calls.call(params))
        #expect(again.outputs["changed"] == false)
        #expect(again.summary.hasSuffix("was already disabled"))
        #expect(try fake.writes() == ["POST /v1/apikeys/ApiKey-leaked-1/disable"])
        #expect(try fake.int("effects") == 1)

        let v = try await a.verify(calls.call(params, verb: .verify))
        #expect(v.outputs["verified"] == true)
        #expect(v.outputs["leaked_key_refused"] == true)
        #expect(v.outputs["residual_validity"] == .string(IBMAPIKeyOperation.disable.residualValidity))
        #expect(IBMAPIKeyOperation.disable.residualValidity.contains("at most 60 minutes"))
        #expect(v.summary == "IAM shows API key ApiKey-leaked-1 disabled; IAM refuses the leaked key")
        #expect(try fake.int("token_failures") == 1, "the probe asked IAM with the leaked key and was refused")
    }

    @Test func deleteResumedAfterACrashDeletesOnce() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let calls = fake.calls()
        let a = action(.delete, fake)
        let params: [String: Value] = ["apikey_id": "ApiKey-leaked-2"]
        // The first apply reaches IAM; the engine dies before committing its result.
        _ = try await a.apply(calls.call(params, attempt: 1))
        // The resume calls apply again with the same idempotency key.
        let resumed = try await a.apply(calls.call(params, attempt: 2))
        #expect(resumed.outputs["already_absent"] == true)
        #expect(resumed.outputs["deleted"] == true)
        #expect(resumed.outputs["changed"] == false)
        #expect(try fake.writes() == ["DELETE /v1/apikeys/ApiKey-leaked-2"])
        #expect(try fake.int("effects") == 1)
        let v = try await a.verify(calls.call(params, verb: .verify))
        #expect(v.outputs["verified"] == true)
        #expect(v.summary == "IAM shows API key ApiKey-leaked-2 deleted")
    }

    @Test func lockIsVerifiedButTheProbeIsSkippedBecauseALockedKeyStillWorks() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let calls = fake.calls()
        let params: [String: Value] = ["apikey_id": "ApiKey-leaked-1", "leaked_apikey": "secret:env:LEAKED_KEY"]
        let r = try await action(.lock, fake).apply(calls.call(params))
        #expect(r.outputs["locked"] == true)
        let v = try await action(.lock, fake).verify(calls.call(params, verb: .verify))
        #expect(v.outputs["leaked_key_probe"] == "skipped: a locked key still authenticates")
        #expect(v.outputs["leaked_key_refused"] == nil)
        #expect(try fake.int("token_failures") == 0)
        // A locked key cannot be deleted: plan and apply refuse before writing.
        let planned = await actionError { try await action(.delete, fake).plan(calls.call(params, verb: .plan)) }
        #expect(planned?.retryable == false)
        #expect(planned?.message.contains("IBM API key ApiKey-leaked-1 is locked, and IAM refuses to change a locked key") == true)
        let applied = await actionError { try await action(.delete, fake).apply(calls.call(params)) }
        #expect(applied?.retryable == false)
        #expect(try fake.writes() == ["POST /v1/apikeys/ApiKey-leaked-1/lock"])
    }

    @Test func refusesAKeyOfAnotherAccountBeforeWriting() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let e = await actionError { try await action(.disable, fake).apply(fake.calls().call(["apikey_id": "ApiKey-foreign"])) }
        #expect(e?.message == "IBM API key ApiKey-foreign belongs to account acct-2, but qrun's IBM identity acts in account acct-1; configure an API key of account acct-2 (IBMCLOUD_API_KEY or providers.ibm.api_key)")
        #expect(e?.retryable == false)
        #expect(try fake.writes().isEmpty)
    }

    @Test func classifiesFailures() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let params: [String: Value] = ["apikey_id": "ApiKey-leaked-1"]
        let forbidden = await actionError { try await action(.disable, fake).apply(fake.calls(key: IBMFake.viewerKey).call(params)) }
        #expect(forbidden?.retryable == false)
        #expect(forbidden?.message.hasPrefix("IBM IAM refused to disable API key ApiKey-leaked-1: HTTP 403: BXNIM0513E: You are not authorized") == true)

        try fake.server.post("/_fake/fail?count=1&status=503&retry_after=3&path=/v1/apikeys")
        let unavailable = await actionError { try await action(.disable, fake).apply(fake.calls().call(params)) }
        #expect(unavailable?.retryable == true)
        #expect(unavailable?.retryAfter == .seconds(3))

        try fake.server.post("/_fake/ratelimit?retry_after=2&path=/identity/token")
        let limited = await actionError { try await action(.disable, fake).apply(fake.calls().call(params)) }
        #expect(limited?.retryable == true)
        #expect(limited?.retryAfter == .seconds(2))
        #expect(limited?.message.hasPrefix("IBM IAM did not issue a token for the configured API key: HTTP 429") == true)

        let wrongKey = await actionError { try await action(.disable, fake).plan(fake.calls(key: "not-a-known-key-000").call(params, verb: .plan)) }
        #expect(wrongKey?.retryable == false)
        #expect(wrongKey?.message.contains("HTTP 400: BXNIM0415E: Provided API key could not be found.") == true)
        #expect(wrongKey?.message.hasSuffix("check IBMCLOUD_API_KEY or providers.ibm.api_key") == true)

        let missing = await actionError { try await action(.lock, fake).plan(fake.calls().call(["apikey_id": "ApiKey-nope"], verb: .plan)) }
        #expect(missing?.message == "IBM API key ApiKey-nope was not found in IAM; check the id (if it was deleted already, there is nothing left to do)")
        let badID = await actionError { try await action(.lock, fake).plan(fake.calls().call(["apikey_id": "ApiKey/../x"], verb: .plan)) }
        #expect(badID?.message.hasPrefix("apikey_id 'ApiKey/../x' is not an IAM API key id") == true)
        #expect(try fake.writes().isEmpty)
        #expect(try fake.key("ApiKey-leaked-1")?["disabled"] as? Bool == false)
    }

    @Test func namesWhatToConfigureWhenTheAPIKeyIsMissingAndHonoursIBMCLOUD_API_KEY() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let bare = ProviderSettings(config: ["ibm": ["iam_endpoint": fake.server.baseURL]], environment: [:])
        let a = IBMAPIKeyAction(.disable, transport: CurlTransport(), settings: bare, tokens: IAMTokenProvider())
        let e = await actionError { try await a.plan(fake.calls().call(["apikey_id": "ApiKey-leaked-1"], verb: .plan)) }
        #expect(e?.message == "no IBM Cloud API key configured; export IBMCLOUD_API_KEY, or set providers.ibm.api_key to a secret reference such as secret:env:NAME or secret:file:PATH")
        #expect(e?.retryable == false)

        let standard = ProviderSettings(config: ["ibm": ["iam_endpoint": fake.server.baseURL]], environment: ["IBMCLOUD_API_KEY": IBMFake.adminKey])
        let b = IBMAPIKeyAction(.disable, transport: CurlTransport(), settings: standard, tokens: IAMTokenProvider())
        let calls = ProviderCallFactory(env: ["IBMCLOUD_API_KEY": IBMFake.adminKey])
        let r = try await b.plan(calls.call(["apikey_id": "ApiKey-leaked-1"], verb: .plan))
        #expect(r.outputs["would_change"] == true)
    }

    @Test func noCredentialOrTokenEverAppearsInWhatTheActionShows() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let calls = fake.calls()
        let params: [String: Value] = ["apikey_id": "ApiKey-leaked-1", "leaked_apikey": "secret:env:LEAKED_KEY"]
        var results: [ActionResult] = []
        var errors: [ActionError] = []
        results.append(try await action(.disable, fake).plan(calls.call(params, verb: .plan)))
        results.append(try await action(.disable, fake).apply(calls.call(params)))
        results.append(try await action(.disable, fake).verify(calls.call(params, verb: .verify)))
        try fake.server.post("/_fake/expire_tokens")
        results.append(try await action(.delete, fake).apply(calls.call(params)))
        if let e = await actionError({ try await action(.lock, fake).apply(fake.calls(key: "wrong-key-9876543210").call(params)) }) { errors.append(e) }
        if let e = await actionError({ try await action(.lock, fake).apply(fake.calls(key: IBMFake.viewerKey).call(["apikey_id": "ApiKey-locked"])) }) { errors.append(e) }
        #expect(errors.count == 1, "locking an already locked key needs no write, so only the wrong key fails")
        for text in calls.shown(results, errors: errors) {
            #expect(!text.contains(IBMFake.adminKey))
            #expect(!text.contains(IBMFake.leakedKey1))
            #expect(!text.contains("wrong-key-9876543210"))
            #expect(calls.redactor.redact(text) == text, "no registered secret (keys, IAM tokens) in: \(text)")
        }
        #expect(!calls.redactor.isEmpty)
    }
}
