import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `vault.kv.rotate` against the fake Vault: plan is read-only, apply writes exactly once
/// under its idempotency key (also across a lost answer or a crash), verify proves it.
@Suite(.serialized)
struct VaultKVRotateTests {
    let params: [String: Value] = ["mount": "secret", "path": "quantum/ibm", "field": "token"]
    let oldValue = "old-leaked-token-value-123"

    func setUp() async throws -> (VaultFixture, VaultKVRotateAction) {
        let v = try VaultFixture()
        try await v.seed("quantum/ibm", ["token": .string(oldValue), "user": "svc-qpu"], custom: ["owner": "quantum-team"])
        return (v, VaultKVRotateAction(transport: v.transport, settings: v.settings()))
    }

    @Test func planDescribesTheChangeAndChangesNothing() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let r = try await action.plan(v.call(params, verb: .plan))
        #expect(r.summary == "would write version 2 of secret/quantum/ibm with a generated 32-byte value in field 'token' (1 other field(s) kept), check-and-set on version 1")
        #expect(r.outputs["current_version"] == 1)
        #expect(try await v.counter("kv_writes") == 0)
        #expect(try await v.counter("metadata_writes") == 0)
        #expect(try await v.customMetadata("quantum/ibm") == ["owner": "quantum-team"])
        VaultFixture.expectNoSecrets([VaultFixture.rootToken, oldValue], in: VaultFixture.texts(r))
    }

    @Test func applyRotatesOneFieldKeepsTheOthersAndOutputsNoValue() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let redactor = Redactor()
        let r = try await action.apply(v.call(params, redactor: redactor))
        #expect(r.outputs["version"] == 2)
        #expect(r.outputs["previous_version"] == 1)
        #expect(r.outputs["reference"] == "secret:vault:secret/quantum/ibm#token")
        #expect(r.outputs["resumed"] == false)
        #expect(r.summary == "rotated field 'token' of secret/quantum/ibm: version 2 is current (was 1)")
        let versions = try await v.versions("quantum/ibm")
        let newValue = versions["2"]?["token"]?.stringValue ?? ""
        #expect(newValue.count == 43, "32 bytes base64url without padding")
        #expect(newValue.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(newValue != oldValue)
        #expect(versions["2"]?["user"] == "svc-qpu")
        #expect(redactor.redact("x \(newValue) y") == "x [REDACTED] y", "the new value is registered for masking")
        let custom = try await v.customMetadata("quantum/ibm")
        #expect(custom["owner"] == "quantum-team")
        #expect(custom["qrun_idempotency_key"] == "run-1/step-1")
        #expect(custom["qrun_base_version"] == "1")
        #expect(custom["qrun_value_sha256"]?.stringValue == Digest.sha256Hex(newValue))
        VaultFixture.expectNoSecrets([VaultFixture.rootToken, oldValue, newValue], in: VaultFixture.texts(r))
    }

    @Test func applyAgainWithTheSameKeyWritesNothing() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        _ = try await action.apply(v.call(params))
        let again = try await action.apply(v.call(params))
        #expect(again.outputs["version"] == 2)
        #expect(again.outputs["previous_version"] == 1)
        #expect(again.outputs["resumed"] == true)
        #expect(try await v.counter("kv_writes") == 1)
        #expect(try await v.versions("quantum/ibm").count == 2)
        let other = try await action.apply(v.call(params, key: "run-2/step-1"))
        #expect(other.outputs["version"] == 3, "another step's key rotates again")
    }

    @Test func aWriteWhoseAnswerWasLostIsDetectedOnResume() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        try await v.fault(503, match: "/v1/secret/data/quantum/ibm", afterEffect: true)
        let e = await VaultFixture.failure { try await action.apply(v.call(params)) }
        #expect(e?.retryable == true)
        #expect(try await v.versions("quantum/ibm").count == 2, "the write happened; only its answer was lost")
        let resumed = try await action.apply(v.call(params))
        #expect(resumed.outputs["version"] == 2)
        #expect(resumed.outputs["resumed"] == true)
        #expect(try await v.counter("kv_writes") == 1)
    }

    @Test func aCrashBeforeTheWriteWritesOnceOnResume() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        try await v.fault(503, match: "/v1/secret/data/quantum/ibm")
        let e = await VaultFixture.failure { try await action.apply(v.call(params)) }
        #expect(e?.retryable == true)
        #expect(e?.message == "Vault could not write secret/quantum/ibm (HTTP 503: Vault is sealed); a retry may help")
        #expect(try await v.counter("kv_writes") == 0)
        let resumed = try await action.apply(v.call(params))
        #expect(resumed.outputs["version"] == 2)
        #expect(resumed.outputs["resumed"] == false)
        #expect(try await v.counter("kv_writes") == 1)
    }

    @Test func aVersionWrittenBySomeoneElseIsNotMistakenForThisStepsWrite() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        try await v.fault(503, match: "/v1/secret/data/quantum/ibm")
        _ = await VaultFixture.failure { try await action.apply(v.call(params)) }
        try await v.seed("quantum/ibm", ["token": "someone-else", "user": "svc-qpu"])
        let log = LogSink()
        let r = try await action.apply(v.call(params, log: log))
        #expect(r.outputs["version"] == 3)
        #expect(r.outputs["previous_version"] == 2)
        #expect(r.outputs["resumed"] == false)
        #expect(log.all == ["version 2 of secret/quantum/ibm was not written by this step; rotating again from version 2"])
    }

    @Test func aSuppliedValueMustBeAReferenceAndIsWrittenOnce() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let supplied = "new-token-from-provider-9876"
        var p = params
        p["value"] = "secret:env:NEW_QPU_TOKEN"
        let r = try await action.apply(v.call(p, env: ["NEW_QPU_TOKEN": supplied]))
        #expect(r.outputs["version"] == 2)
        #expect(try await v.versions("quantum/ibm")["2"]?["token"] == .string(supplied))
        #expect(try await v.customMetadata("quantum/ibm")["qrun_value_sha256"] == nil, "no hash of a guessable value is stored")
        let again = try await action.apply(v.call(p, env: ["NEW_QPU_TOKEN": supplied]))
        #expect(again.outputs["resumed"] == true)
        #expect(try await v.counter("kv_writes") == 1)
        VaultFixture.expectNoSecrets([supplied], in: VaultFixture.texts(r) + VaultFixture.texts(again))

        p["value"] = .string(supplied)
        let literal = await VaultFixture.failure { try await action.apply(v.call(p, key: "k2")) }
        #expect(literal?.message.hasPrefix("parameter 'value' must be a secret reference") == true)
        #expect(literal.map { !$0.message.contains(supplied) } == true)
    }

    @Test func verifyProvesTheNewVersionIsCurrent() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let before = await VaultFixture.failure { try await action.verify(v.call(params, verb: .verify)) }
        #expect(before?.message == "no rotation by this step is recorded in the metadata of secret/quantum/ibm; it was not applied, or another rotation replaced its record")
        _ = try await action.apply(v.call(params))
        let r = try await action.verify(v.call(params, verb: .verify))
        #expect(r.outputs["verified"] == true)
        #expect(r.outputs["version"] == 2)
        #expect(r.outputs["residual_validity"]?.stringValue?.contains("version history (version 1)") == true)
        try await v.seed("quantum/ibm", ["token": "later", "user": "svc-qpu"])
        let later = await VaultFixture.failure { try await action.verify(v.call(params, verb: .verify)) }
        #expect(later?.message == "version 3 of secret/quantum/ibm is current, not version 2 written by this step")
    }

    @Test func refusalsAreNotRetryableAndOverloadIs() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let readOnly = try await v.token(rules: ["secret/data/*": ["read"], "secret/metadata/*": ["read"]])
        let plan = await VaultFixture.failure { try await action.plan(v.call(params, verb: .plan, token: readOnly.token)) }
        #expect(plan?.message == "the Vault token lacks read+update on secret/data/quantum/ibm (it has: read); extend its policy")
        #expect(plan?.retryable == false)
        let apply = await VaultFixture.failure { try await action.apply(v.call(params, token: readOnly.token)) }
        #expect(apply?.message.hasPrefix("Vault refused to record the step's marker in the metadata of secret/quantum/ibm (HTTP 403 permission denied)") == true)
        #expect(apply?.retryable == false)
        #expect(try await v.counter("kv_writes") == 0)

        try await v.fault(429, match: "/metadata/", method: "GET", retryAfter: 7)
        let limited = await VaultFixture.failure { try await action.apply(v.call(params)) }
        #expect(limited?.retryable == true)
        #expect(limited?.retryAfter == .seconds(7))
        try await v.fault(503, match: "/metadata/", method: "GET")
        #expect(await VaultFixture.failure { try await action.plan(v.call(params, verb: .plan)) }?.retryable == true)
        for e in [plan, apply, limited] { VaultFixture.expectNoSecrets([VaultFixture.rootToken, readOnly.token, oldValue], in: [e?.message ?? ""]) }
    }

    @Test func missingSettingsAndSecretsAreNamed() async throws {
        let (v, _) = try await setUp()
        defer { v.stop() }
        let noToken = VaultKVRotateAction(transport: v.transport, settings: v.settings(token: nil))
        let e1 = await VaultFixture.failure { try await noToken.plan(v.call(params, verb: .plan, token: nil)) }
        #expect(e1?.message == "no Vault token configured; set VAULT_TOKEN or providers.vault.token (a reference such as secret:file:PATH) in qrun.yaml")
        let noAddress = VaultKVRotateAction(transport: v.transport, settings: ProviderSettings(environment: [:]))
        let e2 = await VaultFixture.failure { try await noAddress.plan(v.call(params, verb: .plan)) }
        #expect(e2?.message == "no Vault address configured; set VAULT_ADDR or providers.vault.address in qrun.yaml")
        let action = VaultKVRotateAction(transport: v.transport, settings: v.settings())
        var missing = params
        missing["path"] = "quantum/none"
        let e3 = await VaultFixture.failure { try await action.plan(v.call(missing, verb: .plan)) }
        #expect(e3?.message == "the secret secret/quantum/none does not exist; vault.kv.rotate only rotates an existing secret")
        var badField = params
        badField["field"] = "nope"
        let e4 = await VaultFixture.failure { try await action.apply(v.call(badField)) }
        #expect(e4?.message == "the secret secret/quantum/ibm has no field 'nope'")
        var traversal = params
        traversal["path"] = "../sys/x"
        #expect(await VaultFixture.failure { try await action.plan(v.call(traversal, verb: .plan)) }?.retryable == false)
    }

    @Test func sendsTheTokenAndNamespaceHeadersVaultExpects() async throws {
        let v = try VaultFixture()
        defer { v.stop() }
        try await v.seed("quantum/ibm", ["token": .string(oldValue)])
        let action = VaultKVRotateAction(transport: v.transport, settings: v.settings(extra: ["VAULT_NAMESPACE": "team-qpu"]))
        _ = try await action.plan(v.call(params, verb: .plan))
        let log = try await v.state()["log"]?.arrayValue ?? []
        #expect(log.map { $0["path"]?.stringValue ?? "" } == [
            "/v1/auth/token/lookup-self", "/v1/sys/capabilities-self", "/v1/secret/metadata/quantum/ibm", "/v1/secret/data/quantum/ibm",
        ])
        #expect(log.allSatisfy { $0["namespace"] == "team-qpu" && $0["status"] == 200 })
    }
}
