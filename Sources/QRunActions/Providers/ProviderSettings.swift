import Foundation
import QRunCore

/// Provider endpoints and credential references, from the workspace config (`qrun.yaml`,
/// `providers:` map) with each provider's standard environment variables as the fallback.
///
/// Credentials are held only as references (`secret:env:…`, `secret:file:…`, `secret:vault:…`);
/// a literal credential in the config is refused when the config is loaded. Values read from a
/// standard variable (e.g. `VAULT_TOKEN`) are resolved through the secret resolver too, so they
/// are registered for masking before first use.
public struct ProviderSettings: Sendable {
    /// provider → key → value (a plain value, or a secret reference for credentials)
    public var config: [String: [String: String]]
    /// The process environment (standard variables such as `VAULT_ADDR`, `AWS_REGION`).
    public var environment: [String: String]

    public init(config: [String: [String: String]] = [:], environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = config
        self.environment = environment
    }

    /// A plain (non-secret) setting: the config value, else the first environment variable set.
    public func value(_ provider: String, _ key: String, env names: [String] = []) -> String? {
        if let v = config[provider]?[key], !v.isEmpty { return v }
        for n in names { if let v = environment[n], !v.isEmpty { return v } }
        return nil
    }

    /// A credential as a secret reference: the configured reference, else `secret:env:NAME` for
    /// the first standard variable that is set. Nil when neither exists.
    public func credentialReference(_ provider: String, _ key: String, env names: [String] = []) -> String? {
        if let v = config[provider]?[key], !v.isEmpty { return v }
        for n in names where environment[n].map({ !$0.isEmpty }) ?? false { return "secret:env:\(n)" }
        return nil
    }

    /// Keys that hold credentials and therefore must be secret references in the config.
    public static let credentialKeys: Set<String> = [
        "token", "api_key", "apikey", "secret", "client_secret", "secret_access_key", "session_token",
        "password", "access_token", "refresh_token", "private_key",
    ]

    /// Problems with a config map: literal credentials, malformed references.
    public static func problems(in config: [String: [String: String]]) -> [String] {
        var out: [String] = []
        for (provider, keys) in config.sorted(by: { $0.key < $1.key }) {
            for (key, value) in keys.sorted(by: { $0.key < $1.key }) {
                let isCredential = credentialKeys.contains(key.lowercased()) || SecretNames.looksSecret(key)
                if value.hasPrefix("secret:") {
                    do { _ = try SecretReference.parse(value) } catch { out.append("providers.\(provider).\(key): \(error)") }
                } else if isCredential {
                    out.append("providers.\(provider).\(key) holds a literal credential; write a reference such as secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD")
                }
            }
        }
        return out
    }
}

extension ActionCall {
    /// Resolves a provider credential given as a reference (from ``ProviderSettings``), with a
    /// clear error naming what to configure when it is missing.
    public func credential(_ reference: String?, what: String, configure: String) async throws(ActionError) -> String {
        guard let reference else {
            throw ActionError(message: "no \(what) configured; \(configure)", retryable: false)
        }
        // Config text, not a step parameter: trusted like the runbook.
        let (text, isSecret) = try await resolve(reference: reference)
        if !isSecret { secrets.redactor.register(rawValue: text) }
        guard !text.isEmpty else { throw ActionError(message: "the \(what) is empty", retryable: false) }
        return text
    }
}
