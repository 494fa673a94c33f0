import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `vault.token.create` against the fake Vault: one token per idempotency key, its value only
/// in the KV location, also across lost answers and crashes.
@Suite(.serialized)
struct VaultTokenCreateTests {
    let params: [String: Value] = ["policies": ["qpu-reader"], "ttl": "15m", "num_uses": 5, "display_name": "agent a1",
                                   "store_at": "secret/agents/a1#vault_token"]

    func setUp() async throws -> (VaultFixture, VaultTokenCreateAction) {
        let v = try VaultFixture()
        try await v.control("policies", ["name": "qpu-reader", "rules": ["secret/data/quantum/*": ["read"]]])
        return (v, VaultTokenCreateAction(transport: v.transport, settings: v.settings()))
    }

    /// Tokens in the fake carrying this test's idempotency key, by accessor.
    func tokens(_ v: VaultFixture, key: String = "run-1/step-1") async throws -> [String: Value] {
        (try await v.state()["tokens"]?.objectValue ?? [:]).filter { $0.value["meta"]?["qrun_idempotency_key"] == .string(key) }
    }

    func stored(_ v: VaultFixture) async throws -> String {
        try await v.versions("agents/a1").sorted { Int($0.key)! < Int($1.key)! }.last?.value["vault_token"]?.stringValue ?? ""
    }

    /// The accessor Vault reports for `token` (lookup-self made with the token itself).
    func accessor(of token: String, _ v: VaultFixture) async throws -> String {
        let r = try await v.transport.send(method: "GET", url: URL(string: "\(v.server.baseURL)/v1/auth/token/lookup-self")!,
                                           headers: [("X-Vault-Token", token)])
        return r.json["data"]?["accessor"]?.stringValue ?? "status \(r.status)"
    }

