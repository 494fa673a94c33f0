import Foundation
import QRunTestSupport
import Testing

/// `http.request` in the built `qrun` binary against bodies far larger than it keeps: the step
/// holds the first 64 KiB, says so, and the process's peak memory does not grow with the body.
@Suite
struct HTTPLimitsEndToEndTests {
    /// Runs one `http.request` GET of `url` under `/usr/bin/time -v`; returns the step and the peak RSS in KiB.
    func run(_ url: String) async throws -> (step: [String: Any], peakKiB: Int) {
        let ws = try TestWorkspace("http-limits")
        defer { ws.cleanup() }
        try ws.write(runbook: "fetch", """
            runbook: fetch
            version: 1
            inputs: { url: { type: string, required: true } }
            steps:
              - id: get
                uses: http.request
                with: { url: "${{ inputs.url }}", timeout: 120s }
            """)
        let p = try RunningProcess(executable: "/usr/bin/time", arguments: ["-v", QRun.binary, "run", "fetch", "--input", "url=\(url)", "--json"],
                                   environment: QRun.environment(home: ws.home), cwd: ws.home, stdin: nil)
        // Waited for off the cooperative pool, which other tests' deadline timers need.
        let out = await withCheckedContinuation { c in DispatchQueue.global().async { c.resume(returning: p.wait(timeout: 300)) } }
        let o = try out.json()
        let step = (o["steps"] as? [[String: Any]])?.first ?? [:]
        let line = out.stderr.split(separator: "\n").first { $0.contains("Maximum resident set size") } ?? ""
        let peak = Int(line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") ?? -1
        return (step, peak)
    }

    @Test func a300MBBodyIsCutAt64KiBWithoutHoldingIt() async throws {
        let server = try HTTPLimitsServer()
        defer { server.stop() }
        let small = try await run("\(server.baseURL)/big/1000")
        let big = try await run("\(server.baseURL)/big/300000000")
        #expect(small.step["status"] as? String == "succeeded")
        #expect(big.step["status"] as? String == "succeeded", "\(big.step["error"] ?? "")")
        let outputs = big.step["outputs"] as? [String: Any] ?? [:]
        #expect((outputs["body"] as? String)?.utf8.count == 64 * 1024)
        #expect(outputs["body_truncated"] as? Bool == true)
        #expect(small.peakKiB > 0 && big.peakKiB > 0, "peak RSS read from /usr/bin/time")
        // Holding the body whole took the process from ~50 MB to ~650 MB; the transfer now stops at the cap,
        // however fast the server sends (no pacing: loopback at full speed).
        let growthMiB = (big.peakKiB - small.peakKiB) / 1024
        #expect(growthMiB < 24, "peak RSS grew by \(growthMiB) MiB for a 300 MB body (\(small.peakKiB) KiB → \(big.peakKiB) KiB)")
    }
}
