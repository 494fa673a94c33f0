import Foundation

/// The executor's clock: what time it is (for the records) and how to wait (retry backoffs,
/// step timeouts, approval deadlines). Injected so that tests move time instead of sleeping.
public protocol EngineClock: Sendable {
    func now() -> Date
    /// Waits `duration`, or throws when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock.
public struct SystemEngineClock: EngineClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}