    @Test func planChecksPoliciesAndPermissionsAndCreatesNothing() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let r = try await action.plan(v.call(params, verb: .plan))
        #expect(r.summary == "would create a non-renewable token with policies qpu-reader, ttl 900s, 5 use(s) and store it at secret:vault:secret/agents/a1#vault_token")
        #expect(try await v.counter("tokens_created") == 0)
        #expect(try await v.counter("metadata_writes") == 0)
        let limited = try await v.token(rules: ["auth/token/create": ["update"], "secret/*": ["create", "read", "update"]], name: "minter")
        let e = await VaultFixture.failure { try await action.plan(v.call(params, verb: .plan, token: limited.token)) }
        #expect(e?.message == "Vault will refuse: a child token's policies must be a subset of the parent's, and qrun's token lacks qpu-reader")
    }

    @Test func applyMintsOneScopedTokenAndStoresOnlyAReference() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        try await v.seed("agents/a1", ["endpoint": "https://qpu.example"])
        let redactor = Redactor()
        let r = try await action.apply(v.call(params, redactor: redactor))
        #expect(Set(r.outputs.keys) == ["accessor", "ttl", "stored_at"])
        #expect(r.outputs["ttl"] == 900)
        #expect(r.outputs["stored_at"] == "secret:vault:secret/agents/a1#vault_token")
        let acc = r.outputs["accessor"]?.stringValue ?? ""
        let minted = try await tokens(v)
        #expect(Array(minted.keys) == [acc])
        let t = minted[acc]
        #expect(t?["policies"] == ["default", "qpu-reader"])
        #expect(t?["renewable"] == false)
        #expect(t?["num_uses"] == 5)
        #expect(t?["creation_ttl"] == 900)
        #expect(t?["orphan"] == false)
        #expect(t?["display_name"] == "token-agent-a1")
        let value = try await stored(v)
        #expect(value.hasPrefix("hvs."))
        #expect(try await accessor(of: value, v) == acc, "the stored value is the minted token")
        #expect(try await v.versions("agents/a1")["2"]?["endpoint"] == "https://qpu.example", "other fields kept")
        #expect(redactor.redact(value) == "[REDACTED]")
        VaultFixture.expectNoSecrets([VaultFixture.rootToken, value], in: VaultFixture.texts(r))
    }

    @Test func applyAgainReturnsTheSameTokenWithoutMinting() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let first = try await action.apply(v.call(params))
        let again = try await action.apply(v.call(params))
        #expect(again.outputs == first.outputs)
        #expect(again.summary.hasSuffix("; it had been created by an earlier attempt"))
        #expect(try await v.counter("tokens_created") == 1)
        #expect(try await v.counter("kv_writes") == 1)
    }

    @Test func aStoreWhoseAnswerWasLostIsDetectedOnResume() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        try await v.fault(503, match: "/v1/secret/data/agents/a1", afterEffect: true)
        #expect(await VaultFixture.failure { try await action.apply(v.call(params)) }?.retryable == true)
        let resumed = try await action.apply(v.call(params))
        #expect(try await v.counter("tokens_created") == 1)
        #expect(try await v.counter("kv_writes") == 1)
        #expect(try await accessor(of: try await stored(v), v) == resumed.outputs["accessor"]?.stringValue)
    }

    @Test func aTokenMintedButNeverStoredIsRevokedAndReplacedOnce() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        try await v.fault(503, match: "/v1/secret/data/agents/a1")
        #expect(await VaultFixture.failure { try await action.apply(v.call(params)) }?.retryable == true)
        let lost = try await tokens(v)
        #expect(lost.count == 1)
        let log = LogSink()
        let resumed = try await action.apply(v.call(params, log: log))
        let all = try await tokens(v)
        let live = all.filter { $0.value["revoked"] == false }
        #expect(Array(live.keys) == [resumed.outputs["accessor"]?.stringValue ?? ""], "exactly one live token")
        #expect(all[lost.keys.first ?? ""]?["revoked"] == true)
        #expect(log.all == ["a token minted by an earlier attempt (accessor \(lost.keys.first ?? "")) was never stored; it has been revoked"])
        #expect(try await v.counter("kv_writes") == 1)
    }

    @Test func verifyProvesTheStoredTokenIsAlive() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let r = try await action.apply(v.call(params))
        let ok = try await action.verify(v.call(params, verb: .verify))
        #expect(ok.outputs["verified"] == true)
        #expect(ok.outputs["accessor"] == r.outputs["accessor"])
        #expect(ok.outputs["residual_validity"]?.stringValue?.contains("anyone who can read secret:vault:secret/agents/a1#vault_token can use it") == true)
        _ = try await VaultTokenRevokeAccessorAction(transport: v.transport, settings: v.settings())
            .apply(v.call(["accessor": r.outputs["accessor"]!], key: "revoke"))
        let gone = await VaultFixture.failure { try await action.verify(v.call(params, verb: .verify)) }
        #expect(gone?.message == "the token created by this step (accessor \(r.outputs["accessor"]?.stringValue ?? "")) is no longer valid")
    }

    @Test func parametersAndFailuresAreClassified() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        var p = params
        p["ttl"] = "48h"
        #expect(await VaultFixture.failure { try await action.plan(v.call(p, verb: .plan)) }?.message
            == "parameter 'ttl' must be between 1s and 24h; this action creates short-lived tokens")
        p = params
        p["store_at"] = "no-field-here"
        #expect(await VaultFixture.failure { try await action.plan(v.call(p, verb: .plan)) }?.message
            == "parameter 'store_at' must name a KV v2 field as MOUNT/PATH#FIELD (e.g. secret/ci/quantum#token)")
        p = params
        p["policies"] = ["root"]
        #expect(await VaultFixture.failure { try await action.plan(v.call(p, verb: .plan)) }?.message
            == "vault.token.create refuses to create root tokens")
        try await v.fault(500, match: "auth/token/create")
        let e500 = await VaultFixture.failure { try await action.apply(v.call(params)) }
        #expect(e500?.retryable == true)
        let noCreate = try await v.token(rules: ["secret/*": ["create", "read", "update"]], name: "qpu-reader")
        let e403 = await VaultFixture.failure { try await action.apply(v.call(params, token: noCreate.token)) }
        #expect(e403?.retryable == false)
        #expect(e403?.message.hasPrefix("Vault refused to create a token (HTTP 403 permission denied); the token's policy must grant update on auth/token/create") == true)
        #expect(try await v.counter("tokens_created") == 0)
        VaultFixture.expectNoSecrets([VaultFixture.rootToken, noCreate.token], in: [e500?.message ?? "", e403?.message ?? ""])
    }

    @Test func anOrphanTokenUsesCreateOrphanAndKeepsRenewableOffByDefault() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        var p = params
        p["orphan"] = true
        p["ttl"] = "2h"
        let r = try await action.apply(v.call(p))
        #expect(r.outputs["ttl"] == 7200)
        let t = try await tokens(v)[r.outputs["accessor"]?.stringValue ?? ""]
        #expect(t?["orphan"] == true)
        #expect(t?["renewable"] == false)
        let paths = (try await v.state()["log"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
        #expect(paths.contains("/v1/auth/token/create-orphan"))
        #expect(!paths.contains("/v1/auth/token/create"))
    }
}
