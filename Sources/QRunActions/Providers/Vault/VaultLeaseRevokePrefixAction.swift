import Foundation
import QRunCore

/// `vault.lease.revoke-prefix`: revokes every lease under a prefix
/// (`PUT sys/leases/revoke-prefix/:prefix`), e.g. all database credentials a compromised role
/// issued (`database/creds/readonly`). Vault revokes each lease at its secrets engine (drops
/// the database user, deletes the cloud key…).
///
/// ## Idempotency
/// Idempotent by nature: revoking a prefix with no leases left succeeds with 204 and changes
/// nothing, so a retry or resume simply repeats the call. The revocation is synchronous
/// (`sync: true`, Vault's default), so success means the leases are gone.
public struct VaultLeaseRevokePrefixAction: Action {
    let transport: HTTPTransport
    let settings: ProviderSettings

    /// Creates the action; `settings` supplies the Vault address, token and namespace.
    public init(transport: HTTPTransport, settings: ProviderSettings) {
        self.transport = transport
        self.settings = settings
    }

    /// Name, parameters and verbs.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "vault.lease.revoke-prefix", summary: "Revokes every Vault lease under a prefix.", parameters: [
            ParameterSpec("prefix", .string, required: true, secret: .forbidden,
                          description: "Lease prefix, e.g. database/creds/readonly (at least a mount and one more segment)."),
        ], supportsVerify: true)
    }

    func prefix(_ call: ActionCall) throws(ActionError) -> String {
        var prefix = try call.requiredString("prefix")
        while prefix.hasPrefix("/") { prefix.removeFirst() }
        let segments = prefix.split(separator: "/", omittingEmptySubsequences: true)
        guard segments.count >= 2, !segments.contains(where: { $0 == "." || $0 == ".." }),
              !prefix.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw .invalid("parameter 'prefix' must name a mount and at least one path below it (e.g. database/creds/readonly); revoking a whole mount is refused")
        }
        return prefix
    }

    /// Read-only: the token may revoke (update + sudo) under the prefix.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let prefix = try prefix(call)
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        try await client.requireCapabilities([("sys/leases/revoke-prefix/\(prefix)", [["update", "sudo"]])])
        return ActionResult(outputs: ["prefix": .string(prefix)], summary: "would revoke every lease under \(prefix)")
    }

    /// Revokes the leases (synchronously).
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let prefix = try prefix(call)
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        let reply = try await client.send("PUT", "sys/leases/revoke-prefix/\(VaultKVLocation.escape(prefix))", body: ["sync": true])
        guard reply.isSuccess else {
            throw client.failure(reply, "revoke the leases under \(prefix)", grant: "update and sudo on sys/leases/revoke-prefix/\(prefix)")
        }
        return ActionResult(outputs: ["prefix": .string(prefix), "revoked": true], summary: "revoked every lease under \(prefix)")
    }

    /// Proves it: listing the leases under the prefix (`LIST sys/leases/lookup/:prefix`) finds none.
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let prefix = try prefix(call)
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        let reply = try await client.send("GET", "sys/leases/lookup/\(VaultKVLocation.escape(prefix))", query: [("list", "true")])
        if reply.isSuccess, let keys = reply.json["data"]?["keys"]?.arrayValue, !keys.isEmpty {
            throw ActionError(message: "\(keys.count) lease entr\(keys.count == 1 ? "y remains" : "ies remain") under \(prefix)", retryable: false)
        }
        guard reply.isSuccess || reply.status == 404 else {
            throw client.failure(reply, "list the leases under \(prefix)", grant: "list and sudo on sys/leases/lookup/\(prefix)")
        }
        return ActionResult(outputs: [
            "verified": true,
            "residual_validity": "No lease under the prefix remains in Vault; credentials its secrets engine could not revoke (a static secret copied elsewhere, a session opened with a revoked database user before revocation) may stay usable until they end on their own.",
        ], summary: "no lease remains under \(prefix)")
    }
}
