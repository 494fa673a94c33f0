import Foundation
import QRunCore

/// One entry of an application's or service principal's `passwordCredentials`, as Graph lists it.
/// Graph never returns the secret itself (`secretText` is null outside `addPassword`); qrun does
/// not read it either. `hint` is the secret's first three characters, which the Entra admin
/// center shows to tell secrets apart.
struct GraphPasswordCredential: Sendable {
    var keyID: String
    var displayName: String?
    var hint: String?
    var startDateTime: String?
    var endDateTime: String?

    /// Parses the `passwordCredentials` array of a Graph object; entries without a keyId are skipped.
    static func list(in object: Value) -> [GraphPasswordCredential] {
        (object["passwordCredentials"]?.arrayValue ?? []).compactMap { item in
            guard let keyID = item["keyId"]?.stringValue else { return nil }
            return GraphPasswordCredential(keyID: keyID, displayName: item["displayName"]?.stringValue,
                                           hint: item["hint"]?.stringValue, startDateTime: item["startDateTime"]?.stringValue,
                                           endDateTime: item["endDateTime"]?.stringValue)
        }
    }

    /// "'deploy-ci' (hint abc…, expires 2026-01-01T00:00:00Z)".
    var label: String {
        var parts: [String] = []
        if let hint, !hint.isEmpty { parts.append("hint \(hint)…") }
        if let endDateTime { parts.append("expires \(endDateTime)") }
        let name = displayName.map { "'\($0)'" } ?? "(no display name)"
        return parts.isEmpty ? name : "\(name) (\(parts.joined(separator: ", ")))"
    }
}
