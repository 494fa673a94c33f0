import Foundation
import QRunCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP over libcurl through FoundationNetworking's `URLSession`: one shared session (connection
/// reuse), TLS verification on, redirects refused (a redirect could carry credentials to another
/// host), and failures classified: timeouts, connection errors, 408/425/429 and 5xx may be retried;
/// other 4xx and TLS failures may not.
///
/// Bodies stream through ``HTTPTransferDelegate``, which keeps at most the request's
/// ``HTTPRequest/bodyLimit`` and cancels the transfer past it. ``HTTPRequest/timeout`` is a
/// deadline for the whole exchange (connect, send, receive): a timer cancels the transfer when it
/// passes, however steadily the server trickles bytes. (URLSession's own `timeoutInterval` only
/// fires after that long without any byte; it is kept as a second line.)
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession
    private let delegate = HTTPTransferDelegate()

    /// A transport with its own shared session; create one per process and pass it down.
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

    /// Sends `request`; throws a classified ``ActionError`` for transport failures, the deadline,
    /// cancellation and (with ``HTTPBodyLimit/Overflow/fail``) an oversized body. Any HTTP status
    /// is a response, not an error.
    public func send(_ request: HTTPRequest) async throws(ActionError) -> HTTPResponse {
        var r = URLRequest(url: request.url)
        r.httpMethod = request.method
        r.timeoutInterval = max(0.1, request.timeout.secondsDouble)
        for (k, v) in request.headers { r.addValue(v, forHTTPHeaderField: k) }
        r.httpBody = request.body
        let task = session.dataTask(with: r)
        let outcome = await transfer(task, limit: request.bodyLimit, deadline: request.timeout)
        return try Self.response(outcome, request)
    }

    /// Runs `task` until it ends, its body passes `limit`, `deadline` passes or the caller is cancelled.
    ///
    /// The deadline is a Dispatch timer rather than a sleeping child task, so it fires on time even
    /// when the cooperative thread pool is busy.
    private func transfer(_ task: URLSessionDataTask, limit: HTTPBodyLimit, deadline: Duration) async -> HTTPTransferOutcome {
        let delegate = delegate
        let id = task.taskIdentifier
        delegate.begin(id, limit: limit)
        let timer = DispatchWorkItem {
            delegate.end(task, .deadline)
            task.cancel()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0, deadline.secondsDouble), execute: timer)
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            task.resume()
            return await delegate.outcome(of: id)
        } onCancel: {
            delegate.end(task, .cancelled)
            task.cancel()
        }
    }

    /// The response for `outcome`, or the classified error.
    static func response(_ outcome: HTTPTransferOutcome, _ request: HTTPRequest) throws(ActionError) -> HTTPResponse {
        let origin = origin(request.url)
        switch outcome.ending {
        case .completed(let error?) where error.code == .cancelled && outcome.refusedChallenge != nil:
            // A 401 with WWW-Authenticate whose challenge the delegate refused: report the 401.
            let refused = outcome.refusedChallenge!
            return HTTPResponse(status: refused.status, headers: refused.headers, body: Data())
        case .completed(let error?):
            throw classify(error, url: request.url)
        case .deadline:
            throw ActionError(message: "request to \(origin) timed out: no complete answer within its \(Self.text(request.timeout)) deadline",
                              retryable: true)
        case .cancelled:
            throw ActionError(message: "request to \(origin) cancelled", retryable: true)
        case .overLimit where request.bodyLimit.overflow == .fail:
            throw ActionError(message: "\(origin) answered with a body larger than \(request.bodyLimit); qrun stopped reading it. "
                              + "Check that the endpoint is the API it should be", retryable: false)
        case .completed(nil), .overLimit:
            guard let status = outcome.status else {
                throw ActionError(message: "\(origin) did not answer with HTTP", retryable: true)
            }
            var truncated = false
            if case .overLimit = outcome.ending { truncated = true }
            return HTTPResponse(status: status, headers: outcome.headers, body: outcome.body, truncated: truncated)
        }
    }

    /// `30s` or `1500ms`.
    static func text(_ d: Duration) -> String {
        d.milliseconds % 1000 == 0 ? "\(d.milliseconds / 1000)s" : "\(d.milliseconds)ms"
    }

    static func origin(_ url: URL) -> String {
        "\(url.scheme ?? "http")://\(url.authority)"
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
        case .badURL where url.bracketedHost.hasPrefix("["):
            // FoundationNetworking compares its host ("::1") with libcurl's ("[::1]") and refuses
            // the URL when they differ (swift-corelibs-foundation #5496, fixed after Swift 6.3.1).
            return ActionError(message: "cannot send HTTP to the IPv6 address \(url.bracketedHost): the URLSession of this Swift "
                               + "toolchain refuses IPv6 literal URLs; use a host name that resolves to it (e.g. an /etc/hosts entry) "
                               + "or an IPv4 address", retryable: false)
        case .unsupportedURL, .badURL:
            return ActionError(message: "unsupported URL for \(origin)", retryable: false)
        case .httpTooManyRedirects, .redirectToNonExistentLocation:
            return ActionError(message: "\(origin) redirected; qrun does not follow redirects", retryable: false)
        default:
            return ActionError(message: "request to \(origin) failed (URLError \(e.code.rawValue))", retryable: true)
        }
    }
}
