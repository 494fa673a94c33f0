import Foundation
import QRunCore

/// Parameter handling shared by the notification actions: secret-only parameters, endpoint
/// URLs that may themselves be credentials, timeouts, and keeping secrets out of messages.
enum NotifyParameters {
    /// The value of a parameter that must be a secret reference (a webhook URL, a routing key,
    /// a signing secret), resolved and registered for masking. A literal value is refused at
    /// run time too, without repeating it, in case a template rendered one.
    static func secret(_ call: ActionCall, _ name: String, what: String, example: String) async throws(ActionError) -> String {
        guard let text = try call.string(name), !text.isEmpty else {
            throw .invalid("parameter '\(name)' is required: give a secret reference to the \(what), e.g. \(example)")
        }
        guard text.hasPrefix(SecretReference.prefix) else {
            throw .invalid("parameter '\(name)' must be a secret reference to the \(what) (secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD), never the value itself")
        }
        let (value, _) = try await call.resolve(text: text)
        guard !value.isEmpty else { throw .invalid("the \(what) behind parameter '\(name)' is empty") }
        return value
    }

    /// An http(s) URL. When `isSecret`, the message never repeats the text.
    static func url(_ text: String, parameter: String, isSecret: Bool) throws(ActionError) -> URL {
        let shown = isSecret ? "the URL behind the secret reference" : "'\(text)'"
        guard let url = URL(string: text.trimmingCharacters(in: .whitespaces)), let scheme = url.scheme?.lowercased(),
              scheme == "https" || scheme == "http", url.host?.isEmpty == false else {
            throw .invalid("parameter '\(parameter)': \(shown) is not an http(s) URL")
        }
        return url
    }

    /// The request timeout: the `timeout` parameter, else the step's timeout, else 30 s.
    static func timeout(_ call: ActionCall) throws(ActionError) -> Duration {
        if let d = try call.duration("timeout") { return d }
        return call.timeout ?? .seconds(30)
    }

    /// An optional string parameter that must be one of `allowed`.
    static func choice(_ call: ActionCall, _ name: String, _ allowed: [String], default value: String) throws(ActionError) -> String {
        let v = try call.string(name) ?? value
        guard allowed.contains(v) else {
            throw .invalid("parameter '\(name)' must be one of \(allowed.joined(separator: ", ")), not '\(v)'")
        }
        return v
    }

    /// `text` with every occurrence of a secret replaced: a receiver may echo what it was sent.
    static func scrub(_ text: String, _ secrets: [String]) -> String {
        var out = text
        for s in secrets where s.count >= 4 { out = out.replacingOccurrences(of: s, with: "[redacted]") }
        return out
    }

    /// The first `limit` characters of a response body on one line, secrets removed.
    static func detail(_ response: HTTPResponse, secrets: [String], limit: Int = 200) -> String {
        let flat = response.text(limit: limit).replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return scrub(flat.trimmingCharacters(in: .whitespaces), secrets)
    }

    /// Re-throws a transport failure with secrets removed from its message.
    static func send(_ transport: HTTPTransport, _ request: HTTPRequest, secrets: [String]) async throws(ActionError) -> HTTPResponse {
        do {
            return try await transport.send(request)
        } catch {
            throw ActionError(message: scrub(error.message, secrets), retryable: error.retryable, retryAfter: error.retryAfter)
        }
    }
}
