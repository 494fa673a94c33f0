import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `qrun serve` under load, against the same receiver hit directly in the same run:
/// - alert → first provider request: one alert at a time, each for a new token (so each starts
///   a run whose first step calls the receiver), measured from just before the post is sent to
///   the moment the receiver reads the step's request; the baseline is the load generator
///   posting to the receiver itself;
/// - an alert storm: `storm` posts for one token from 8 senders at once: one run, every post
///   answered, answer latency.
enum ServeBench {
    /// Tokens of the daemon the bench starts, new for every run.
    static let token = UUID().uuidString
    static let apiToken = UUID().uuidString

    /// `qrun-bench serve [--qrun PATH] [--dir DIR] [--alerts N] [--storm N]`
    static func main(_ arguments: [String]) throws {
        var qrun = ".build/release/qrun", dir = "state", alerts = 1000, storm = 1000
        var args = arguments
        while !args.isEmpty {
            let a = args.removeFirst()
            func value() -> String { args.isEmpty ? "" : args.removeFirst() }
            switch a {
            case "--qrun": qrun = value()
            case "--dir": dir = value()
            case "--alerts": alerts = max(1, Int(value()) ?? alerts)
            case "--storm": storm = max(1, Int(value()) ?? storm)
            default:
                FileHandle.standardError.write(Data("usage: qrun-bench serve [--qrun PATH] [--dir DIR] [--alerts N] [--storm N]\n".utf8))
                exit(64)
            }
        }
        umask(0o077)
        let root = (dir as NSString).appendingPathComponent("bench-serve-\(getpid())")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        print("qrun serve benchmark: \(alerts) alerts one at a time (each a new token) against the same receiver hit directly; then a storm of \(storm) posts for one token from 8 senders")
        let r = try run(qrun: qrun, root: root, alerts: alerts, storm: storm)
        func f(_ k: String) -> Double { r[k] as? Double ?? .nan }
        print(String(format: "alert -> first provider request  p50 %.2f ms  p99 %.2f ms   direct p50 %.2f ms  p99 %.2f ms   ratio p50 %.1f×  p99 %.1f×",
                     f("alert_to_first_request_p50_ms"), f("alert_to_first_request_p99_ms"), f("direct_p50_ms"), f("direct_p99_ms"), f("ratio_p50"), f("ratio_p99")))
        print(String(format: "floor: 2 durable commits (%.2f ms each, same disk, same run) + the direct request = %.2f ms; alert p50 is %.1f× that",
                     f("durable_commit_ms"), f("floor_p50_ms"), f("alert_to_first_request_p50_ms") / f("floor_p50_ms")))
        print(String(format: "storm %d posts: %d answered 200, runs for the token: %d, answer p50 %.2f ms  p99 %.2f ms",
                     storm, r["storm_answered_200"] as? Int ?? 0, r["storm_runs"] as? Int ?? -1, f("storm_answer_p50_ms"), f("storm_answer_p99_ms")))
        let data = try JSONSerialization.data(withJSONObject: ["serve": r], options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    static func run(qrun: String, root: String, alerts: Int, storm: Int) throws -> [String: Any] {
        let receiver = try ProbeReceiver()
        let home = root + "/serve"
        try FileManager.default.createDirectory(atPath: home + "/runbooks", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try """
            runbook: contain
            version: 1
            inputs:
              token_id: { type: string, required: true }
            concurrency: { key: "contain/${{ inputs.token_id }}" }
            triggers:
              - alert: { match: { alertname: TokenLeak } }
                inputs: { token_id: "${{ alert.labels.token_id }}" }
            steps:
              - id: revoke
                uses: http.request
                with: { method: POST, url: "http://127.0.0.1:\(receiver.port)/revoke/${{ inputs.token_id }}" }
            """.write(toFile: home + "/runbooks/contain.yaml", atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: qrun)
        daemon.arguments = ["serve", "--home", home, "--listen", "127.0.0.1:\(port)"]
        var env = ProcessInfo.processInfo.environment
        env["QRUN_ALERT_TOKEN"] = token
        env["QRUN_API_TOKEN"] = apiToken
        daemon.environment = env
        daemon.standardError = FileHandle.nullDevice
        daemon.standardOutput = FileHandle.nullDevice
        try daemon.run()
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        let ready = ProbeReceiver.now() + 30_000_000_000
        while loopbackRequest("GET", port: port, path: "/healthz").status != 200 {
            guard ProbeReceiver.now() < ready else { throw BenchError("qrun serve did not start") }
            usleep(20_000)
        }
        let auth = ["Authorization": "Bearer \(token)"]
        // Warm-up (first connection, first run) is not measured.
        loopbackRequest("POST", port: port, path: "/v1/alerts/alertmanager", headers: auth, body: webhook("warm-up"))
        _ = receiver.waitFor("/revoke/warm-up")

        var viaQrun: [Double] = [], direct: [Double] = []
        for i in 0..<alerts {
            // Interleaved, so both see the same machine.
            let t0 = ProbeReceiver.now()
            loopbackRequest("POST", port: receiver.port, path: "/direct/\(i)", body: webhook("direct-\(i)"))
            guard let d = receiver.arrival("/direct/\(i)") else { throw BenchError("the receiver missed a direct request") }
            direct.append(Double(d - t0) / 1e6)
            let t1 = ProbeReceiver.now()
            let status = loopbackRequest("POST", port: port, path: "/v1/alerts/alertmanager", headers: auth, body: webhook("t\(i)")).status
            guard status == 200, let a = receiver.waitFor("/revoke/t\(i)") else { throw BenchError("alert \(i) got \(status) or never reached the provider") }
            viaQrun.append(Double(a - t1) / 1e6)
        }

        // What an alert needs at least on this disk, in this run: two durable commits (the
        // alert with its run, then the first step's intent) before the provider is called.
        let commitMs = try Bench.baseline(commits: 200, path: root + "/floor.sqlite") / 200 * 1000

        // The storm.
        let answers = LockedArray()
        let senders = 8
        DispatchQueue.concurrentPerform(iterations: senders) { s in
            for j in stride(from: s, to: storm, by: senders) {
                let t = ProbeReceiver.now()
                let status = loopbackRequest("POST", port: port, path: "/v1/alerts/alertmanager", headers: auth,
                                             body: webhook("storm", instance: "i\(j % 50)")).status
                answers.append(status: status, ms: Double(ProbeReceiver.now() - t) / 1e6)
            }
        }
        _ = receiver.waitFor("/revoke/storm")
        // Runs for the storm's one token: all runs minus the warm-up and the latency alerts.
        let stormRuns = runCount(port: port) - alerts - 1
        let (statuses, latencies) = answers.values
        return [
            "alerts": alerts,
            "alert_to_first_request_p50_ms": Bench.percentile(viaQrun, 0.5), "alert_to_first_request_p99_ms": Bench.percentile(viaQrun, 0.99),
            "direct_p50_ms": Bench.percentile(direct, 0.5), "direct_p99_ms": Bench.percentile(direct, 0.99),
            "ratio_p50": Bench.percentile(viaQrun, 0.5) / Bench.percentile(direct, 0.5), "ratio_p99": Bench.percentile(viaQrun, 0.99) / Bench.percentile(direct, 0.99),
            "storm_posts": storm, "storm_answered_200": statuses.filter { $0 == 200 }.count,
            "storm_answer_p50_ms": Bench.percentile(latencies, 0.5), "storm_answer_p99_ms": Bench.percentile(latencies, 0.99),
            "storm_runs": stormRuns,
            "durable_commit_ms": commitMs,
            "floor_p50_ms": 2 * commitMs + Bench.percentile(direct, 0.5),
        ]
    }

    static func webhook(_ tokenID: String, instance: String = "a") -> String {
        #"{"version":"4","status":"firing","receiver":"qrun","groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://127.0.0.1:9093","groupKey":"k","truncatedAlerts":0,"alerts":[{"status":"firing","labels":{"alertname":"TokenLeak","token_id":"\#(tokenID)","instance":"\#(instance)"},"annotations":{},"startsAt":"2026-12-06T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"\#(tokenID)-\#(instance)"}]}"#
    }

    /// How many runs the daemon has, through its API.
    static func runCount(port: Int) -> Int {
        let (status, body) = loopbackRequest("GET", port: port, path: "/v1/runs?limit=100000", headers: ["Authorization": "Bearer \(apiToken)"])
        guard status == 200, let o = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let runs = o["runs"] as? [Any] else { return -1 }
        return runs.count
    }

}

/// Answers collected from concurrent senders.
final class LockedArray: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var statuses: [Int] = []
    private var latencies: [Double] = []

    func append(status: Int, ms: Double) {
        lock.lock()
        statuses.append(status)
        latencies.append(ms)
        lock.unlock()
    }

    var values: ([Int], [Double]) {
        lock.lock()
        defer { lock.unlock() }
        return (statuses, latencies)
    }
}

