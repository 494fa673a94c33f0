import Foundation
import Metrics
import Prometheus
import QRunCore
import Synchronization

/// The daemon's Prometheus metrics, recorded through swift-metrics into one registry that
/// `GET /metrics` renders.
final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let arrivals = Mutex<[String: ContinuousClock.Instant]>([:])
    private let stepStarts = Mutex<[String: ContinuousClock.Instant]>([:])

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let seconds: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
                                   .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                   .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300)]
        factory.defaultDurationHistogramBuckets = seconds
        self.factory = factory
    }

    /// Makes swift-metrics record into this registry (once per process).
    func bootstrap() {
        MetricsSystem.bootstrap(factory)
    }

    func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    func alertsReceived(endpoint: String, count: Int, deduplicated: Int) {
        Metrics.Counter(label: "qrun_alerts_received_total", dimensions: [("endpoint", endpoint)]).increment(by: count)
        if deduplicated > 0 {
            Metrics.Counter(label: "qrun_alerts_deduplicated_total", dimensions: [("endpoint", endpoint)]).increment(by: deduplicated)
        }
    }

    func alertRefused(endpoint: String, reason: String, count: Int = 1) {
        Metrics.Counter(label: "qrun_alerts_refused_total", dimensions: [("endpoint", endpoint), ("reason", reason)]).increment(by: count)
    }

    func runEnded(runbook: String, status: String) {
        Metrics.Counter(label: "qrun_runs_total", dimensions: [("runbook", runbook), ("status", status)]).increment()
    }

    func setWaiting(_ n: Int) {
        Metrics.Gauge(label: "qrun_runs_waiting_approval").record(n)
    }

    func noteAlertArrival(runID: String, at: ContinuousClock.Instant) {
        arrivals.withLock { $0[runID] = at }
    }

    func forgetRun(_ runID: String) {
        arrivals.withLock { _ = $0.removeValue(forKey: runID) }
        stepStarts.withLock { s in s = s.filter { !$0.key.hasPrefix(runID + "/") } }
    }

    /// Called for every progress event of every run the daemon executes.
    func observe(_ event: ProgressEvent) {
        let now = ContinuousClock.now
        switch event.kind {
        case .stepStarted:
            if let arrived = arrivals.withLock({ $0.removeValue(forKey: event.runID) }) {
                Metrics.Timer(label: "qrun_alert_to_first_action_seconds").recordNanoseconds(Self.nanoseconds(now - arrived))
            }
            if let step = event.stepID { stepStarts.withLock { $0["\(event.runID)/\(step)"] = now } }
        case .stepSucceeded, .stepFailed:
            if let step = event.stepID, let start = stepStarts.withLock({ $0.removeValue(forKey: "\(event.runID)/\(step)") }) {
                Metrics.Timer(label: "qrun_step_duration_seconds", dimensions: [("outcome", event.kind == .stepSucceeded ? "succeeded" : "failed")])
                    .recordNanoseconds(Self.nanoseconds(now - start))
            }
        default:
            break
        }
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}
