import CCurl
import Foundation
import QRunCore
import Synchronization

/// HTTP through libcurl directly (the default transport).
///
/// Why not `URLSession`: on Linux its libcurl backend keeps reading after a task is cancelled, so a
/// fast server can push hundreds of MB into memory past the body cap, and this toolchain's
/// FoundationNetworking refuses IPv6 literal URLs (swift-corelibs-foundation #5496). Driving
/// libcurl ourselves gives a hard bound (the write callback stops the transfer the moment the cap
/// is reached), a real deadline for the whole exchange (`CURLOPT_TIMEOUT_MS`), IPv6 literals, and
/// cancellation polled during the transfer, with no new dependency.
///
/// Each request runs on a Dispatch worker (libcurl's easy interface blocks), so it never holds a
/// thread of the cooperative pool. Easy handles are pooled: a handle keeps its connections open
/// for the next request on it. Redirects are never followed (a redirect could carry credentials
/// to another host), TLS is verified, and failures are classified: timeouts, connection errors and
/// unanswered requests may be retried; TLS failures, bad URLs and oversized answers may not.
public final class CurlTransport: HTTPTransport {
    /// Idle easy handles (`CURL *`), reused for their open connections.
    private let idle = Mutex<[Handle]>([])
    private static let maxIdle = 8

    /// A transport with its own handle pool; create one per process and pass it down.
    public init() {}

    deinit {
        for h in idle.withLock({ $0 }) { qrun_http_handle_free(h.raw) }
    }

    /// Sends `request`; throws a classified ``ActionError`` for transport failures, the deadline,
    /// cancellation and (with ``HTTPBodyLimit/Overflow/fail``) an oversized body. Any HTTP status
    /// is a response, not an error.
    public func send(_ request: HTTPRequest) async throws(ActionError) -> HTTPResponse {
        guard let handle = idle.withLock({ $0.popLast() }) ?? qrun_http_handle_new().map(Handle.init) else {
            throw ActionError(message: "cannot create a libcurl handle", retryable: true)
        }
        let flag = CancelFlag()
        let exchange = Exchange(request: request)
        let outcome: Exchange.Outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Exchange.Outcome, Never>) in
                let job = Job(handle: handle, flag: flag)
                DispatchQueue.global().async {
                    continuation.resume(returning: exchange.perform(on: job.handle.raw, cancel: job.flag.pointer))
                }
            }
        } onCancel: {
            flag.set()
        }
        idle.withLock { pool in
            if pool.count < Self.maxIdle { pool.append(handle) } else { qrun_http_handle_free(handle.raw) }
        }
        return try Self.response(outcome, request)
    }

    /// The response for `outcome`, or the classified error.
    static func response(_ outcome: Exchange.Outcome, _ request: HTTPRequest) throws(ActionError) -> HTTPResponse {
        let origin = HTTPRequest.origin(request.url)
        switch outcome.code {
        case 0:
            guard outcome.status > 0 else { throw ActionError(message: "\(origin) did not answer with HTTP", retryable: true) }
            if outcome.truncated && request.bodyLimit.overflow == .fail {
                throw ActionError(message: "\(origin) answered with a body larger than \(request.bodyLimit); qrun stopped reading it. "
                                  + "Check that the endpoint is the API it should be", retryable: false)
            }
            return HTTPResponse(status: outcome.status, headers: outcome.headers, body: outcome.body, truncated: outcome.truncated)
        case Int32(QRUN_CURLE_OPERATION_TIMEDOUT):
            throw ActionError(message: "request to \(origin) timed out: no complete answer within its "
                              + "\(HTTPRequest.text(request.timeout)) deadline", retryable: true)
        case Int32(QRUN_CURLE_ABORTED_BY_CALLBACK):
            throw ActionError(message: "request to \(origin) cancelled", retryable: true)
        case Int32(QRUN_CURLE_COULDNT_CONNECT):
            throw ActionError(message: "cannot reach \(origin) (connection refused)", retryable: true)
        case Int32(QRUN_CURLE_COULDNT_RESOLVE_HOST), Int32(QRUN_CURLE_COULDNT_RESOLVE_PROXY),
             Int32(QRUN_CURLE_GOT_NOTHING), Int32(QRUN_CURLE_SEND_ERROR), Int32(QRUN_CURLE_RECV_ERROR):
            throw ActionError(message: "cannot reach \(origin) (network error)", retryable: true)
        case Int32(QRUN_CURLE_SSL_CONNECT_ERROR), Int32(QRUN_CURLE_PEER_FAILED_VERIFICATION),
             Int32(QRUN_CURLE_SSL_CACERT_BADFILE):
            throw ActionError(message: "TLS verification with \(origin) failed; refusing to send credentials", retryable: false)
        case Int32(QRUN_CURLE_UNSUPPORTED_PROTOCOL), Int32(QRUN_CURLE_URL_MALFORMAT):
            throw ActionError(message: "unsupported URL for \(origin)", retryable: false)
        default:
            throw ActionError(message: "request to \(origin) failed (libcurl error \(outcome.code))", retryable: true)
        }
    }
}

