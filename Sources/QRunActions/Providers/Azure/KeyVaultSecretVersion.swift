import Foundation
import QRunCore

/// A secret version's metadata as Key Vault lists it (`SecretItem` / `SecretBundle` without the
/// value): identifier, enabled flag, creation time and tags.
struct KeyVaultSecretVersion: Sendable, Equatable {
    /// `{vault}/secrets/{name}/{version}`: where the value lives; safe to show.
    var id: String
    /// The version part of ``id`` (32 hex digits in the service).
    var version: String
    var enabled: Bool
    /// Unix seconds.
    var created: Int?
    var tags: [String: String]

    /// Parses a list item or bundle; nil when it has no usable `id`.
    init?(_ item: Value) {
        guard let id = item["id"]?.stringValue,
              let version = id.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init),
              id.contains("/secrets/") else { return nil }
        self.id = id
        self.version = version
        enabled = item["attributes"]?["enabled"]?.boolValue ?? true
        created = item["attributes"]?["created"]?.intValue
        var tags: [String: String] = [:]
        for (k, v) in item["tags"]?.objectValue ?? [:] { if let s = v.stringValue { tags[k] = s } }
        self.tags = tags
    }

    init(id: String, version: String, enabled: Bool, created: Int?, tags: [String: String]) {
        self.id = id
        self.version = version
        self.enabled = enabled
        self.created = created
        self.tags = tags
    }
}
