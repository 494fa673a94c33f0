import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `secret:vault:MOUNT/PATH#FIELD` through ``VaultSecretSource`` and a ``SecretResolver``.
@Suite(.serialized)
struct VaultSecretSourceTests {
    func resolver(_ v: VaultFixture, token: String? = VaultFixture.rootToken, redactor: Redactor = Redactor()) -> SecretResolver? {
        guard let source = VaultSecretSource.configured(settings: v.settings(token: token), transport: v.transport, redactor: redactor)
        else { return nil }
        return SecretResolver(sources: [EnvironmentSecretSource(environment: [:]), source], redactor: redactor)
    }

    func error(_ body: () async throws -> SecretValue?) async -> SecretError? {
        do {
            _ = try await body()
            Issue.record("expected a SecretError")
        } catch let e as SecretError {
            return e
        } catch {
            Issue.record("expected a SecretError, got \(error)")
        }
        return nil
    }

    @Test func resolvesTheCurrentVersionOfAFieldAndRegistersIt() async throws {
        let v = try VaultFixture()
        defer { v.stop() }
        try await v.seed("quantum/ibm", ["token": "v1-value-aaaa"])
        try await v.seed("quantum/ibm", ["token": "v2-value-bbbb", "user": "svc"])
        let redactor = Redactor()
        let value = try await resolver(v, redactor: redactor)?.resolve(text: "secret:vault:secret/quantum/ibm#token")
        #expect(value?.reveal() == "v2-value-bbbb")
        #expect(redactor.redact("t=v2-value-bbbb") == "t=[REDACTED]")
        #expect(redactor.redact(VaultFixture.rootToken) == "[REDACTED]", "the Vault token is registered too")
        let log = try await v.state()["log"]?.arrayValue ?? []
        #expect(log.last?["path"] == "/v1/secret/data/quantum/ibm")
        #expect(log.last?["status"] == 200)
    }

    @Test func failuresNameTheReferenceAndNeverTheToken() async throws {
        let v = try VaultFixture()
        defer { v.stop() }
        try await v.seed("quantum/ibm", ["token": "value-cccc", "count": 3])
        let r = try #require(resolver(v))
        let missing = await error { try await r.resolve(text: "secret:vault:secret/quantum/none#token") }
        #expect(missing?.code == .notFound)
        #expect(missing?.message == "Vault has no current version of secret/quantum/none (needed by secret:vault:secret/quantum/none#token); write the secret or fix the reference")
        let noField = await error { try await r.resolve(text: "secret:vault:secret/quantum/ibm#nope") }
        #expect(noField?.message == "the Vault secret secret/quantum/ibm has no field 'nope' (needed by secret:vault:secret/quantum/ibm#nope)")
        let notText = await error { try await r.resolve(text: "secret:vault:secret/quantum/ibm#count") }
        #expect(notText?.code == .unreadable)
        let reader = try await v.token(rules: ["secret/data/other/*": ["read"]])
        let denied = await error { try await resolver(v, token: reader.token)?.resolve(text: "secret:vault:secret/quantum/ibm#token") }
        #expect(denied?.code == .unreadable)
        #expect(denied?.message.hasPrefix("cannot read secret:vault:secret/quantum/ibm#token from Vault: Vault refused to read secret/quantum/ibm (HTTP 403 permission denied)") == true)
        for e in [missing, noField, notText, denied] {
            VaultFixture.expectNoSecrets([VaultFixture.rootToken, reader.token, "value-cccc"], in: [e?.message ?? ""])
        }
    }

    @Test func needsAnAddressAndAToken() async throws {
        #expect(VaultSecretSource.configured(settings: ProviderSettings(environment: ["VAULT_TOKEN": "x"]), transport: CurlTransport()) == nil)
        #expect(VaultSecretSource.configured(settings: ProviderSettings(environment: ["VAULT_ADDR": "http://127.0.0.1:1"]), transport: CurlTransport()) == nil)
        let fromFile = VaultSecretSource.configured(
            settings: ProviderSettings(config: ["vault": ["address": "http://127.0.0.1:1", "token": "secret:file:/nonexistent/vault-token"]], environment: [:]),
            transport: CurlTransport())
        let r = SecretResolver(sources: [try #require(fromFile)])
        let e = await error { try await r.resolve(text: "secret:vault:secret/x#y") }
        #expect(e?.code == .notFound, "the token file is missing: \(e?.message ?? "")")
        #expect(e?.message.hasPrefix("secret file /nonexistent/vault-token does not exist") == true)
    }
}
