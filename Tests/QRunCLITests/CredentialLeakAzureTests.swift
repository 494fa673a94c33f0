import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QRunTestSupport
import Testing

/// The shipped credential-leak runbook, `--provider azure-quantum`, against the Entra ID /
/// Microsoft Graph fake (endpoints from `qrun.yaml`, the app credential from the AZURE_*
/// variables) and the Vault fake.
@Suite(.serialized)
struct CredentialLeakAzureTests {
    @Test func azureRunRemovesTheLeakedClientSecretAndRotates() async throws {
        let fakes = try await ProviderFakes([.azure])
        defer { fakes.stop() }
        let ws = try CredentialLeak.workspace("cl-azure", fakes)
        defer { ws.cleanup() }
        let env = fakes.environment
        let transcript = CredentialLeak.Transcript()
        #expect(try await tokenRequest(fakes, secret: ProviderFakes.azureLeakedSecret).0 == 200, "the leaked secret works before the run")

        let out = try transcript.qrun(["incident", "credential-leak", "--token-id", ProviderFakes.azureLeakedKeyID,
                                       "--provider", "azure-quantum", "--azure-app", ProviderFakes.azureTargetObjectID,
                                       "--auto-approve", "--json"], ws, env: env)
        #expect(out.status == 0, "the run must succeed: \(out.stdout.suffix(2000)) \(out.stderr)")
        let summary = try out.json()
        let runID = try #require(summary["run_id"] as? String)
        #expect(summary["status"] as? String == "succeeded")
        let steps = CredentialLeak.byID(summary["steps"])
        #expect(CredentialLeak.status(steps) == CredentialLeak.expectedStatuses(.azure, approval: false, notify: false))
        let removed = steps["azure-remove-secret"]?["outputs"] as? [String: Any] ?? [:]
        #expect(removed["already_removed"] as? Bool == false)

        // Graph: only the leaked secret is gone; the app's other secret and qrun's own remain.
        let state = try await fakes.azureState()
        let apps = state["applications"] as? [String: [String: Any]] ?? [:]
        #expect(apps[ProviderFakes.azureTargetObjectID]?["keyIds"] as? [String] == [ProviderFakes.azureOtherKeyID])
        #expect(apps[ProviderFakes.azureOperatorObjectID]?["keyIds"] as? [String] == ["99999999-8888-4777-8666-555544443333"])
        #expect((state["mutations"] as? [String: Int])?["removePassword"] == 1)
        #expect((state["requests"] as? [String] ?? []).filter { $0.hasPrefix("POST /graph") }
            == ["POST /graph/v1.0/applications/\(ProviderFakes.azureTargetObjectID)/removePassword"])
        // Entra refuses the leaked secret now.
        let (status, _) = try await tokenRequest(fakes, secret: ProviderFakes.azureLeakedSecret)
        #expect(status == 401)

        let newValue = try await CredentialLeak.expectRotated(.azure, fakes)
        try CredentialLeak.expectNoCanary([ProviderFakes.azureOperatorSecret, ProviderFakes.vaultOperatorToken, newValue,
                                           ProviderFakes.oldGuardedValue(.azure)],
                                          runID: runID, ws, env: env, transcript: transcript)
    }

    /// A client-credentials token request straight to the fake, as the target app.
    func tokenRequest(_ fakes: ProviderFakes, secret: String) async throws -> (Int, Any?) {
        var request = URLRequest(url: URL(string: "\(fakes.azure!.baseURL)/login/\(ProviderFakes.azureTenant)/oauth2/v2.0/token")!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        let form = "client_id=\(ProviderFakes.azureTargetAppID)&client_secret=\(secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            + "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&grant_type=client_credentials"
        request.httpBody = Data(form.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? JSONSerialization.jsonObject(with: data))
    }
}
