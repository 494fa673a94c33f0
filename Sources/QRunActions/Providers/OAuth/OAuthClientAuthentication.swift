import Foundation
import QRunCore

/// How an OAuth client authenticates to the authorization server (RFC 6749 §2.3, which RFC 7009
/// §2.1 and RFC 7662 §2.1 point to).
///
/// - `basic` (`client_secret_basic`): `Authorization: Basic base64(id ":" secret)`, where id and
///   secret are each form-urlencoded first (RFC 6749 §2.3.1), the method servers MUST support.
/// - `body` (`client_secret_post`): `client_id` and `client_secret` as form fields.
/// A public client (no secret) sends only `client_id` in the body. Exactly one method is used per
/// request: RFC 6749 forbids combining them.
struct OAuthClientAuthentication: Sendable {
    /// The two ways a confidential client may send its secret.
    enum Method: String, Sendable {
        case basic, body
    }

    var clientID: String
    var clientSecret: String?
    var method: Method

    /// Reads `client_auth`: `basic` or `client_secret_basic`, `body` or `client_secret_post`.
    static func method(_ text: String?) throws(ActionError) -> Method {
        switch text?.lowercased() {
        case nil, "", "basic", "client_secret_basic": return .basic
        case "body", "post", "client_secret_post": return .body
        case let other?: throw .invalid("client_auth must be basic (client_secret_basic) or body (client_secret_post), not '\(other)'")
        }
    }

    /// Adds the client's credentials to a request's headers or form.
    func apply(headers: inout [(String, String)], form: inout [(String, String)]) {
        guard let clientSecret else {
            form.append(("client_id", clientID))
            return
        }
        switch method {
        case .basic:
            let pair = PercentEncoding.form(clientID) + ":" + PercentEncoding.form(clientSecret)
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        case .body:
            form.append(("client_id", clientID))
            form.append(("client_secret", clientSecret))
        }
    }

    /// "client qrun-client (HTTP Basic)".
    var display: String {
        clientSecret == nil ? "public client \(clientID)" : "client \(clientID) (\(method == .basic ? "HTTP Basic" : "credentials in the body"))"
    }
}
