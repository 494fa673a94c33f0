import Foundation
import QRunCore

/// `azure.keyvault.secret.rotate`: writes a new version of a Key Vault secret (a generated value,
/// or one given as a secret reference) and disables the version that was current before.
///
/// - plan: reads the current version's metadata (`GET /secrets/{name}`, permission `get`) and
///   lists the versions (`list`); nothing is written. The value is resolved (or its length
///   checked) but never shown.
/// - apply: `PUT /secrets/{name}` with tags, then `PATCH /secrets/{name}/{previous}`
///   `{"attributes":{"enabled":false}}` when `disable_previous` (default true).
/// - verify: the current version is the one this step wrote, and the previous one is disabled.
///
/// **Idempotency.** Key Vault has no request tokens, so the step detects its own write before
/// writing: the new version is tagged `qrun-idempotency-key: <key>` and
/// `qrun-previous-version: <version that was current>`. Apply first lists the versions; if one
/// carries this step's key, the write already happened (a crash or lost answer after the PUT),
/// so it is not repeated, and the previous version is read from the tag rather than guessed.
/// Disabling a disabled version is harmless, so the PATCH is simply repeated.
///
/// Outputs never contain the value: `secret_id` (`{vault}/secrets/{name}/{version}`) is where it lives.
struct KeyVaultSecretRotateAction: Action {
    static let keyTag = "qrun-idempotency-key"
    static let previousTag = "qrun-previous-version"
    static let runTag = "qrun-run-id"
    static let residualValidity = "The previous value is no longer served by Key Vault (its version is disabled), but it stays valid "
        + "wherever it is accepted until it is changed there, and applications that read it before keep their copy until they read the secret again."

    var transport: HTTPTransport
    var settings: AzureSettings
    var tokens: AzureTokenProvider

    var descriptor: ActionDescriptor {
        ActionDescriptor(
            name: "azure.keyvault.secret.rotate",
            summary: "Set a new version of an Azure Key Vault secret and disable the previous one",
            parameters: [
                ParameterSpec("vault_url", .string, required: true, secret: .forbidden, description: "e.g. https://myvault.vault.azure.net"),
                ParameterSpec("name", .string, required: true, secret: .forbidden, description: "secret name (letters, digits, dashes)"),
                ParameterSpec("value", .string, secret: .required, description: "secret reference to the new value; generated when absent"),
                ParameterSpec("length", .int, secret: .forbidden, description: "length of a generated value (default 32, 16–1024)"),
                ParameterSpec("content_type", .string, secret: .forbidden, description: "contentType to store with the new version"),
                ParameterSpec("disable_previous", .bool, secret: .forbidden, description: "disable the version that was current (default true)"),
            ],
            supportsVerify: true)
    }

    func plan(_ call: ActionCall) async throws -> ActionResult {
        let p = try Parameters(call, settings: settings)
        let source = try await p.valueSource(call)
        let vault = try await client(p, call: call)
        let current = try await vault.current(call: call)
        let versions = try await vault.versions(call: call)
        var outputs = p.identity
        outputs["current_version"] = current.map { .string($0.version) } ?? .null
        if let mine = versions.first(where: { $0.tags[Self.keyTag] == call.idempotencyKey }) {
            outputs["already_rotated"] = true
            outputs["version"] = .string(mine.version)
            return ActionResult(outputs: outputs, summary: "secret '\(p.name)' already has version \(mine.version) written by this step; apply would only make sure the previous version is disabled")
        }
        outputs["already_rotated"] = false
        let what = "would set a new version of secret '\(p.name)' in \(p.vault.absoluteString) (\(source))"
        guard let current else {
            return ActionResult(outputs: outputs, summary: "\(what); the secret does not exist yet, so this creates it")
        }
        let tail = p.disablePrevious ? " and disable version \(current.version)" : "; version \(current.version) stays enabled"
        return ActionResult(outputs: outputs, summary: what + tail)
    }

    func apply(_ call: ActionCall) async throws -> ActionResult {
        let p = try Parameters(call, settings: settings)
        let vault = try await client(p, call: call)
        let versions = try await vault.versions(call: call)
        let written: KeyVaultSecretVersion
        let previous: String?
        let alreadyRotated: Bool
        if let mine = versions.first(where: { $0.tags[Self.keyTag] == call.idempotencyKey }) {
            written = mine
            previous = mine.tags[Self.previousTag]
            alreadyRotated = true
        } else {
            previous = try await vault.current(call: call)?.version
            let value = try await p.newValue(call)
            var tags = [Self.keyTag: call.idempotencyKey, Self.runTag: String(call.runID.prefix(256))]
            if let previous { tags[Self.previousTag] = previous }
            written = try await vault.set(value: value, tags: tags, contentType: p.contentType, call: call)
            alreadyRotated = false
        }
        var previousDisabled = false
        if p.disablePrevious, let previous, previous != written.version {
            previousDisabled = try await !vault.disable(version: previous, call: call).enabled
        }
        var outputs = p.identity
        outputs["version"] = .string(written.version)
        outputs["secret_id"] = .string(written.id)
        outputs["previous_version"] = previous.map(Value.string) ?? .null
        outputs["previous_disabled"] = .bool(previousDisabled)
        outputs["already_rotated"] = .bool(alreadyRotated)
        let verb = alreadyRotated ? "found version \(written.version) already written by this step for" : "set version \(written.version) of"
        let tail = previous.map { previousDisabled ? "; disabled version \($0)" : "; version \($0) left enabled" } ?? ""
        return ActionResult(outputs: outputs, summary: "\(verb) secret '\(p.name)' in \(p.vault.absoluteString)\(tail)")
    }

    func verify(_ call: ActionCall) async throws -> ActionResult {
        let p = try Parameters(call, settings: settings)
        let vault = try await client(p, call: call)
        let versions = try await vault.versions(call: call)
        guard let mine = versions.first(where: { $0.tags[Self.keyTag] == call.idempotencyKey }) else {
            throw ActionError(message: "no version of secret '\(p.name)' carries this step's idempotency key; the rotation has not been applied", retryable: false)
        }
        let current = try await vault.current(call: call)
        guard current?.version == mine.version else {
            throw ActionError(message: "the current version of secret '\(p.name)' is \(current?.version ?? "none"), not \(mine.version) written by this step; someone set a newer version or disabled ours", retryable: false)
        }
        let previous = mine.tags[Self.previousTag]
        if p.disablePrevious, let previous {
            guard let old = versions.first(where: { $0.version == previous }) else {
                throw ActionError(message: "previous version \(previous) of secret '\(p.name)' is no longer listed", retryable: false)
            }
            guard !old.enabled else {
                throw ActionError(message: "previous version \(previous) of secret '\(p.name)' is still enabled", retryable: false)
            }
        }
        var outputs = p.identity
        outputs["verified"] = true
        outputs["version"] = .string(mine.version)
        outputs["previous_version"] = previous.map(Value.string) ?? .null
        outputs["residual_validity"] = .string(Self.residualValidity)
        let tail = previous.map { p.disablePrevious ? "; version \($0) is disabled" : "; version \($0) was left enabled" } ?? ""
        return ActionResult(outputs: outputs, summary: "version \(mine.version) is current for secret '\(p.name)'\(tail)")
    }

    func client(_ p: Parameters, call: ActionCall) async throws(ActionError) -> KeyVaultClient {
        let credentials = try await settings.credentials(call)
        let resource = AzureResourceClient(transport: transport, tokens: tokens, credentials: credentials, scope: settings.vaultScope(for: p.vault))
        return KeyVaultClient(resource: resource, vault: p.vault, name: p.name)
    }
}
