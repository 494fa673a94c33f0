import Foundation
import QRunTestSupport
import Testing

/// Every shipped runbook drills green in simulation: the real engine against simulated providers,
/// with the inputs a responder would give, ends `succeeded` with its containment step done.
@Suite struct ShippedRunbookSimulationTests {
    struct Case: Sendable, CustomStringConvertible {
        var runbook: String
        var args: [String]
        var contained: String
        var description: String { runbook }
    }

    static let cases: [Case] = [
        Case(runbook: "credential-leak", args: ["--token-id", "demo-key-0001"], contained: "ibm-disable-key"),
        Case(runbook: "qpu-billing-abuse", args: ["--token-id", "ApiKey-demo-1"], contained: "ibm-cancel-jobs"),
        Case(runbook: "agent-containment", args: ["--agent", "alpha", "--workdir", "WS", "--pidfile", "WS/agent.pid"], contained: "kill-processes"),
        Case(runbook: "experiment-tampering", args: ["--agent", "alpha", "--experiments-dir", "WS", "--manifest", "WS/manifest.json",
                                                     "--pidfile", "WS/agent.pid"], contained: "verify"),
    ]

    @Test(arguments: cases) func drillsGreenInSimulation(_ c: Case) throws {
        let ws = try TestWorkspace("sim-\(c.runbook)")
        defer { ws.cleanup() }
        try ws.write(runbook: c.runbook, String(contentsOfFile: Fixtures.path("../../runbooks/\(c.runbook).yaml"), encoding: .utf8))
        let out = try QRun.run(["drill", c.runbook, "--simulate", "--json"] + c.args.map { $0.replacingOccurrences(of: "WS", with: ws.home) },
                               home: ws.home)
        #expect(out.status == 0, "\(out.stdout.suffix(1500)) \(out.stderr)")
        let o = try out.json()
        #expect(o["status"] as? String == "succeeded")
        #expect(o["mode"] as? String == "drill")
        let steps = (o["steps"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) { $0[$1["id"] as? String ?? ""] = $1["status"] as? String }
        #expect(steps[c.contained] == "succeeded", "\(steps)")
        #expect(!steps.values.contains("failed"), "\(steps)")
    }
}
