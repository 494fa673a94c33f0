import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How one transfer ended, as `URLSessionTransport` turns it into a response or an error.
struct HTTPTransferOutcome: Sendable {
    enum Ending: Sendable {
        /// URLSession finished the task (`error` nil on success).
        case completed(URLError?)
        /// The body passed the request's limit; the task was cancelled with what was kept.
        case overLimit
        /// The request's deadline passed first.
        case deadline
        /// The calling task was cancelled.
        case cancelled
    }

    var ending: Ending
    var status: Int?
    var headers: [String: String]
    var body: Data
    /// The 401 whose authentication challenge was refused, when there was one.
    var refusedChallenge: (status: Int, headers: [String: String])?
}
