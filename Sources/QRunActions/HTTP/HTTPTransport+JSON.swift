import Foundation
import QRunCore

extension HTTPTransport {
    /// Sends a request with an optional JSON body and returns the response, whatever its status.
    /// A body longer than `bodyLimit` (default: ``HTTPBodyLimit/providerJSON``) fails the request.
    public func send(method: String, url: URL, headers: [(String, String)] = [], json body: Value? = nil,
                     form: [(String, String)]? = nil, timeout: Duration = .seconds(30),
                     bodyLimit: HTTPBodyLimit = .providerJSON) async throws(ActionError) -> HTTPResponse {
        var h = headers
        var data: Data?
        if let body {
            data = Data(body.jsonText.utf8)
            if !h.contains(where: { $0.0.lowercased() == "content-type" }) { h.append(("Content-Type", "application/json")) }
        } else if let form {
            data = Data(PercentEncoding.form(form).utf8)
            if !h.contains(where: { $0.0.lowercased() == "content-type" }) { h.append(("Content-Type", "application/x-www-form-urlencoded")) }
        }
        h.append(("Accept", "application/json"))
        return try await send(HTTPRequest(method: method, url: url, headers: h, body: data, timeout: timeout, bodyLimit: bodyLimit))
    }
}

extension HTTPResponse {
    /// The body parsed as JSON (null when it is not JSON).
    public var json: Value {
        (try? Value.parseJSON(body)) ?? .null
    }

    /// The body as text (first `limit` bytes).
    public func text(limit: Int = 2000) -> String {
        String(decoding: body.prefix(limit), as: UTF8.self)
    }

    /// A provider error as an ``ActionError``: retryable for 408/425/429/5xx, with `Retry-After`.
    public func error(_ what: String, detail: String? = nil) -> ActionError {
        let d = detail ?? text(limit: 300).replacingOccurrences(of: "\n", with: " ")
        return ActionError(message: "\(what): HTTP \(status)\(d.isEmpty ? "" : ": \(d)")",
                           retryable: HTTPResponse.isRetryable(status: status), retryAfter: retryAfter)
    }
}
