import Foundation
import QRunCore

/// The error body Microsoft Graph and Key Vault share: `{"error":{"code","message","innererror"}}`
/// (Graph spells it `innerError`).
struct AzureServiceError: Sendable {
    var status: Int
    var code: String
    var innerCode: String?
    var message: String

    /// Reads `response`'s body; falls back to the status when the body is not the documented shape.
    init(_ response: HTTPResponse) {
        status = response.status
        let error = response.json["error"]
        code = error?["code"]?.stringValue ?? "HTTP\(response.status)"
        let inner = error?["innererror"] ?? error?["innerError"]
        innerCode = inner?["code"]?.stringValue
        var text = error?["message"]?.stringValue ?? response.text(limit: 300)
        text = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        message = text.count > 400 ? String(text.prefix(400)) + "…" : text
    }

    /// An ``ActionError`` for `what` failed: retryable for 408/425/429/5xx (with `Retry-After`),
    /// not for the rest; `hint` is appended for 403s (what permission to grant).
    static func actionError(_ response: HTTPResponse, _ what: String, forbiddenHint: String? = nil) -> ActionError {
        let e = AzureServiceError(response)
        var message = "\(what): HTTP \(e.status) \(e.code)"
        if let inner = e.innerCode { message += "/\(inner)" }
        if !e.message.isEmpty { message += ": \(e.message)" }
        if response.status == 403, let forbiddenHint { message += " — \(forbiddenHint)" }
        if response.status == 429 || (500...599).contains(response.status) { message += " (retry later)" }
        return ActionError(message: message, retryable: HTTPResponse.isRetryable(status: response.status), retryAfter: response.retryAfter)
    }
}
