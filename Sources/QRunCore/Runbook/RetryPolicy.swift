/// How a failed step is tried again. Only errors that say a retry may help are retried.
public struct RetryPolicy: Sendable, Hashable, Codable {
    /// How the delay grows between attempts.
    public enum Backoff: String, Sendable, Hashable, Codable {
        case constant
        case linear
        case exponential
    }

    /// Total attempts, the first included (1: no retry).
    public var maxAttempts: Int
    public var backoff: Backoff
    public var initial: Duration
    public var max: Duration
    /// Whether to add full jitter (a random fraction of the delay). On by default.
    public var jitter: Bool

    public init(maxAttempts: Int = 1, backoff: Backoff = .exponential, initial: Duration = .seconds(1),
                max: Duration = .seconds(30), jitter: Bool = true) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.initial = initial
        self.max = max
        self.jitter = jitter
    }

    /// No retries.
    public static let none = RetryPolicy()

    /// The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed,
    /// before jitter; `randomFraction` in [0, 1) scales the jittered part.
    public func delay(afterAttempt attempt: Int, randomFraction: Double) -> Duration {
        let base: Duration
        switch backoff {
        case .constant: base = initial
        case .linear: base = initial * attempt
        case .exponential:
            let factor = 1 << Swift.min(Swift.max(attempt - 1, 0), 30)
            base = initial * factor
        }
        let capped = Swift.min(base, max)
        guard jitter else { return capped }
        // "Equal jitter": half fixed, half random, so a retry never comes immediately.
        let half = capped / 2
        return half + half * randomFraction
    }
}
