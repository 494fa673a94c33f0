import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The session delegate of `URLSessionTransport`: receives each body as it streams, keeping at
/// most the request's limit; refuses redirects and authentication challenges; and hands every
/// transfer's outcome to the one caller waiting for it.
///
/// A transfer ends exactly once, by whichever comes first: URLSession completing the task, the
/// body passing its limit, the deadline, or the caller's cancellation. The caller is resumed at
/// that moment, without waiting for URLSession to confirm a cancellation, so a deadline holds
/// even if libcurl is slow to let go.
///
/// On Linux, swift-corelibs-foundation waits forever on a 401 with `WWW-Authenticate: Basic` when
/// the delegate leaves the challenge to default handling and no credential is stored
/// (swift-corelibs-foundation #5456, fixed by #5457/#5458 after the 6.3.1 toolchain). OAuth servers
/// must send exactly that when HTTP Basic client authentication fails (RFC 6749 §5.2). qrun sets its
/// own Authorization headers, so every challenge is cancelled and remembered; the transport turns
/// the cancellation back into the 401.
final class HTTPTransferDelegate: NSObject, URLSessionDataDelegate, Sendable {
    private struct Transfer {
        var limit: HTTPBodyLimit
        var body = Data()
        var refusedChallenge: (status: Int, headers: [String: String])?
        var outcome: HTTPTransferOutcome?
        var waiter: CheckedContinuation<HTTPTransferOutcome, Never>?
    }

    private let transfers = Mutex<[Int: Transfer]>([:])

    /// Starts tracking task `id` (before it is resumed, so no callback finds it missing).
    func begin(_ id: Int, limit: HTTPBodyLimit) {
        transfers.withLock { $0[id] = Transfer(limit: limit) }
    }

    /// Waits for task `id` to end and forgets it.
    func outcome(of id: Int) async -> HTTPTransferOutcome {
        await withCheckedContinuation { (c: CheckedContinuation<HTTPTransferOutcome, Never>) in
            let ready: HTTPTransferOutcome? = transfers.withLock { t in
                guard let done = t[id]?.outcome else {
                    t[id]?.waiter = c
                    return t[id] == nil ? HTTPTransferOutcome(ending: .cancelled, headers: [:], body: Data()) : nil
                }
                t[id] = nil
                return done
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    /// Ends `task` with `ending` unless it has already ended; the waiting caller is resumed.
    func end(_ task: URLSessionTask, _ ending: HTTPTransferOutcome.Ending) {
        let http = task.response as? HTTPURLResponse
        let status = http?.statusCode
        let headers = http.map(Self.headers) ?? [:]
        let resume: (CheckedContinuation<HTTPTransferOutcome, Never>, HTTPTransferOutcome)? = transfers.withLock { t in
            guard let x = t[task.taskIdentifier], x.outcome == nil else { return nil }
            let o = HTTPTransferOutcome(ending: ending, status: status, headers: headers, body: x.body,
                                        refusedChallenge: x.refusedChallenge)
            guard let waiter = x.waiter else {
                t[task.taskIdentifier]?.outcome = o
                return nil
            }
            t[task.taskIdentifier] = nil
            return (waiter, o)
        }
        if let (waiter, o) = resume { waiter.resume(returning: o) }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let overLimit = transfers.withLock { t -> Bool in
            let id = dataTask.taskIdentifier
            guard let x = t[id], x.outcome == nil else { return false }
            let room = x.limit.bytes - x.body.count
            // Appending through the dictionary's subscript mutates the buffer in place (no copy).
            t[id]!.body.append(data.prefix(max(0, room)))
            return data.count > room
        }
        if overLimit {
            end(dataTask, .overLimit)
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        end(task, .completed(error.map { $0 as? URLError ?? URLError(.unknown) }))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        // A redirect could carry credentials to another host: the 3xx itself is the answer.
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        let failure = challenge.failureResponse as? HTTPURLResponse
        let refused = (status: failure?.statusCode ?? 401, headers: failure.map(Self.headers) ?? [:])
        transfers.withLock { $0[task.taskIdentifier]?.refusedChallenge = refused }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    /// Header names lower-cased.
    static func headers(_ http: HTTPURLResponse) -> [String: String] {
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields {
            if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
        }
        return headers
    }
}
