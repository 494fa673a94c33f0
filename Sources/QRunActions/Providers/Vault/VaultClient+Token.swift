import Foundation
import QRunCore

/// What Vault says about a token (lookup-self or lookup-accessor). Never holds the token itself.
struct VaultTokenInfo: Sendable {
    var accessor: String
    var policies: [String]
    var displayName: String
    /// Seconds left; 0 for a token that never expires.
    var ttl: Int
    /// The TTL the token was created with.
    var creationTTL: Int
    var meta: [String: String]
    var orphan: Bool

    init(_ data: Value) {
        accessor = data["accessor"]?.stringValue ?? ""
        policies = data["policies"]?.arrayValue?.compactMap(\.stringValue) ?? []
        displayName = data["display_name"]?.stringValue ?? ""
        ttl = data["ttl"]?.intValue ?? 0
        creationTTL = data["creation_ttl"]?.intValue ?? 0
        var meta: [String: String] = [:]
        for (k, v) in data["meta"]?.objectValue ?? [:] { meta[k] = v.stringValue ?? v.interpolationText }
        self.meta = meta
        orphan = data["orphan"]?.boolValue ?? false
    }
}

extension VaultClient {
    /// The client's own token (`GET auth/token/lookup-self`): proves the token is valid.
    func lookupSelf() async throws(ActionError) -> VaultTokenInfo {
        let reply = try await send("GET", "auth/token/lookup-self")
        guard reply.isSuccess, let data = reply.json["data"] else {
            throw failure(reply, "look up its own token", grant: "read on auth/token/lookup-self (the default policy)")
        }
        return VaultTokenInfo(data)
    }

    /// The token behind `accessor` (`POST auth/token/lookup-accessor`), or nil when Vault
    /// answers 400 "invalid accessor" (unknown, expired or revoked).
    func lookupAccessor(_ accessor: String) async throws(ActionError) -> VaultTokenInfo? {
        let reply = try await send("POST", "auth/token/lookup-accessor", body: ["accessor": .string(accessor)])
        if reply.isBadRequest(containing: "invalid accessor") { return nil }
        guard reply.isSuccess, let data = reply.json["data"] else {
            throw failure(reply, "look up the token with accessor \(accessor)", grant: "update on auth/token/lookup-accessor")
        }
        return VaultTokenInfo(data)
    }

    /// The client token's capabilities on each of `paths` (`POST sys/capabilities-self`).
    func capabilities(_ paths: [String]) async throws(ActionError) -> [String: Set<String>] {
        let reply = try await send("POST", "sys/capabilities-self", body: ["paths": .array(paths.map { .string($0) })])
        guard reply.isSuccess else {
            throw failure(reply, "list its own capabilities", grant: "update on sys/capabilities-self (the default policy)")
        }
        let data = reply.json["data"] ?? reply.json
        var out: [String: Set<String>] = [:]
        for p in paths {
            out[p] = Set(data[p]?.arrayValue?.compactMap(\.stringValue) ?? ["deny"])
        }
        return out
    }

    /// Checks that the token holds, on each path, every capability of one of the listed sets
    /// (`root` satisfies anything).
    ///
    /// - Throws: ``ActionError`` (not retryable) naming the path and what is missing.
    func requireCapabilities(_ needs: [(path: String, anyOf: [Set<String>])]) async throws(ActionError) {
        let held = try await capabilities(needs.map(\.path))
        for need in needs {
            let caps = held[need.path] ?? []
            if caps.contains("root") { continue }
            if need.anyOf.contains(where: { $0.isSubset(of: caps) }) { continue }
            let wanted = need.anyOf.map { $0.sorted().joined(separator: "+") }.joined(separator: " or ")
            let have = caps.sorted().joined(separator: ", ")
            throw ActionError(message: "the Vault token lacks \(wanted) on \(need.path) (it has: \(have)); extend its policy",
                              retryable: false)
        }
    }
}
