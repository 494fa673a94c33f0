import QRunCore

/// The HashiCorp Vault actions, for the integrator to register.
public enum VaultActions {
    /// `vault.kv.rotate`, `vault.token.revoke-accessor`, `vault.lease.revoke-prefix` and
    /// `vault.token.create`, sharing `transport` and the `vault` provider settings.
    public static func all(transport: HTTPTransport, settings: ProviderSettings) -> [any Action] {
        [
            VaultKVRotateAction(transport: transport, settings: settings),
            VaultTokenRevokeAccessorAction(transport: transport, settings: settings),
            VaultLeaseRevokePrefixAction(transport: transport, settings: settings),
            VaultTokenCreateAction(transport: transport, settings: settings),
        ]
    }
}
