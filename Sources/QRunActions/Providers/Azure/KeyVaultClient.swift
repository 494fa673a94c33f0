import Foundation
import QRunCore

/// The Key Vault secrets REST API (version 7.4) for one secret.
///
/// Reads of the current version return the value (the service has no metadata-only read); the
/// value is registered with the redactor at once and dropped, never returned.
struct KeyVaultClient: Sendable {
    static let apiVersion = "7.4"
    static let forbiddenHint = "grant the app qrun signs in as the secrets permissions get, list and set on this vault (access policy) or the Key Vault Secrets Officer role (Azure RBAC)"
    /// Pages of versions followed at most (25 versions each).
    static let maximumPages = 200

    var resource: AzureResourceClient
    var vault: URL
    var name: String

    private func url(_ suffix: String = "") -> URL {
        AzureEndpoint.url(vault, "/secrets/\(name)\(suffix)", query: [("api-version", Self.apiVersion)])
    }

    /// Every version's metadata (`GET /secrets/{name}/versions`, following `nextLink`); empty
    /// when the secret does not exist. Needs the `list` permission.
    func versions(call: ActionCall) async throws(ActionError) -> [KeyVaultSecretVersion] {
        var out: [KeyVaultSecretVersion] = []
        var next: URL? = url("/versions")
        var pages = 0
        while let page = next {
            pages += 1
            guard pages <= Self.maximumPages else {
                throw ActionError(message: "secret '\(name)' has more than \(Self.maximumPages) pages of versions; qrun stopped listing", retryable: false)
            }
            let response = try await resource.send("GET", page, call: call)
            guard response.status == 200 else { throw failure(response, "listing the versions of") }
            let body = response.json
            out += (body["value"]?.arrayValue ?? []).compactMap(KeyVaultSecretVersion.init)
            next = nil
            if let link = body["nextLink"]?.stringValue, !link.isEmpty {
                guard let u = URL(string: link), sameOrigin(u) else {
                    throw ActionError(message: "Key Vault answered a nextLink outside \(vault.absoluteString); refusing to send the token there", retryable: false)
                }
                next = u
            }
        }
        return out
    }

    /// The current (latest) version, or nil when the secret does not exist. Needs `get`. When the
    /// current version is disabled the service refuses the read (403 SecretDisabled); the
    /// latest-created version from the listing stands in for it.
    func current(call: ActionCall) async throws(ActionError) -> KeyVaultSecretVersion? {
        let response = try await resource.send("GET", url(), call: call)
        switch response.status {
        case 200:
            let body = response.json
            if let value = body["value"]?.stringValue { call.secrets.redactor.register(rawValue: value) }
            guard let version = KeyVaultSecretVersion(body) else {
                throw ActionError(message: "Key Vault answered the read of secret '\(name)' without an id", retryable: true)
            }
            return version
        case 404 where AzureServiceError(response).code == "SecretNotFound":
            return nil
        case 403 where AzureServiceError(response).innerCode == "SecretDisabled":
            // The current version is disabled, so it is the latest-created disabled version.
            // `created` has one-second resolution; versions disabled and created in the same
            // second cannot be told apart, and the highest version id then stands in.
            let disabled = try await versions(call: call).filter { !$0.enabled }
            return disabled.max { ($0.created ?? 0, $0.version) < ($1.created ?? 0, $1.version) }
        default:
            throw failure(response, "reading")
        }
    }

    /// Writes a new version (`PUT /secrets/{name}`). Needs `set`.
    func set(value: String, tags: [String: String], contentType: String?, call: ActionCall) async throws(ActionError) -> KeyVaultSecretVersion {
        var body: [String: Value] = ["value": .string(value), "tags": .object(tags.mapValues(Value.string))]
        if let contentType { body["contentType"] = .string(contentType) }
        let response = try await resource.send("PUT", url(), json: .object(body), call: call)
        guard response.status == 200, let version = KeyVaultSecretVersion(response.json) else {
            if response.status == 200 {
                throw ActionError(message: "Key Vault answered the write of secret '\(name)' without an id", retryable: true)
            }
            throw failure(response, "writing a new version of")
        }
        return version
    }

    /// Disables one version (`PATCH /secrets/{name}/{version}` with `{"attributes":{"enabled":false}}`).
    /// Disabling a disabled version succeeds. Needs `set`.
    func disable(version: String, call: ActionCall) async throws(ActionError) -> KeyVaultSecretVersion {
        let response = try await resource.send("PATCH", url("/\(version)"), json: ["attributes": ["enabled": false]], call: call)
        guard response.status == 200, let updated = KeyVaultSecretVersion(response.json) else {
            throw failure(response, "disabling version \(version) of")
        }
        return updated
    }

    private func sameOrigin(_ u: URL) -> Bool {
        u.scheme?.lowercased() == vault.scheme?.lowercased() && u.host?.lowercased() == vault.host?.lowercased()
            && (u.port ?? (u.scheme == "https" ? 443 : 80)) == (vault.port ?? (vault.scheme == "https" ? 443 : 80))
    }

    private func failure(_ response: HTTPResponse, _ doing: String) -> ActionError {
        AzureServiceError.actionError(response, "Key Vault refused \(doing) secret '\(name)' in \(vault.absoluteString)", forbiddenHint: Self.forbiddenHint)
    }
}
