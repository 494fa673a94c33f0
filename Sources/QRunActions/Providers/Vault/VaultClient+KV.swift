import Foundation
import QRunCore

/// What `GET MOUNT/metadata/PATH` says about a KV v2 secret.
struct VaultKVMetadata: Sendable {
    /// The newest version (0 when metadata exists but no version was written yet).
    var currentVersion: Int
    /// The secret's custom metadata (string to string), empty when there is none.
    var customMetadata: [String: String]
}

/// One version of a KV v2 secret, as `GET MOUNT/data/PATH` returns it.
struct VaultKVVersion: Sendable {
    var version: Int
    /// The secret's fields. Values are secret: never log or return them.
    var data: [String: Value]
}

/// The result of a check-and-set write.
enum VaultKVWriteOutcome: Sendable, Equatable {
    /// Written as this version.
    case written(version: Int)
    /// Vault answered "check-and-set parameter did not match the current version".
    case casMismatch
}

extension VaultClient {
    /// The metadata of `location`'s secret, or nil when the secret does not exist (404).
    func readMetadata(_ location: VaultKVLocation) async throws(ActionError) -> VaultKVMetadata? {
        let reply = try await send("GET", location.metadataAPIPath)
        if reply.status == 404 { return nil }
        guard reply.isSuccess, let data = reply.json["data"] else {
            throw failure(reply, "read the metadata of \(location.display)", grant: "read on \(location.metadataPolicyPath)")
        }
        var custom: [String: String] = [:]
        for (k, v) in data["custom_metadata"]?.objectValue ?? [:] { custom[k] = v.stringValue ?? v.interpolationText }
        return VaultKVMetadata(currentVersion: data["current_version"]?.intValue ?? 0, customMetadata: custom)
    }

    /// One version of `location`'s secret (the current one when `version` is nil), or nil when
    /// it does not exist, was deleted or was destroyed (Vault answers 404 for all three).
    func readVersion(_ location: VaultKVLocation, version: Int? = nil) async throws(ActionError) -> VaultKVVersion? {
        let query = version.map { [("version", String($0))] } ?? []
        let reply = try await send("GET", location.dataAPIPath, query: query)
        if reply.status == 404 { return nil }
        guard reply.isSuccess, let data = reply.json["data"] else {
            throw failure(reply, "read \(location.display)", grant: "read on \(location.dataPolicyPath)")
        }
        guard let fields = data["data"]?.objectValue, let number = data["metadata"]?["version"]?.intValue else {
            throw ActionError(message: "Vault answered a read of \(location.display) without data; is \(location.mount) a KV version 2 mount?",
                              retryable: false)
        }
        return VaultKVVersion(version: number, data: fields)
    }

    /// Writes `data` as the next version with check-and-set on `cas` (`options.cas`): Vault
    /// writes only when the current version is `cas` (0: only when the secret has no version).
    func writeVersion(_ location: VaultKVLocation, data: [String: Value], cas: Int) async throws(ActionError) -> VaultKVWriteOutcome {
        let body: Value = ["data": .object(data), "options": ["cas": .int(cas)]]
        let reply = try await send("POST", location.dataAPIPath, body: body)
        if reply.isBadRequest(containing: "check-and-set parameter did not match") { return .casMismatch }
        guard reply.isSuccess, let version = reply.json["data"]?["version"]?.intValue else {
            throw failure(reply, "write \(location.display)", grant: "create and update on \(location.dataPolicyPath)")
        }
        return .written(version: version)
    }

    /// Replaces the secret's custom metadata (Vault replaces the whole map; callers merge).
    func writeCustomMetadata(_ location: VaultKVLocation, _ custom: [String: String]) async throws(ActionError) {
        let body: Value = ["custom_metadata": .object(custom.mapValues { .string($0) })]
        let reply = try await send("POST", location.metadataAPIPath, body: body)
        guard reply.isSuccess else {
            throw failure(reply, "record the step's marker in the metadata of \(location.display)",
                          grant: "create and update on \(location.metadataPolicyPath)")
        }
    }
}
