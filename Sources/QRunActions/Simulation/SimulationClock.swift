import Foundation
import QRunCore

/// The engine's clock in a simulated drill: time runs `speed` times faster, so a drill waits
/// through the real backoffs, timeouts and slow answers of its runbook in a fraction of the time
/// while every recorded instant (and so the simulated time to contain) is on the simulated time
/// line. Time is dilated, never skipped, so parallel steps keep their order and overlap.
public struct SimulationClock: EngineClock {
    /// How much faster than real time a simulation runs.
    public static let defaultSpeed = 100

    public let speed: Int
    let origin: Date
    let started: ContinuousClock.Instant

    public init(speed: Int = SimulationClock.defaultSpeed, origin: Date = Date()) {
        self.speed = max(1, speed)
        self.origin = origin
        self.started = ContinuousClock.now
    }

    public func now() -> Date {
        let elapsed = ContinuousClock.now - started
        return origin.addingTimeInterval(Self.seconds(elapsed) * Double(speed))
    }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration / speed)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
