import QRunCore

/// Registers the actions this module provides: one place that later providers extend.
public enum BuiltinActions {
    /// The core actions, `http.request`, `shell.exec`, and every provider's actions.
    public static func registry(transport: HTTPTransport = CurlTransport(), settings: ProviderSettings = ProviderSettings()) -> ActionRegistry {
        var r = ActionRegistry.core
        r.register(HTTPRequestAction(transport: transport))
        r.register(ShellExecAction())
        for action in providerActions(transport: transport, settings: settings) { r.register(action) }
        return r
    }

    /// Actions of the provider integrations.
    static func providerActions(transport: HTTPTransport, settings: ProviderSettings) -> [any Action] {
        VaultActions.all(transport: transport, settings: settings)
            + AWSActions.all(transport: transport, settings: settings)
            + AzureActions.all(transport: transport, settings: settings)
            + IBMActions.all(transport: transport, settings: settings)
            + OAuthActions.all(transport: transport, settings: settings)
            + PreflightActions.all()
            + NotifyActions.all(transport: transport, settings: settings)
            + EvidenceActions.all(transport: transport, settings: settings)
            + SandboxActions.all(transport: transport, settings: settings)
    }

    /// Secret sources beyond the environment and files (e.g. Vault), for `secret:vault:` references.
    public static func secretSources(transport: HTTPTransport, settings: ProviderSettings, redactor: Redactor,
                                     baseDirectory: String) -> [any SecretSource] {
        var sources: [any SecretSource] = []
        if let vault = VaultSecretSource.configured(settings: settings, transport: transport, redactor: redactor, baseDirectory: baseDirectory) {
            sources.append(vault)
        }
        return sources
    }
}