extension CurlTransport {
    /// A handle and its cancel flag, handed to the Dispatch worker that owns them while it runs.
    /// @unchecked Sendable: the worker is the only user of `handle` until it resumes the
    /// continuation; the flag is written and read atomically in C.
    struct Job: Sendable {
        let handle: Handle
        let flag: CancelFlag
    }

    /// A libcurl easy handle. @unchecked Sendable: a handle is used by one exchange at a time
    /// (taken out of the pool, handed to one worker, put back after it resumed).
    struct Handle: @unchecked Sendable {
        let raw: UnsafeMutableRawPointer
    }

    /// An `int` another thread sets (atomically, in C) to abort a transfer.
    /// @unchecked Sendable: the pointee is only touched through `__atomic` builtins in the shim.
    final class CancelFlag: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<Int32>
        init() { pointer = qrun_http_flag_new() }
        func set() { qrun_http_flag_set(pointer) }
        deinit { qrun_http_flag_free(pointer) }
    }

    /// One request's C-side data, kept alive for the whole exchange.
    struct Exchange: Sendable {
        struct Outcome: Sendable {
            var code: Int32
            var status: Int
            var headers: [String: String]
            var body: Data
            var truncated: Bool
        }

        let request: HTTPRequest

        func perform(on handle: UnsafeMutableRawPointer, cancel: UnsafeMutablePointer<Int32>) -> Outcome {
            let lines = request.headers.map { "\($0.0): \($0.1)" }
            var cLines = lines.map { strdup($0) }
            defer { for p in cLines { free(p) } }
            var result = qrun_http_result()
            defer { qrun_http_result_free(&result) }
            let bodyBytes = request.body.map { [UInt8]($0) }
            let code: Int32 = request.method.withCString { method in
                request.url.absoluteString.withCString { url in
                    cLines.withUnsafeMutableBufferPointer { linesPtr in
                        linesPtr.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(1, linesPtr.count)) { headerArray in
                            withBody(bodyBytes) { body, length in
                                var rq = qrun_http_request(
                                    method: method, url: url, headers: lines.isEmpty ? nil : headerArray, header_count: lines.count,
                                    body: body, body_length: length, body_limit: request.bodyLimit.bytes,
                                    deadline_ms: max(1, Int(request.timeout.milliseconds)), cancel: UnsafePointer(cancel))
                                return qrun_http_perform(handle, &rq, &result)
                            }
                        }
                    }
                }
            }
            let body = result.body.map { Data(bytes: $0, count: result.body_length) } ?? Data()
            let headerText = result.headers.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: result.headers_length), as: UTF8.self) } ?? ""
            return Outcome(code: code, status: Int(result.status), headers: Self.parse(headerText), body: body, truncated: result.truncated != 0)
        }

        func withBody<T>(_ bytes: [UInt8]?, _ body: (UnsafePointer<UInt8>?, Int) -> T) -> T {
            guard let bytes else { return body(nil, 0) }
            return bytes.withUnsafeBufferPointer { body($0.baseAddress ?? UnsafePointer(bitPattern: 1), bytes.count) }
        }

        /// Header lines of the final response, names lower-cased; repeated names are joined with ", ".
        static func parse(_ text: String) -> [String: String] {
            var out: [String: String] = [:]
            for line in text.split(whereSeparator: \.isNewline).dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                out[name] = out[name].map { "\($0), \(value)" } ?? value
            }
            return out
        }
    }
}
