import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `vault.lease.revoke-prefix` against the fake Vault.
@Suite(.serialized)
struct VaultLeaseRevokePrefixTests {
    let params: [String: Value] = ["prefix": "database/creds/readonly"]

    func setUp() async throws -> (VaultFixture, VaultLeaseRevokePrefixAction) {
        let v = try VaultFixture()
        try await v.control("leases", ["ids": ["database/creds/readonly/a1", "database/creds/readonly/b2", "database/creds/admin/c3"]])
        return (v, VaultLeaseRevokePrefixAction(transport: v.transport, settings: v.settings()))
    }

    func leases(_ v: VaultFixture) async throws -> [String] {
        try await v.state()["leases"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    @Test func planChecksSudoAndChangesNothing() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let r = try await action.plan(v.call(params, verb: .plan))
        #expect(r.summary == "would revoke every lease under database/creds/readonly")
        #expect(try await leases(v).count == 3)
        let noSudo = try await v.token(rules: ["sys/leases/revoke-prefix/*": ["update"]])
        let e = await VaultFixture.failure { try await action.plan(v.call(params, verb: .plan, token: noSudo.token)) }
        #expect(e?.message == "the Vault token lacks sudo+update on sys/leases/revoke-prefix/database/creds/readonly (it has: update); extend its policy")
        #expect(e?.retryable == false)
    }

    @Test func applyRevokesThePrefixOnlyAndRepeatsHarmlessly() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let r = try await action.apply(v.call(params))
        #expect(r.outputs == ["prefix": "database/creds/readonly", "revoked": true])
        #expect(try await leases(v) == ["database/creds/admin/c3"])
        _ = try await action.apply(v.call(params))
        #expect(try await leases(v) == ["database/creds/admin/c3"])
        #expect(try await v.counter("prefix_revocations") == 2, "a repeat is a harmless second call")
    }

    @Test func verifyListsWhatRemains() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let early = await VaultFixture.failure { try await action.verify(v.call(params, verb: .verify)) }
        #expect(early?.message == "2 lease entries remain under database/creds/readonly")
        try await v.fault(504, match: "revoke-prefix", method: "PUT", afterEffect: true)
        #expect(await VaultFixture.failure { try await action.apply(v.call(params)) }?.retryable == true)
        _ = try await action.apply(v.call(params))
        let r = try await action.verify(v.call(params, verb: .verify))
        #expect(r.outputs["verified"] == true)
        #expect(r.outputs["residual_validity"]?.stringValue?.hasPrefix("No lease under the prefix remains in Vault") == true)
    }

    @Test func badPrefixesAndRefusalsAreNotRetried() async throws {
        let (v, action) = try await setUp()
        defer { v.stop() }
        let e = await VaultFixture.failure { try await action.apply(v.call(["prefix": "database"])) }
        #expect(e?.message == "parameter 'prefix' must name a mount and at least one path below it (e.g. database/creds/readonly); revoking a whole mount is refused")
        let noSudo = try await v.token(rules: ["sys/leases/revoke-prefix/*": ["update"]])
        let e403 = await VaultFixture.failure { try await action.apply(v.call(params, token: noSudo.token)) }
        #expect(e403?.retryable == false)
        try await v.fault(429, match: "revoke-prefix", method: "PUT", retryAfter: 2)
        let e429 = await VaultFixture.failure { try await action.apply(v.call(params)) }
        #expect(e429?.retryable == true)
        #expect(e429?.retryAfter == .seconds(2))
        #expect(try await leases(v).count == 3)
        VaultFixture.expectNoSecrets([VaultFixture.rootToken, noSudo.token], in: [e403?.message ?? "", e429?.message ?? ""])
    }
}
