import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// Client-credentials tokens against the fake identity platform, and the settings around them.
@Suite
struct AzureTokenProviderTests {
    func credentials(_ fake: AzureFake, secret: String = AzureFake.operatorSecret, tenant: String = AzureFake.tenant) -> AzureCredentials {
        AzureCredentials(authority: URL(string: fake.authority)!, tenantID: tenant, clientID: AzureFake.operatorAppID, clientSecret: SecretValue(secret))
    }

    func issuedCount(_ fake: AzureFake) async throws -> Int {
        try await fake.state()["tokens_issued"]?.arrayValue?.count ?? -1
    }

    @Test func cachesPerScopeUntilShortlyBeforeExpiry() async throws {
        let fake = try await AzureFake()
        let clock = AzureTestClock()
        let provider = AzureTokenProvider(transport: CurlTransport(), now: { clock.now })
        let redactor = Redactor()
        let call = fake.call([:], redactor: redactor)
        let creds = credentials(fake)

        let g1 = try await provider.token(creds, scope: AzureSettings.globalGraphScope, call: call)
        let g2 = try await provider.token(creds, scope: AzureSettings.globalGraphScope, call: call)
        #expect(g1 == g2)
        #expect(try await issuedCount(fake) == 1, "the second Graph token came from the cache")
        #expect(redactor.redact("Bearer \(g1)") == "Bearer [REDACTED]", "tokens are registered for masking")

        let v1 = try await provider.token(creds, scope: AzureSettings.globalVaultScope, call: call)
        #expect(v1 != g1)
        #expect(try await issuedCount(fake) == 2, "another scope needs its own token")

        clock.advance(3599 - 300 - 1)
        _ = try await provider.token(creds, scope: AzureSettings.globalGraphScope, call: call)
        #expect(try await issuedCount(fake) == 2, "still inside the lifetime minus the 5-minute margin")
        clock.advance(2)
        let g3 = try await provider.token(creds, scope: AzureSettings.globalGraphScope, call: call)
        #expect(g3 != g1)
        #expect(try await issuedCount(fake) == 3, "renewed within 5 minutes of expiry")
        let scopes = try await fake.state()["tokens_issued"]?.arrayValue?.compactMap { $0["scope"]?.stringValue }
        #expect(scopes == [AzureSettings.globalGraphScope, AzureSettings.globalVaultScope, AzureSettings.globalGraphScope])
    }

    @Test func aGraphTokenIsRefusedByKeyVault() async throws {
        let fake = try await AzureFake()
        let provider = AzureTokenProvider(transport: CurlTransport())
        let token = try await provider.token(credentials(fake), scope: AzureSettings.globalGraphScope, call: fake.call([:]))
        let r = try await CurlTransport().send(method: "GET", url: URL(string: "\(fake.vault)/secrets/x/versions?api-version=7.4")!,
                                                     headers: [("Authorization", "Bearer \(token)")])
        #expect(r.status == 401)
        #expect(r.json["error"]?["message"]?.stringValue == "AKV10022: Invalid audience. Expected https://vault.azure.net, found: https://graph.microsoft.com.")
    }

    @Test func invalidClientIsNotRetryableAndNamesTheAADSTSCode() async throws {
        let fake = try await AzureFake()
        let provider = AzureTokenProvider(transport: CurlTransport())
        let wrong = "Wrong~CANARY-not-the-secret-123"
        let error = await azureFailure {
            _ = try await provider.token(credentials(fake, secret: wrong), scope: AzureSettings.globalGraphScope, call: fake.call([:]))
            return ActionResult()
        }
        let e = try #require(error)
        #expect(!e.retryable)
        #expect(e.message.contains("invalid_client — AADSTS7000215: Invalid client secret provided."), "\(e.message)")
        #expect(e.message.contains("AZURE_CLIENT_SECRET"))
        #expect(!e.message.contains("Trace ID"), "only the first line of Entra's description")
        #expect(CanaryScanner(wrong).find(in: e.message).isEmpty)
    }

    @Test func unknownTenantAndClientAreNotRetryable() async throws {
        let fake = try await AzureFake()
        let provider = AzureTokenProvider(transport: CurlTransport())
        let tenant = await azureFailure {
            _ = try await provider.token(credentials(fake, tenant: "00000000-0000-4000-8000-000000000000"), scope: AzureSettings.globalGraphScope, call: fake.call([:]))
            return ActionResult()
        }
        #expect(tenant?.retryable == false)
        #expect(tenant?.message.contains("invalid_request — AADSTS90002: Tenant '00000000-0000-4000-8000-000000000000' not found.") == true, "\(tenant?.message ?? "")")
        var unknown = credentials(fake)
        unknown.clientID = "deadbeef-0000-4000-8000-000000000000"
        let client = await azureFailure {
            _ = try await provider.token(unknown, scope: AzureSettings.globalGraphScope, call: fake.call([:]))
            return ActionResult()
        }
        #expect(client?.retryable == false)
        #expect(client?.message.contains("unauthorized_client — AADSTS700016") == true)
        #expect(client?.message.contains("Check AZURE_CLIENT_ID and AZURE_TENANT_ID") == true)
    }

