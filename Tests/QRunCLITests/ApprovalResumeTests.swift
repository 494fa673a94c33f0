import Foundation
import QRunTestSupport
import Testing

/// An approval recorded while no process follows the run is acted on by whichever command
/// continues the run next; a decision after the approval window closed is refused.
@Suite
struct ApprovalResumeTests {
    /// How the run is continued once `gate` is approved.
    enum Continuation: String, CaseIterable, CustomTestStringConvertible {
        case resumeAll, resumeNoWait, approveResume
        var testDescription: String { rawValue }
    }

    func runID(_ out: ProcessOutput) throws -> String {
        try #require(try out.json()["run_id"] as? String)
    }

    @Test("an approved run finishes when it is continued", arguments: Continuation.allCases)
    func approvedRunFinishes(how: Continuation) throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("approve-\(how.rawValue)")
        defer { ws.cleanup() }
        try ws.write(runbook: "gated", TestRunbooks.gated())
        let first = try QRun.run(["run", "gated", "--input", "base=\(server.baseURL)", "--no-wait", "--json"], home: ws.home)
        #expect(first.status == 3, "waiting exits 3: \(first.stderr)")
        let id = try runID(first)

        let next: ProcessOutput
        switch how {
        case .resumeAll, .resumeNoWait:
            let approve = try QRun.run(["approve", id, "gate"], home: ws.home)
            #expect(approve.status == 0, "\(approve.stderr)")
            next = try QRun.run(how == .resumeAll ? ["resume", "--all", "--json"] : ["resume", id, "--no-wait", "--json"], home: ws.home)
        case .approveResume:
            next = try QRun.run(["approve", id, "gate", "--resume"], home: ws.home)
        }
        #expect(next.status == 0, "the approved run goes on and succeeds: \(next.stdout)\(next.stderr)")

        let show = try QRun.run(["runs", "show", id, "--json"], home: ws.home).json()
        #expect(show["status"] as? String == "succeeded")
        let stats = try server.stats()
        #expect(Set(stats.keys.values.compactMap { $0.paths.first }) == ["/effect/before", "/effect/after"])
        #expect(stats.keys.values.allSatisfy { $0.effects == 1 && $0.requests == 1 }, "each step after the approval ran once")
    }

    static func timedGate() -> String {
        TestRunbooks.gated().replacingOccurrences(of: "    uses: core.approval\n", with: "    uses: core.approval\n    timeout: 1h\n")
    }

    @Test("a decision after the approval window closed is refused, and the run fails on resume")
    func lateDecisionRefused() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("approve-late")
        defer { ws.cleanup() }
        try ws.write(runbook: "gated", Self.timedGate())
        let first = try QRun.run(["run", "gated", "--input", "base=\(server.baseURL)", "--no-wait", "--json"], home: ws.home)
        #expect(first.status == 3, "\(first.stderr)")
        let id = try runID(first)
        // The step began waiting two hours ago: its one-hour window has closed.
        let moved = try python("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("UPDATE steps SET started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 hours') WHERE run_id = ? AND step_id = 'gate'", (sys.argv[2],))
            db.commit()
            """, [ws.databasePath, id])
        try #require(moved.status == 0, "\(moved.stderr)")

        for verb in ["approve", "reject"] {
            let late = try QRun.run([verb, id, "gate"], home: ws.home)
            #expect(late.status == 64, "\(verb): \(late.stdout)")
            #expect(late.stderr.contains("the approval window of step 'gate' of run \(id) closed at "), "\(late.stderr)")
            #expect(late.stderr.contains("(1h after it began waiting), so no decision was recorded"))
            #expect(late.stderr.contains("the step fails as rejected when the run resumes: qrun resume \(id)"))
            #expect(!late.stdout.contains("approved") && !late.stdout.contains("rejected"))
        }
        let events = try QRun.run(["audit", "export", "--run", id], home: ws.home).jsonLines().map { $0["kind"] as? String ?? "" }
        #expect(!events.contains("approval.granted") && !events.contains("approval.rejected"), "nothing was recorded")

        let resume = try QRun.run(["resume", id, "--no-wait", "--json"], home: ws.home)
        #expect(resume.status == 1, "\(resume.stdout)\(resume.stderr)")
        let steps = (try resume.json()["steps"] as? [[String: Any]] ?? []).reduce(into: [String: [String: Any]]()) { $0[$1["id"] as! String] = $1 }
        #expect(steps["gate"]?["status"] as? String == "failed")
        let gateError = steps["gate"]?["error"] as? String ?? ""
        #expect(gateError.contains("no decision within 1h"))
        #expect(steps["after"]?["status"] as? String == "cancelled")
        #expect(steps["page"]?["status"] as? String == "succeeded", "on_failure runs")
        #expect(Set(try server.stats().keys.values.compactMap { $0.paths.first }) == ["/effect/before", "/effect/page"])
    }
}
