import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `vault.token.revoke-accessor` against the fake Vault.
@Suite(.serialized)
struct VaultTokenRevokeAccessorTests {
    func setUp() async throws -> (VaultFixture, VaultTokenRevokeAccessorAction, (token: String, accessor: String)) {
        let v = try VaultFixture()
        let leaked = try await v.token(rules: ["secret/data/quantum/*": ["read"]], name: "qpu-reader")
        return (v, VaultTokenRevokeAccessorAction(transport: v.transport, settings: v.settings()), leaked)
    }

    func revoked(_ v: VaultFixture, _ accessor: String) async throws -> Bool? {
        try await v.state()["tokens"]?[accessor]?["revoked"]?.boolValue
    }

    @Test func planLooksUpWithoutRevoking() async throws {
        let (v, action, leaked) = try await setUp()
        defer { v.stop() }
        let r = try await action.plan(v.call(["accessor": .string(leaked.accessor)], verb: .plan))
        #expect(r.outputs["exists"] == true)
        #expect(r.summary.hasPrefix("would revoke the token with accessor \(leaked.accessor) (token, policies default, qpu-reader, "))
        #expect(try await revoked(v, leaked.accessor) == false)
        #expect(try await v.counter("accessor_revocations") == 0)
        let unknown = try await action.plan(v.call(["accessor": "NoSuchAccessor000"], verb: .plan))
        #expect(unknown.outputs["exists"] == false)
        #expect(unknown.summary == "the token with accessor NoSuchAccessor000 is already revoked or unknown; apply will change nothing")
        VaultFixture.expectNoSecrets([VaultFixture.rootToken, leaked.token], in: VaultFixture.texts(r))
    }

    @Test func applyRevokesOnceAndARepeatSucceeds() async throws {
        let (v, action, leaked) = try await setUp()
        defer { v.stop() }
        let p: [String: Value] = ["accessor": .string(leaked.accessor)]
        let r = try await action.apply(v.call(p))
        #expect(r.outputs == ["accessor": .string(leaked.accessor), "revoked": true, "already_revoked": false])
        #expect(try await revoked(v, leaked.accessor) == true)
        let again = try await action.apply(v.call(p))
        #expect(again.outputs["already_revoked"] == true, "Vault 1.10+: 200 with a warning")
        try await v.control("config", ["legacy_revoke_accessor": true])
        let legacy = try await action.apply(v.call(p))
        #expect(legacy.outputs["already_revoked"] == true, "before 1.10: 400 invalid accessor")
        #expect(try await v.counter("accessor_revocations") == 1)
        VaultFixture.expectNoSecrets([VaultFixture.rootToken, leaked.token], in: VaultFixture.texts(r) + VaultFixture.texts(again))
    }

    @Test func aRevocationWhoseAnswerWasLostCompletesOnResume() async throws {
        let (v, action, leaked) = try await setUp()
        defer { v.stop() }
        let p: [String: Value] = ["accessor": .string(leaked.accessor)]
        try await v.fault(502, match: "revoke-accessor", afterEffect: true)
        let e = await VaultFixture.failure { try await action.apply(v.call(p)) }
        #expect(e?.retryable == true)
        let resumed = try await action.apply(v.call(p))
        #expect(resumed.outputs["revoked"] == true)
        #expect(resumed.outputs["already_revoked"] == true)
        #expect(try await v.counter("accessor_revocations") == 1)
    }

    @Test func verifyProvesTheTokenIsRefused() async throws {
        let (v, action, leaked) = try await setUp()
        defer { v.stop() }
        let p: [String: Value] = ["accessor": .string(leaked.accessor)]
        let early = await VaultFixture.failure { try await action.verify(v.call(p, verb: .verify)) }
        #expect(early?.message.hasPrefix("the token with accessor \(leaked.accessor) is still valid (") == true)
        _ = try await action.apply(v.call(p))
        let r = try await action.verify(v.call(p, verb: .verify))
        #expect(r.outputs["verified"] == true)
        #expect(r.outputs["residual_validity"]?.stringValue?.hasPrefix("Nothing issued to the token stays valid in Vault") == true)
        let reply = try await v.transport.send(method: "GET", url: URL(string: "\(v.server.baseURL)/v1/auth/token/lookup-self")!,
                                               headers: [("X-Vault-Token", leaked.token)])
        #expect(reply.status == 403, "the revoked token itself is refused")
    }

    @Test func refusalsAndOverloadAreClassified() async throws {
        let (v, action, leaked) = try await setUp()
        defer { v.stop() }
        let p: [String: Value] = ["accessor": .string(leaked.accessor)]
        let weak = try await v.token(rules: ["auth/token/lookup-accessor": ["update"]], name: "weak")
        let e403 = await VaultFixture.failure { try await action.apply(v.call(p, token: weak.token)) }
        #expect(e403?.retryable == false)
        #expect(e403?.message == "Vault refused to revoke the token with accessor \(leaked.accessor) (HTTP 403 permission denied); the token's policy must grant update on auth/token/revoke-accessor; check that the Vault token is valid and not expired")
        let planWeak = await VaultFixture.failure { try await action.plan(v.call(p, verb: .plan, token: weak.token)) }
        #expect(planWeak?.message == "the Vault token lacks update on auth/token/revoke-accessor (it has: deny); extend its policy")
        try await v.fault(503, match: "revoke-accessor")
        #expect(await VaultFixture.failure { try await action.apply(v.call(p)) }?.retryable == true)
        try await v.fault(429, match: "revoke-accessor", retryAfter: 3)
        let e429 = await VaultFixture.failure { try await action.apply(v.call(p)) }
        #expect(e429?.retryAfter == .seconds(3))
        #expect(try await revoked(v, leaked.accessor) == false)
        let bad = await VaultFixture.failure { try await action.apply(v.call(["accessor": "not an accessor!"])) }
        #expect(bad?.message == "parameter 'accessor' is not a Vault token accessor (letters, digits, '.', '-' and '_')")
        VaultFixture.expectNoSecrets([VaultFixture.rootToken, weak.token, leaked.token], in: [e403?.message ?? "", planWeak?.message ?? ""])
    }
}