    @Test func throttlingAndOutagesAreRetryable() async throws {
        let fake = try await AzureFake()
        let provider = AzureTokenProvider(transport: CurlTransport())
        try await fake.fault("/login", status: 429, retryAfter: 3)
        let limited = await azureFailure {
            _ = try await provider.token(credentials(fake), scope: AzureSettings.globalGraphScope, call: fake.call([:]))
            return ActionResult()
        }
        #expect(limited?.retryable == true)
        #expect(limited?.retryAfter == .seconds(3))
        try await fake.fault("/login", status: 503)
        let down = await azureFailure {
            _ = try await provider.token(credentials(fake), scope: AzureSettings.globalGraphScope, call: fake.call([:]))
            return ActionResult()
        }
        #expect(down?.retryable == true)
        #expect(down?.message.contains("temporarily_unavailable") == true)
        let token = try await provider.token(credentials(fake), scope: AzureSettings.globalGraphScope, call: fake.call([:]))
        #expect(token.hasPrefix("fake-at-"), "the next attempt succeeds")
    }

    @Test func missingSettingsNameWhatToConfigure() async throws {
        let fake = try await AzureFake()
        let env = fake.environment
        let cases: [(String, String)] = [
            ("AZURE_CLIENT_SECRET", "no Azure client secret configured; set AZURE_CLIENT_SECRET or providers.azure.client_secret"),
            ("AZURE_TENANT_ID", "no Azure tenant configured; set AZURE_TENANT_ID or providers.azure.tenant_id"),
            ("AZURE_CLIENT_ID", "no Azure client id configured; set AZURE_CLIENT_ID or providers.azure.client_id"),
        ]
        for (missing, phrase) in cases {
            var partial = env
            partial[missing] = nil
            let remove = fake.actions(partial).remove
            let e = await azureFailure {
                try await remove.plan(fake.call(["application_object_id": .string(AzureFake.targetObjectID), "key_id": .string(AzureFake.leakedKeyID)], verb: .plan, env: partial))
            }
            #expect(e?.message.hasPrefix(phrase) == true, "\(missing): \(e?.message ?? "none")")
            #expect(e?.retryable == false)
        }
        #expect(try await issuedCount(fake) == 0)
    }

    @Test func endpointsAndScopesAreChecked() throws {
        let settings = AzureSettings(settings: ProviderSettings(config: ["azure": ["graph_endpoint": "http://graph.example.com"]], environment: [:]))
        #expect(throws: ActionError.self) { try settings.graphEndpoint() }
        let sovereign = AzureSettings(settings: ProviderSettings(config: ["azure": ["graph_endpoint": "https://graph.microsoft.us/"]],
                                                                environment: ["AZURE_AUTHORITY_HOST": "https://login.microsoftonline.us"]))
        #expect(try sovereign.authority().absoluteString == "https://login.microsoftonline.us")
        #expect(sovereign.graphScope(for: try sovereign.graphEndpoint()) == "https://graph.microsoft.us/.default")
        #expect(sovereign.vaultScope(for: URL(string: "https://kv1.vault.usgovcloudapi.net")!) == "https://vault.usgovcloudapi.net/.default")
        let plain = AzureSettings(settings: ProviderSettings(config: [:], environment: [:]))
        #expect(try plain.authority().absoluteString == "https://login.microsoftonline.com")
        #expect(plain.graphScope(for: try plain.graphEndpoint()) == "https://graph.microsoft.com/.default")
        #expect(plain.graphScope(for: URL(string: "http://127.0.0.1:8080/graph")!) == "https://graph.microsoft.com/.default")
        #expect(try plain.vaultURL("https://myvault.vault.azure.net/").absoluteString == "https://myvault.vault.azure.net")
        #expect(try plain.vaultURL("http://127.0.0.1:9/kv").absoluteString == "http://127.0.0.1:9/kv")
        for bad in ["https://evil.example.com", "http://myvault.vault.azure.net", "http://10.0.0.1/kv", "https://myvault.vault.azure.net?x=1", "vault"] {
            #expect(throws: ActionError.self, "\(bad)") { try plain.vaultURL(bad) }
        }
    }
}
