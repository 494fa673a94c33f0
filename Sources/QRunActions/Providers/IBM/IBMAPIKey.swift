import Foundation
import QRunCore

/// The fields of IAM's ApiKey object qrun reads (`GET /v1/apikeys/{id}`). The key value itself
/// is never read: IAM returns it only for service ID keys stored as retrievable, and qrun has no
/// use for it.
public struct IBMAPIKey: Sendable, Equatable {
    /// `id`, e.g. `ApiKey-9a2b…`.
    public var id: String
    /// `name` (not unique).
    public var name: String?
    /// `iam_id`: the identity the key authenticates as.
    public var iamID: String?
    /// `account_id`: the account the key authenticates for.
    public var accountID: String?
    /// `locked`: "The API key cannot be changed if set to true."
    public var locked: Bool
    /// `disabled`: "API key cannot be used if 'disabled' is set to true."
    public var disabled: Bool
    /// `entity_tag`: version of the key's details.
    public var entityTag: String?

    /// Parses IAM's JSON; nil when it has no `id`.
    public init?(json: Value) {
        guard let id = json["id"]?.stringValue, !id.isEmpty else { return nil }
        self.id = id
        name = json["name"]?.stringValue
        iamID = json["iam_id"]?.stringValue
        accountID = json["account_id"]?.stringValue
        locked = json["locked"]?.boolValue ?? false
        disabled = json["disabled"]?.boolValue ?? false
        entityTag = json["entity_tag"]?.stringValue
    }

    /// The outputs describing the key (no secret in them).
    var outputs: [String: Value] {
        var o: [String: Value] = ["apikey_id": .string(id), "locked": .bool(locked), "disabled": .bool(disabled)]
        if let iamID { o["iam_id"] = .string(iamID) }
        if let accountID { o["account_id"] = .string(accountID) }
        if let name { o["name"] = .string(name) }
        return o
    }

    /// "ApiKey-1 (name, iam_id …, account …)".
    var display: String {
        let details = [name, iamID.map { "iam_id \($0)" }, accountID.map { "account \($0)" }].compactMap { $0 }
        return details.isEmpty ? id : "\(id) (\(details.joined(separator: ", ")))"
    }
}
