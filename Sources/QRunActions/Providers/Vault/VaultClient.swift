import Foundation
import QRunCore

/// One authenticated connection to a Vault server (HTTP API v1): the address, the token sent as
/// `X-Vault-Token`, and the namespace sent as `X-Vault-Namespace` when one is set.
///
/// Settings come from ``ProviderSettings`` under the provider key `vault`: `address`
/// (else `VAULT_ADDR`), `token` (a secret reference; else `VAULT_TOKEN`) and `namespace`
/// (else `VAULT_NAMESPACE`). The token is resolved through the call's secret resolver, so it
/// is registered for masking before the first request. The client never puts the token, or
/// any value it reads, into an error message.
struct VaultClient: Sendable {
    /// The provider key in the workspace config.
    static let provider = "vault"

    let transport: HTTPTransport
    let address: URL
    let token: String
    let namespace: String?

    /// What a call to Vault answered.
    struct Reply: Sendable {
        var status: Int
        var json: Value
        var retryAfter: Duration?

        /// Vault's `errors` list (empty when there is none).
        var errors: [String] {
            json["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }

        /// Vault's `warnings` list (empty when there is none).
        var warnings: [String] {
            json["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }

        var isSuccess: Bool { (200...299).contains(status) }

        /// Whether Vault answered 400 with an error containing `text`.
        func isBadRequest(containing text: String) -> Bool {
            status == 400 && errors.contains { $0.contains(text) }
        }
    }

    /// The client for a step: address, namespace and token from `settings` and the standard
    /// environment variables, the token resolved (and registered for masking) through `call`.
    ///
    /// - Throws: ``ActionError`` (not retryable) naming what to configure when the address or
    ///   the token is missing, or when the address is not an http(s) URL.
    static func connect(_ call: ActionCall, settings: ProviderSettings, transport: HTTPTransport) async throws(ActionError) -> VaultClient {
        guard let text = settings.value(provider, "address", env: ["VAULT_ADDR"]) else {
            throw ActionError(message: "no Vault address configured; set VAULT_ADDR or providers.vault.address in qrun.yaml",
                              retryable: false)
        }
        let address = try parseAddress(text)
        let token = try await call.credential(
            settings.credentialReference(provider, "token", env: ["VAULT_TOKEN"]), what: "Vault token",
            configure: "set VAULT_TOKEN or providers.vault.token (a reference such as secret:file:PATH) in qrun.yaml")
        return VaultClient(transport: transport, address: address, token: token,
                           namespace: settings.value(provider, "namespace", env: ["VAULT_NAMESPACE"]))
    }

    /// `text` as a Vault address: an http(s) URL with a host, without a trailing slash.
    static func parseAddress(_ text: String) throws(ActionError) -> URL {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host != nil
        else {
            throw ActionError(message: "the Vault address '\(text)' is not an http(s) URL; set VAULT_ADDR to e.g. https://vault.example:8200",
                              retryable: false)
        }
        return url
    }

    /// Sends `method` to `/v1/<path>` (each segment of `path` already escaped by the caller
    /// where it comes from user input; see ``VaultPath``) and returns the answer whatever its
    /// status. Transport failures are thrown as they come (retryable).
    func send(_ method: String, _ path: String, query: [(String, String)] = [], body: Value? = nil,
              as tokenOverride: String? = nil) async throws(ActionError) -> Reply {
        var text = address.absoluteString + "/v1/" + path
        if !query.isEmpty { text += "?" + PercentEncoding.form(query) }
        guard let url = URL(string: text) else {
            throw ActionError.invalid("cannot build a Vault URL for the path '\(path)'")
        }
        var headers: [(String, String)] = [("X-Vault-Token", tokenOverride ?? token), ("X-Vault-Request", "true")]
        if let namespace, !namespace.isEmpty { headers.append(("X-Vault-Namespace", namespace)) }
        let response = try await transport.send(method: method, url: url, headers: headers, json: body)
        return Reply(status: response.status, json: response.json, retryAfter: response.retryAfter)
    }

    /// An ``ActionError`` for a failed answer: retryable for 408/412/425/429/5xx (with
    /// `Retry-After`), not for other statuses. `what` completes "Vault could not …";
    /// `grant` says which capability on which path the policy must allow (for 403).
    func failure(_ reply: Reply, _ what: String, grant: String? = nil) -> ActionError {
        let detail = reply.errors.map { $0.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: "") }
            .joined(separator: "; ").trimmingCharacters(in: .whitespaces)
        let retryable = HTTPResponse.isRetryable(status: reply.status) || reply.status == 412
        var message: String
        switch reply.status {
        case 403:
            message = "Vault refused to \(what) (HTTP 403 permission denied)"
            if let grant { message += "; the token's policy must grant \(grant)" }
            message += "; check that the Vault token is valid and not expired"
        case 404:
            message = "Vault could not \(what): nothing exists there (HTTP 404)"
        default:
            message = "Vault could not \(what) (HTTP \(reply.status)\(detail.isEmpty ? "" : ": \(detail)"))"
            if retryable { message += "; a retry may help" }
        }
        return ActionError(message: message, retryable: retryable, retryAfter: reply.retryAfter)
    }
}
