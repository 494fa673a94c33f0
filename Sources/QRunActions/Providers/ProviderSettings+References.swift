import QRunCore

extension ProviderSettings {
    /// The standard environment variables the providers read credentials from when the config
    /// names none (each is used as `secret:env:NAME`).
    public static let standardCredentialVariables = [
        "VAULT_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "IBMCLOUD_API_KEY", "AZURE_CLIENT_SECRET",
    ]

    /// Every secret reference the providers may resolve: each reference in the config, and
    /// `secret:env:NAME` for each standard credential variable that is set. The engine registers
    /// them all for masking before a run writes anything, so masking does not depend on which
    /// process resolved a credential first.
    public var secretReferences: [String] {
        var out: [String] = []
        for (_, keys) in config.sorted(by: { $0.key < $1.key }) {
            for (_, value) in keys.sorted(by: { $0.key < $1.key }) where value.hasPrefix(SecretReference.prefix) { out.append(value) }
        }
        for name in Self.standardCredentialVariables where environment[name].map({ !$0.isEmpty }) ?? false {
            out.append("secret:env:\(name)")
        }
        return out
    }
}
