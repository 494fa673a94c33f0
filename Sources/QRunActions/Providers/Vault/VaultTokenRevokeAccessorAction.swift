import Foundation
import QRunCore

/// `vault.token.revoke-accessor`: revokes a Vault token, and its non-orphan children, by its
/// accessor (`POST auth/token/revoke-accessor`), so a leaked token can be killed without
/// handling the token itself.
///
/// ## Idempotency
/// Revocation is idempotent by nature; what differs is how Vault answers a repeat. Since
/// Vault 1.10 (hashicorp/vault PR #13661) an unknown or already revoked accessor answers
/// 200 with the warning "No token found with this accessor"; older servers answer 400
/// "invalid accessor" (issue #9636). Both count as done, so a retry or a resume after a crash
/// succeeds without a second effect. Any other 400, and every 403, is a failure.
public struct VaultTokenRevokeAccessorAction: Action {
    let transport: HTTPTransport
    let settings: ProviderSettings

    /// Creates the action; `settings` supplies the Vault address, token and namespace.
    public init(transport: HTTPTransport, settings: ProviderSettings) {
        self.transport = transport
        self.settings = settings
    }

    /// Name, parameters and verbs.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "vault.token.revoke-accessor", summary: "Revokes a Vault token (and its child tokens) by accessor.",
                         parameters: [
                             ParameterSpec("accessor", .string, required: true, secret: .forbidden,
                                           description: "Accessor of the token to revoke (not the token itself)."),
                         ], supportsVerify: true).declaring([
                            OutputSpec("accessor", "string", "The accessor revoked."),
                            OutputSpec("revoked", "bool", "The token is revoked."),
                            OutputSpec("already_revoked", "bool", "Vault no longer knew it before this call."),
                            OutputSpec("exists", "bool", "plan: Vault knows the accessor."),
                            OutputSpec("ttl", "int", "plan: seconds the token has left."),
                            OutputSpec("verified", "bool", "verify: Vault no longer knows the accessor."),
                            OutputSpec("residual_validity", "string", "verify: what stays valid."),
                         ])
    }

    func accessor(_ call: ActionCall) throws(ActionError) -> String {
        let accessor = try call.requiredString("accessor")
        guard accessor.count <= 256, accessor.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }) else {
            throw .invalid("parameter 'accessor' is not a Vault token accessor (letters, digits, '.', '-' and '_')")
        }
        return accessor
    }

    /// Read-only: looks the accessor up (which needs the same token and policy as the revocation).
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let accessor = try accessor(call)
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        try await client.requireCapabilities([("auth/token/revoke-accessor", [["update"]])])
        guard let info = try await client.lookupAccessor(accessor) else {
            return ActionResult(outputs: ["exists": false],
                                summary: "the token with accessor \(accessor) is already revoked or unknown; apply will change nothing")
        }
        return ActionResult(outputs: ["exists": true, "ttl": .int(info.ttl)],
                            summary: "would revoke the token with accessor \(accessor) (\(info.displayName), policies \(info.policies.joined(separator: ", ")), \(info.ttl)s left) and its child tokens")
    }

    /// Revokes the token; an already revoked or unknown accessor counts as done.
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let accessor = try accessor(call)
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        let reply = try await client.send("POST", "auth/token/revoke-accessor", body: ["accessor": .string(accessor)])
        let alreadyGone = reply.isBadRequest(containing: "invalid accessor")
            || (reply.isSuccess && reply.warnings.contains { $0.contains("No token found") })
        if alreadyGone {
            return ActionResult(outputs: ["accessor": .string(accessor), "revoked": true, "already_revoked": true],
                                summary: "the token with accessor \(accessor) was already revoked or does not exist")
        }
        guard reply.isSuccess else {
            throw client.failure(reply, "revoke the token with accessor \(accessor)", grant: "update on auth/token/revoke-accessor")
        }
        return ActionResult(outputs: ["accessor": .string(accessor), "revoked": true, "already_revoked": false],
                            summary: "revoked the token with accessor \(accessor) and its child tokens")
    }

    /// Proves the revocation: looking the accessor up now fails with "invalid accessor".
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let accessor = try accessor(call)
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        if let info = try await client.lookupAccessor(accessor) {
            throw ActionError(message: "the token with accessor \(accessor) is still valid (\(info.ttl)s left)", retryable: false)
        }
        return ActionResult(outputs: [
            "verified": true,
            "residual_validity": "Nothing issued to the token stays valid in Vault: its leases and non-orphan child tokens are revoked with it. Orphan tokens it created, and secrets it already read and copied elsewhere, stay valid until they expire or are rotated.",
        ], summary: "Vault no longer knows the token with accessor \(accessor)")
    }
}
