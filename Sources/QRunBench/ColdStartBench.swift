import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Process start → first provider request: `qrun run` of a one-step `http.request` runbook on a
/// fresh state directory, against `curl` sending the same request, both received by one local
/// HTTP receiver that notes when each request has arrived (its headers read; the same monotonic clock as the spawn).
enum ColdStartBench {
    static func run(qrun: String, root: String, repeats: Int) throws -> [String: Any] {
        let receiver = try ProbeReceiver()
        defer { receiver.stop() }
        let url = "http://127.0.0.1:\(receiver.port)/hook"
        let home = root
        try FileManager.default.createDirectory(atPath: home + "/runbooks", withIntermediateDirectories: true)
        let runbook = """
            runbook: coldstart
            version: 1
            steps:
              - id: call
                uses: http.request
                with: { method: POST, url: "\(url)", body: { id: "cold" } }

            """
        try runbook.write(toFile: home + "/runbooks/coldstart.yaml", atomically: true, encoding: .utf8)
        let curl = "/usr/bin/curl"
        var viaQRun: [Double] = [], viaCurl: [Double] = []
        for i in 0..<(repeats + 2) {
            // Alternate so that neither side profits from a warmer page cache.
            let q = try measure(receiver, qrun, ["run", "coldstart", "--json", "--home", home, "--state-dir", "\(home)/state-\(i)"])
            let c = try measure(receiver, curl, ["-s", "-o", "/dev/null", "-X", "POST", "-H", "Content-Type: application/json",
                                                 "-H", "Idempotency-Key: cold-\(i)", "--data", "{\"id\":\"cold\"}", url])
            if i >= 2 { viaQRun.append(q); viaCurl.append(c) }
        }
        let q = Bench.median(viaQRun), c = Bench.median(viaCurl)
        return ["repeats": repeats, "qrun_median_ms": q, "curl_median_ms": c, "ratio_median": q / c,
                "qrun_min_ms": viaQRun.min() ?? 0, "curl_min_ms": viaCurl.min() ?? 0]
    }

    /// Milliseconds from spawning `exe` to its request at the receiver (headers read).
    static func measure(_ receiver: ProbeReceiver, _ exe: String, _ args: [String]) throws -> Double {
        receiver.reset()
        let start = ProbeReceiver.now()
        let (_, _, status) = try Bench.runQRun(exe, args)
        guard status == 0 else { throw BenchError("\(exe) \(args.first ?? "") exited \(status)") }
        guard let arrived = receiver.firstArrival() else { throw BenchError("\(exe) sent no request") }
        return Double(arrived - start) / 1e6
    }
}
