import Foundation
import QRunTestSupport
import Testing

/// Approvals through the API: named principals, approvers, how many must agree, separation of
/// duties, and every decision in the audit chain under its authenticated principal.
@Suite(.serialized) struct ServeApprovalTests {
    static let tokens = ["ALICE_TOKEN": "alice-9c2e71f0d4", "BOB_TOKEN": "bob-3e8a5c1b7f", "CAROL_TOKEN": "carol-6d0f2a9e4c",
                         "SELF_TOKEN": "self-1b7d3f5a9e"]

    static func workspace(_ label: String, effects: EffectServer) throws -> TestWorkspace {
        let ws = try TestWorkspace(label)
        try ws.write(file: "qrun.yaml", """
            serve:
              principals:
                alice: { token: "secret:env:ALICE_TOKEN" }
                bob: { token: "secret:env:BOB_TOKEN" }
                carol: { token: "secret:env:CAROL_TOKEN" }
                \(QRun.unixUser): { token: "secret:env:SELF_TOKEN" }
            """)
        try ws.write(runbook: "contain", ServeSupport.containment(
            base: effects.baseURL, approval: "{ message: \"revoke?\", approvers: [alice, bob, \(QRun.unixUser)], min: 2 }"))
        return ws
    }

    static var env: [String: String] { ServeProcess.credentials.merging(tokens) { a, _ in a } }

    func decide(_ serve: ServeProcess, _ runID: String, as token: String, _ decision: String = "approve") throws -> LoopbackHTTP.Answer {
        try LoopbackHTTP.post(port: serve.port, "/v1/runs/\(runID)/approvals", json: #"{"step":"gate","decision":"\#(decision)","comment":"checked"}"#,
                              headers: ["Authorization": "Bearer \(token)"])
    }

    @Test func twoDistinctApproversAreNeededAndOnlyListedOnesCount() throws {
        let effects = try EffectServer()
        defer { effects.stop() }
        let ws = try Self.workspace("serve-approve", effects: effects)
        defer { ws.cleanup() }
        let serve = try ServeProcess(home: ws.home, env: Self.env)
        let posted = try serve.alertmanager(ServeSupport.webhook(tokens: ["tok-a"]))
        let runID = try #require(((try posted.json()["decisions"] as? [[String: Any]])?.first?["run_id"]) as? String)
        _ = try serve.waitForRun(runID, statuses: ["waiting"])
        let first = try decide(serve, runID, as: Self.tokens["ALICE_TOKEN"]!)
        let firstDecided = try first.json()["decided"] as? Bool
        #expect(first.status == 200 && firstDecided == false, "\(first.body)")
        #expect(try decide(serve, runID, as: Self.tokens["ALICE_TOKEN"]!).status == 409, "one principal counts once")
        let carol = try decide(serve, runID, as: Self.tokens["CAROL_TOKEN"]!)
        #expect(carol.status == 403 && carol.body.contains("not an approver"), "\(carol.body)")
        #expect(try decide(serve, runID, as: "not-a-token").status == 401)
        #expect(try effects.stats().requests == 0, "nothing happens before the second approval")
        let second = try decide(serve, runID, as: Self.tokens["BOB_TOKEN"]!)
        let secondDecided = try second.json()["decided"] as? Bool
        #expect(second.status == 200 && secondDecided == true, "\(second.body)")
        let run = try serve.waitForRun(runID)
        #expect(run["status"] as? String == "succeeded")
        #expect(try ServeSupport.effects(effects) == ["/effect/revoke-tok-a": 1, "/effect/notify-tok-a": 1])
        _ = serve.stop()
        // The audit chain names each authenticated principal.
        let export = try QRun.run(["audit", "export"], home: ws.home)
        let events = export.jsonLines()
        let votes = events.filter { $0["kind"] as? String == "approval.vote" }
        let granted = events.filter { $0["kind"] as? String == "approval.granted" }
        #expect(votes.count == 1 && (votes.first?["actor"] as? String) == "api:alice", "\(votes)")
        #expect(granted.count == 1 && (granted.first?["actor"] as? String) == "api:bob", "\(granted)")
        #expect(try QRun.run(["audit", "verify"], home: ws.home).status == 0)
        let text = export.stdout + (try String(contentsOfFile: ws.databasePath, encoding: .isoLatin1))
        for (_, token) in Self.tokens { #expect(!text.contains(token), "a principal's token never reaches the store or the audit log") }
    }

    @Test func whoeverStartedARunCannotApproveIt() throws {
        let effects = try EffectServer()
        defer { effects.stop() }
        let ws = try Self.workspace("serve-self", effects: effects)
        defer { ws.cleanup() }
        let serve = try ServeProcess(home: ws.home, env: Self.env)
        // A person starts the run at the terminal; it pauses for approval and the daemon takes it over.
        let started = try QRun.run(["run", "contain", "--input", "token_id=tok-s", "--no-wait", "--json"], home: ws.home, env: Self.env)
        #expect(started.status == 3, "\(started.stderr)")
        let runID = try #require(try started.json()["run_id"] as? String)
        let selfApproval = try decide(serve, runID, as: Self.tokens["SELF_TOKEN"]!)
        #expect(selfApproval.status == 403 && selfApproval.body.contains("separation of duties"), "\(selfApproval.body)")
        // Nor at the terminal, whatever the environment claims.
        let cli = try QRun.run(["approve", runID, "gate"], home: ws.home, env: ["QRUN_ACTOR": "alice", "USER": "alice"])
        #expect(cli.status != 0 && cli.stderr.contains("separation of duties"), "\(cli.stderr)")
        // Two others approve; the daemon, which owns the run, acts at once.
        #expect(try decide(serve, runID, as: Self.tokens["ALICE_TOKEN"]!).status == 200)
        #expect(try decide(serve, runID, as: Self.tokens["BOB_TOKEN"]!).status == 200)
        let run = try serve.waitForRun(runID)
        #expect(run["status"] as? String == "succeeded")
        #expect(try ServeSupport.effects(effects) == ["/effect/revoke-tok-s": 1, "/effect/notify-tok-s": 1])
        _ = serve.stop()
    }
}
