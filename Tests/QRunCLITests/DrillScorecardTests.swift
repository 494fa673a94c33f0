import Foundation
#if canImport(Glibc)
import Glibc
#endif
import QRunTestSupport
import Testing

/// The plan-mode scorecard on a runbook with no provider: approvals must be routable to someone
/// qrun can authenticate, the estimate follows step timeouts along the longest path, and a
/// simulation of the same runbook exercises its retries and approvals.
@Suite(.serialized)
struct DrillScorecardTests {
    static func text(_ o: [String: Any]?, _ key: String) -> String { o?[key] as? String ?? "" }

    static let runbook = """
        runbook: gated
        version: 1
        description: An approval by named people, then two branches of different length.
        steps:
          - id: gate
            uses: core.approval
            with: { message: "go?", approvers: [qrun-nobody-zz9, responder] }
          - id: quick
            needs: [gate]
            uses: core.noop
            timeout: 10s
          - id: slow-a
            needs: [gate]
            uses: core.noop
            timeout: 20s
            retry: { max_attempts: 3, initial: 1s }
          - id: slow-b
            needs: [slow-a]
            uses: core.noop
            timeout: 15s
          - id: untimed
            needs: [gate]
            uses: core.noop
        """

    @Test func approversMustBeRoutableAndTheEstimateFollowsTheLongestPath() throws {
        let ws = try TestWorkspace("scorecard")
        defer { ws.cleanup() }
        try ws.write(runbook: "gated", Self.runbook)
        try ws.write(file: "qrun.yaml", "serve:\n  principals:\n    responder: { token: \"secret:env:QRUN_TOKEN_RESPONDER\" }\n")

        // Given an approver that is neither a principal nor a Unix user, the drill is not ready and says who and what to do.
        let out = try QRun.run(["drill", "gated", "--json"], home: ws.home)
        #expect(out.status == 1, "\(out.stdout.suffix(2000)) \(out.stderr)")
        let o = try out.json()
        let readiness = o["readiness"] as? [String: Any] ?? [:]
        #expect(readiness["ready"] as? Int == 4 && readiness["steps"] as? Int == 5 && readiness["not_ready"] as? [String] == ["gate"], "\(readiness)")
        let card = o["scorecard"] as? [String: Any] ?? [:]
        let steps = CredentialLeak.byID(card["by_step"])
        let gateChecks = steps["gate"]?["checks"] as? [[String: Any]] ?? []
        let approvers = gateChecks.first { $0["check"] as? String == "approvers" } ?? [:]
        #expect(approvers["passed"] as? Bool == false)
        #expect(Self.text(approvers, "detail").contains("qrun-nobody-zz9") && Self.text(approvers, "detail").contains("serve.principals"),
                "\(approvers)")
        #expect(!Self.text(approvers, "detail").contains("responder"), "responder is a configured principal: \(approvers)")
        // slow-a (20s × 3 attempts) then slow-b (15s) is the longest path; untimed is named as unbounded.
        #expect(card["estimated_time_to_contain_s"] as? Double == 75 || card["estimated_time_to_contain_s"] as? Int == 75, "\(card)")
        #expect(card["unbounded_steps"] as? [String] == ["untimed"])

        let tty = try CredentialLeakDrillTests.onTerminal(["drill", "gated"], ws, env: [:])
        #expect(tty.stdout.contains("not ready: gate (core.approval): nobody can answer as qrun-nobody-zz9"), "\(tty.stdout.suffix(2000))")
        #expect(tty.stdout.contains("estimated time to contain: 1m15s") || tty.stdout.contains("estimated time to contain: 75s"), "\(tty.stdout.suffix(2000))")

