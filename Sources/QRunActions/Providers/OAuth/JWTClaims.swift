import Foundation
import QRunCore

/// Reads the payload of a JSON Web Token without checking its signature.
///
/// qrun uses the claims only to explain things (which account a token acts in, when it
/// expires), never to decide whether to trust anything.
enum JWTClaims {
    /// The payload as JSON, or `null` when `token` is not a three-part JWT with a JSON payload.
    static func decode(_ token: String) -> Value {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .null }
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else { return .null }
        return (try? Value.parseJSON(data)) ?? .null
    }
}
