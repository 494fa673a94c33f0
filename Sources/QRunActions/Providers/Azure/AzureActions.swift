import Foundation
import QRunCore

/// The Microsoft Entra ID / Microsoft Graph / Azure Key Vault actions, for Azure Quantum
/// workspaces (and anything else) whose access runs through Entra ID app credentials.
///
/// - `azure.app.remove-password`: remove a leaked client secret from an app registration or
///   service principal.
/// - `azure.keyvault.secret.rotate`: set a new version of a Key Vault secret and disable the old one.
///
/// Configuration: provider key `azure` and the standard `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
/// `AZURE_CLIENT_SECRET` variables; see ``AzureSettings`` for every key.
public enum AzureActions {
    /// The Azure actions, sharing one token cache.
    ///
    /// - Parameters:
    ///   - transport: HTTP for the token endpoint, Graph and Key Vault.
    ///   - settings: the workspace's provider settings and environment.
    public static func all(transport: HTTPTransport, settings: ProviderSettings) -> [any Action] {
        let azure = AzureSettings(settings: settings)
        let tokens = AzureTokenProvider(transport: transport)
        return [
            AzureRemovePasswordAction(transport: transport, settings: azure, tokens: tokens),
            KeyVaultSecretRotateAction(transport: transport, settings: azure, tokens: tokens),
        ]
    }
}