        // With the unknown approver configured as a principal, it is ready.
        try ws.write(file: "qrun.yaml", "serve:\n  principals:\n    responder: { token: \"secret:env:A\" }\n    qrun-nobody-zz9: { token: \"secret:env:B\" }\n")
        let ready = try QRun.run(["drill", "gated", "--json"], home: ws.home)
        #expect(ready.status == 0, "\(ready.stdout.suffix(2000)) \(ready.stderr)")
        #expect((try ready.json()["readiness"] as? [String: Any])?["ready"] as? Int == 5)
    }

    @Test func namedApprovalsAndFaultsInASimulation() throws {
        let ws = try TestWorkspace("simulate-gated")
        defer { ws.cleanup() }
        try ws.write(runbook: "gated", Self.runbook)
        // A fault on a step with retries uses every attempt; the step's dependants never run.
        let out = try QRun.run(["drill", "gated", "--simulate", "--approve", "gate", "--fault", "slow-a=error", "--json"], home: ws.home)
        #expect(out.status == 1, "\(out.stdout.suffix(2000)) \(out.stderr)")
        let steps = CredentialLeak.byID(try out.json()["steps"])
        #expect(steps["gate"]?["status"] as? String == "succeeded")
        #expect(steps["slow-a"]?["status"] as? String == "failed" && steps["slow-a"]?["attempt"] as? Int == 3, "\(steps["slow-a"] ?? [:])")
        #expect(steps["slow-b"]?["status"] as? String != "succeeded")
        #expect(steps["quick"]?["status"] as? String == "succeeded")
        // --approve on a step that is not an approval is refused.
        let wrong = try QRun.run(["drill", "gated", "--simulate", "--approve", "quick"], home: ws.home)
        #expect(wrong.status == 64 && wrong.stderr.contains("not an approval step"), "\(wrong.stderr)")
    }

    /// With `--approve` naming one gate, the other waits for a person, as in a real run; a
    /// `qrun approve` from another process lets the simulation finish.
    static let twoGates = """
            runbook: two-gates
            version: 1
            description: Two approvals in a row.
            steps:
              - id: first
                uses: core.approval
                with: { message: "first?", allow_self: true }
              - id: second
                needs: [first]
                uses: core.approval
                with: { message: "second?", allow_self: true }
              - id: act
                needs: [second]
                uses: core.noop
            """

    @Test func anApprovalNotNamedWaitsForAPerson() throws {
        let ws = try TestWorkspace("simulate-two-gates")
        defer { ws.cleanup() }
        try ws.write(runbook: "two-gates", Self.twoGates)
        let drill = try RunningProcess(executable: QRun.binary, arguments: ["drill", "two-gates", "--simulate", "--approve", "first", "--json"],
                                       environment: QRun.environment(home: ws.home, extra: [:]), cwd: ws.home, stdin: nil)
        let runID = try CredentialLeak.waitForRun(status: "waiting", ws, env: [:])
        let shown = try QRun.run(["runs", "show", runID, "--json"], home: ws.home)
        let steps = CredentialLeak.byID(try shown.json()["steps"])
        #expect(steps["first"]?["status"] as? String == "succeeded" && steps["second"]?["status"] as? String == "waiting_approval",
                "\(CredentialLeak.status(steps))")
        let approve = try QRun.run(["approve", runID, "second"], home: ws.home)
        #expect(approve.status == 0, "\(approve.stdout) \(approve.stderr)")
        let out = drill.wait(timeout: 60)
        #expect(out.status == 0, "\(out.stdout.suffix(1500)) \(out.stderr)")
        let approvals = (try QRun.run(["runs", "show", runID, "--json"], home: ws.home).json())["approvals"] as? [[String: Any]] ?? []
        #expect(Set(approvals.compactMap { $0["actor"] as? String }).count == 2, "one simulated decision, one a person's: \(approvals)")
        #expect(approvals.contains { $0["step"] as? String == "first" && $0["actor"] as? String == "drill:simulated" }, "\(approvals)")
    }

    /// A simulation whose process was killed while it waited: `resume` and `cancel` continue it
    /// with simulated actions (a real executor refuses it), and it ends cancelled.
    @Test func aKilledSimulationResumesAndCancelsAsASimulation() throws {
        let ws = try TestWorkspace("simulate-killed")
        defer { ws.cleanup() }
        try ws.write(runbook: "two-gates", Self.twoGates)
        let drill = try RunningProcess(executable: QRun.binary, arguments: ["drill", "two-gates", "--simulate", "--approve", "first", "--json"],
                                       environment: QRun.environment(home: ws.home, extra: [:]), cwd: ws.home, stdin: nil)
        let runID = try CredentialLeak.waitForRun(status: "waiting", ws, env: [:])
        drill.signal(SIGKILL)
        _ = drill.wait(timeout: 10)
        let resumed = try QRun.run(["resume", runID, "--no-wait", "--json"], home: ws.home)
        #expect(resumed.status == 3, "still waiting for the person: \(resumed.stdout.suffix(800)) \(resumed.stderr)")
        #expect((try resumed.json()["trigger"] as? [String: Any])?["drill"] as? String == "simulate")
        let cancel = try QRun.run(["cancel", runID], home: ws.home)
        #expect(cancel.status == 0, "\(cancel.stdout) \(cancel.stderr)")
        let shown = try QRun.run(["runs", "show", runID, "--json"], home: ws.home).json()
        #expect(shown["status"] as? String == "cancelled", "\(shown)")
    }
}
