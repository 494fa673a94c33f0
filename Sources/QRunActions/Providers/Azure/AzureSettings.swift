import Foundation
import QRunCore

/// Where the Azure actions find Microsoft Entra ID, Microsoft Graph and their app credential.
///
/// Provider key `azure` in the workspace config, with the standard environment variables of the
/// Azure SDKs as the fallback (DESIGN §5):
///
/// | config key | environment | default |
/// |---|---|---|
/// | `tenant_id` | `AZURE_TENANT_ID` | — |
/// | `client_id` | `AZURE_CLIENT_ID` | — |
/// | `client_secret` (a secret reference) | `AZURE_CLIENT_SECRET` | — |
/// | `authority` | `AZURE_AUTHORITY_HOST` | `https://login.microsoftonline.com` |
/// | `graph_endpoint` | — | `https://graph.microsoft.com` |
/// | `graph_scope` | — | `{graph_endpoint}/.default`, or the global Graph's when the endpoint is a test server |
/// | `keyvault_scope` | — | `https://vault.{vault DNS suffix}/.default`, default `https://vault.azure.net/.default` |
///
/// Sovereign clouds override `authority` and `graph_endpoint` (e.g. `https://login.microsoftonline.us`,
/// `https://graph.microsoft.us`); the scopes follow them.
struct AzureSettings: Sendable {
    static let provider = "azure"
    static let defaultAuthority = "https://login.microsoftonline.com"
    static let defaultGraph = "https://graph.microsoft.com"
    static let globalGraphScope = "https://graph.microsoft.com/.default"
    static let globalVaultScope = "https://vault.azure.net/.default"
    /// DNS suffixes of Key Vault in the public and sovereign clouds; a vault token is sent nowhere else.
    static let vaultSuffixes = ["vault.azure.net", "vault.azure.cn", "vault.usgovcloudapi.net", "vault.microsoftazure.de"]

    var settings: ProviderSettings

    /// The token authority (no tenant), validated.
    func authority() throws(ActionError) -> URL {
        let text = settings.value(Self.provider, "authority", env: ["AZURE_AUTHORITY_HOST"]) ?? Self.defaultAuthority
        return try AzureEndpoint.base(text, what: "the Microsoft Entra authority", setting: "providers.azure.authority or AZURE_AUTHORITY_HOST")
    }

    /// The Microsoft Graph base URL (without `/v1.0`), validated.
    func graphEndpoint() throws(ActionError) -> URL {
        let text = settings.value(Self.provider, "graph_endpoint") ?? Self.defaultGraph
        return try AzureEndpoint.base(text, what: "the Microsoft Graph endpoint", setting: "providers.azure.graph_endpoint")
    }

    /// The scope of a Graph token: configured, else derived from a real (https) Graph endpoint.
    func graphScope(for endpoint: URL) -> String {
        if let s = settings.value(Self.provider, "graph_scope") { return s }
        if AzureEndpoint.isLoopback(endpoint) { return Self.globalGraphScope }
        return endpoint.absoluteString + "/.default"
    }

    /// The scope of a Key Vault token for `vault`: configured, else `https://vault.<suffix>/.default`.
    func vaultScope(for vault: URL) -> String {
        if let s = settings.value(Self.provider, "keyvault_scope") { return s }
        let host = (vault.host ?? "").lowercased()
        if let suffix = Self.vaultSuffixes.first(where: { host.hasSuffix("." + $0) }) { return "https://\(suffix)/.default" }
        return Self.globalVaultScope
    }

    /// A vault URL given as a step parameter: https to a Key Vault DNS name, or http(s) to loopback.
    func vaultURL(_ text: String) throws(ActionError) -> URL {
        let url = try AzureEndpoint.base(text, what: "vault_url", setting: "the step's vault_url parameter")
        let host = (url.host ?? "").lowercased()
        guard AzureEndpoint.isLoopback(url) || Self.vaultSuffixes.contains(where: { host.hasSuffix("." + $0) }) else {
            throw .invalid("vault_url '\(text)' is not a Key Vault address (https://NAME.vault.azure.net or a sovereign-cloud equivalent); qrun will not send a Key Vault token elsewhere")
        }
        return url
    }

    /// Tenant, client id and the resolved client secret (registered for masking before use).
    ///
    /// - Throws: ``ActionError`` naming the variable or config key to set when one is missing.
    func credentials(_ call: ActionCall) async throws(ActionError) -> AzureCredentials {
        let authority = try authority()
        guard let tenant = settings.value(Self.provider, "tenant_id", env: ["AZURE_TENANT_ID"]) else {
            throw ActionError(message: "no Azure tenant configured; set AZURE_TENANT_ID or providers.azure.tenant_id to the directory (tenant) id", retryable: false)
        }
        guard tenant.range(of: "^[A-Za-z0-9][A-Za-z0-9.-]{0,255}$", options: .regularExpression) != nil else {
            throw .invalid("the Azure tenant id '\(tenant)' is not a GUID or domain name; fix AZURE_TENANT_ID or providers.azure.tenant_id")
        }
        guard let clientID = settings.value(Self.provider, "client_id", env: ["AZURE_CLIENT_ID"]) else {
            throw ActionError(message: "no Azure client id configured; set AZURE_CLIENT_ID or providers.azure.client_id to the app registration's application (client) id", retryable: false)
        }
        let reference = settings.credentialReference(Self.provider, "client_secret", env: ["AZURE_CLIENT_SECRET"])
        let secret = try await call.credential(reference, what: "Azure client secret",
                                               configure: "set AZURE_CLIENT_SECRET or providers.azure.client_secret (a secret reference such as secret:env:NAME)")
        return AzureCredentials(authority: authority, tenantID: tenant, clientID: clientID, clientSecret: SecretValue(secret))
    }
}
