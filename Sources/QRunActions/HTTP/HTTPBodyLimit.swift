/// How many bytes of a response body a caller keeps, and what happens to an answer that is longer.
///
/// The transport reads the body as it arrives and stops the transfer as soon as it passes
/// ``bytes``, so a huge or endless answer costs at most that much memory, never the whole body.
public struct HTTPBodyLimit: Sendable, Equatable, CustomStringConvertible {
    /// What the transport does with a body longer than the limit.
    public enum Overflow: Sendable, Equatable {
        /// Keep the first ``HTTPBodyLimit/bytes`` bytes and mark the response ``HTTPResponse/truncated``.
        case truncate
        /// Fail the request with a non-retryable "response too large" error: for callers that
        /// must parse the whole body, where a prefix would be misread.
        case fail
    }

    /// The most body bytes kept.
    public var bytes: Int
    /// What happens past ``bytes``.
    public var overflow: Overflow

    /// A limit of `bytes` (negative counts as 0) with the given overflow behaviour.
    public init(bytes: Int, overflow: Overflow) {
        self.bytes = max(0, bytes)
        self.overflow = overflow
    }

    /// Keep the first `bytes` bytes of any answer; longer answers are marked truncated.
    public static func truncate(after bytes: Int) -> HTTPBodyLimit {
        HTTPBodyLimit(bytes: bytes, overflow: .truncate)
    }

    /// Refuse answers longer than `bytes`.
    public static func fail(above bytes: Int) -> HTTPBodyLimit {
        HTTPBodyLimit(bytes: bytes, overflow: .fail)
    }

    /// Provider JSON APIs (Vault, AWS, IBM, Azure/Graph, OAuth): their answers are parsed whole and
    /// are kilobytes long (a long Vault LIST or IAM listing stays well below a megabyte), so 4 MiB
    /// leaves room and anything longer is refused rather than misparsed.
    public static let providerJSON = HTTPBodyLimit.fail(above: 4 * 1024 * 1024)

    /// Notification receivers (webhooks, Slack, PagerDuty): only the status and a short error
    /// detail matter, and a delivered notification stays delivered however long the answer.
    public static let notification = HTTPBodyLimit.truncate(after: 64 * 1024)

    /// `64 KiB`, `4 MiB` or `1000 bytes`, as error messages print it.
    public var description: String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        return bytes % 1024 == 0 ? "\(bytes >> 10) KiB" : "\(bytes) bytes"
    }
}
