import Foundation
import QRunCore
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request, ready to send.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(String, String)]
    public var body: Data?
    public var timeout: Duration

    public init(method: String, url: URL, headers: [(String, String)] = [], body: Data? = nil, timeout: Duration = .seconds(30)) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// A response: status, headers (lower-cased names) and the body (capped).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
}

/// Sends HTTP requests; actions receive one through their initializers so tests can point them anywhere.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(ActionError) -> HTTPResponse
}

/// HTTP over libcurl through FoundationNetworking's `URLSession`: one shared session (connection
/// reuse), TLS verification on, redirects refused (a redirect could carry credentials to another
/// host), and failures classified: timeouts, connection errors, 408/425/429 and 5xx may be retried;
/// other 4xx and TLS failures may not.
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession
    private let delegate = RefuseRedirects()

    public init() {
        let config = URLSessionConfiguration.ephemeral
        config.httpMaximumConnectionsPerHost = 8
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        config.httpCookieStorage = nil
        config.httpShouldSetCookies = false
        config.urlCredentialStorage = nil
        session = URLSession(configuration: config, delegate: delegate, delegateQueue: nil)
    }

    public func send(_ request: HTTPRequest) async throws(ActionError) -> HTTPResponse {
        var r = URLRequest(url: request.url)
        r.httpMethod = request.method
        r.timeoutInterval = max(0.1, request.timeout.secondsDouble)
        for (k, v) in request.headers { r.addValue(v, forHTTPHeaderField: k) }
        r.httpBody = request.body
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: r)
        } catch let e as URLError where e.code == .cancelled && delegate.takeRefusal(for: request.url) {
            // A 401 with WWW-Authenticate whose challenge the delegate refused: report the 401.
            return HTTPResponse(status: 401, headers: [:], body: Data())
        } catch let e as URLError {
            throw Self.classify(e, url: request.url)
        } catch is CancellationError {
            throw ActionError(message: "request cancelled", retryable: true)
        } catch {
            throw ActionError(message: "request to \(Self.origin(request.url)) failed: \(error.localizedDescription)", retryable: true)
        }
        guard let http = response as? HTTPURLResponse else {
            throw ActionError(message: "\(Self.origin(request.url)) did not answer with HTTP", retryable: true)
        }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields {
            if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: data)
    }

    static func origin(_ url: URL) -> String {
        var s = "\(url.scheme ?? "http")://\(url.host ?? "?")"
        if let p = url.port { s += ":\(p)" }
        return s
    }

    static func classify(_ e: URLError, url: URL) -> ActionError {
        let origin = origin(url)
        switch e.code {
        case .timedOut:
            return ActionError(message: "request to \(origin) timed out", retryable: true)
        case .cannotConnectToHost, .networkConnectionLost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet:
            return ActionError(message: "cannot reach \(origin) (\(e.code == .cannotConnectToHost ? "connection refused" : "network error"))", retryable: true)
        case .cancelled:
            return ActionError(message: "request to \(origin) cancelled", retryable: true)
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
             .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return ActionError(message: "TLS verification with \(origin) failed; refusing to send credentials", retryable: false)
        case .unsupportedURL, .badURL:
            return ActionError(message: "unsupported URL for \(origin)", retryable: false)
        case .httpTooManyRedirects, .redirectToNonExistentLocation:
            return ActionError(message: "\(origin) redirected; qrun does not follow redirects", retryable: false)
        default:
            return ActionError(message: "request to \(origin) failed (URLError \(e.code.rawValue))", retryable: true)
        }
    }
}

/// Stops URLSession from following redirects and from answering authentication challenges.
///
/// On Linux, swift-corelibs-foundation waits forever on a 401 with `WWW-Authenticate: Basic` when
/// the delegate leaves the challenge to default handling and no credential is stored
/// (swift-corelibs-foundation #5456, fixed by #5457/#5458 after the 6.3.1 toolchain). OAuth servers
/// must send exactly that when HTTP Basic client authentication fails (RFC 6749 §5.2). qrun sets its
/// own Authorization headers, so every challenge is cancelled and remembered; `send` turns the
/// cancellation back into the 401.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    private let refused = Mutex<Set<String>>([])

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        if let url = task.originalRequest?.url { refused.withLock { _ = $0.insert(url.absoluteString) } }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    /// Whether a challenge for `url` was refused (and forgets it).
    func takeRefusal(for url: URL) -> Bool {
        refused.withLock { $0.remove(url.absoluteString) != nil }
    }
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
