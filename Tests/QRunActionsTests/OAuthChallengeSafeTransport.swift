import Foundation
import QRunCore
import Synchronization
@testable import QRunActions
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `URLSessionTransport` plus the fix proposed for it: on Linux, swift-corelibs-foundation waits
/// forever when a server answers 401 with `WWW-Authenticate: Basic` and the session delegate does
/// not answer the authentication challenge (swift-corelibs-foundation issue #5456, fixed upstream
/// by PR #5457/#5458, not in the 6.3.1 toolchain here). RFC 6749 §5.2 makes exactly that answer
/// mandatory when client authentication over HTTP Basic fails, so `oauth.token.revoke` with a
/// wrong client secret would hang until the step timeout.
///
/// The fix: the delegate cancels every challenge (qrun sends its own Authorization header and never
/// wants URLSession to retry with stored credentials) and remembers the 401 it came with; `send`
/// turns the resulting cancellation back into that 401. The OAuth tests use this transport until
/// `URLSessionTransport` carries the same change.
final class ChallengeSafeTransport: HTTPTransport {
    private let delegate = ChallengeRefusingDelegate()
    private let session: URLSession

    init() {
        let config = URLSessionConfiguration.ephemeral
        config.urlCache = nil
        config.httpCookieStorage = nil
        config.urlCredentialStorage = nil
        session = URLSession(configuration: config, delegate: delegate, delegateQueue: nil)
    }

    func send(_ request: HTTPRequest) async throws(ActionError) -> HTTPResponse {
        var r = URLRequest(url: request.url)
        r.httpMethod = request.method
        r.timeoutInterval = max(0.1, request.timeout.secondsDouble)
        for (k, v) in request.headers { r.addValue(v, forHTTPHeaderField: k) }
        r.httpBody = request.body
        do {
            let (data, response) = try await session.data(for: r)
            guard let http = response as? HTTPURLResponse else { throw ActionError(message: "not HTTP", retryable: true) }
            return HTTPResponse(status: http.statusCode, headers: Self.headers(http), body: data)
        } catch let e as URLError where e.code == .cancelled {
            if let refused = delegate.takeRefusal(for: request.url) {
                return HTTPResponse(status: refused.statusCode, headers: Self.headers(refused), body: Data())
            }
            throw URLSessionTransport.classify(e, url: request.url)
        } catch let e as URLError {
            throw URLSessionTransport.classify(e, url: request.url)
        } catch let e as ActionError {
            throw e
        } catch {
            throw ActionError(message: "request failed: \(error)", retryable: true)
        }
    }

    static func headers(_ http: HTTPURLResponse) -> [String: String] {
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields {
            if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
        }
        return headers
    }
}

/// Refuses redirects (as `URLSessionTransport` does) and authentication challenges.
final class ChallengeRefusingDelegate: NSObject, URLSessionTaskDelegate, Sendable {
    private let refused = Mutex<[String: HTTPURLResponse]>([:])

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        if let url = task.originalRequest?.url {
            let response = challenge.failureResponse as? HTTPURLResponse
                ?? HTTPURLResponse(url: url, statusCode: 401, httpVersion: "HTTP/1.1", headerFields: [:])!
            refused.withLock { $0[url.absoluteString] = response }
        }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    func takeRefusal(for url: URL) -> HTTPURLResponse? {
        refused.withLock { $0.removeValue(forKey: url.absoluteString) }
    }
}
