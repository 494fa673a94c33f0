import Foundation
import QRunCore

/// One HTTP request, ready to send.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(String, String)]
    public var body: Data?
    /// A deadline for the whole exchange (connect, send, receive), not an idle timeout.
    public var timeout: Duration
    /// How much of the answer's body is kept, and what happens past it.
    public var bodyLimit: HTTPBodyLimit

    /// A request; `timeout` is its deadline, `bodyLimit` defaults to the provider JSON cap.
    public init(method: String, url: URL, headers: [(String, String)] = [], body: Data? = nil, timeout: Duration = .seconds(30),
                bodyLimit: HTTPBodyLimit = .providerJSON) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.bodyLimit = bodyLimit
    }
}

/// A response: status, headers (lower-cased names) and the body (at most the request's limit).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    /// Whether the server sent more than the request's ``HTTPBodyLimit`` and `body` is its prefix.
    public var truncated: Bool

    /// A response as a transport (or a test fake) hands it back.
    public init(status: Int, headers: [String: String], body: Data, truncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }
}

extension HTTPRequest {
    /// `scheme://host:port` of a URL, for messages (never its path, query or userinfo).
    public static func origin(_ url: URL) -> String {
        "\(url.scheme ?? "http")://\(url.authority)"
    }

    /// `30s` or `1500ms`.
    static func text(_ d: Duration) -> String {
        d.milliseconds % 1000 == 0 ? "\(d.milliseconds / 1000)s" : "\(d.milliseconds)ms"
    }
}

/// Sends HTTP requests; actions receive one through their initializers so tests can point them anywhere.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(ActionError) -> HTTPResponse
}

extension HTTPResponse {
    /// Whether a status means "try again later".
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 425 || status == 429 || (500...599).contains(status)
    }

    /// `Retry-After` as a duration (seconds or an HTTP date), capped at 5 minutes.
    public var retryAfter: Duration? {
        guard let v = headers["retry-after"]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let s = Double(v), s >= 0 { return .milliseconds(Int64(min(s, 300) * 1000)) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let d = f.date(from: v) {
            return .milliseconds(Int64(min(max(0, d.timeIntervalSinceNow), 300) * 1000))
        }
        return nil
    }
}
