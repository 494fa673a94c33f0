import Foundation
import QRunCore

/// An OAuth error response (RFC 6749 §5.2: `{"error": "...", "error_description": "..."}`).
struct OAuthErrorBody: Sendable {
    /// The `error` code, e.g. `invalid_client`, `unsupported_token_type`.
    var error: String?
    /// `error_description`, when given.
    var description: String?

    init(_ response: HTTPResponse) {
        let json = response.json
        error = json["error"]?.stringValue
        description = json["error_description"]?.stringValue
    }

    /// "invalid_client: client authentication failed", else the start of the raw body, else "HTTP 401".
    func display(_ response: HTTPResponse) -> String {
        guard let error else {
            let text = response.text(limit: 200).replacingOccurrences(of: "\n", with: " ")
            return text.isEmpty ? "HTTP \(response.status)" : text
        }
        return description.map { "\(error): \($0)" } ?? error
    }
}
