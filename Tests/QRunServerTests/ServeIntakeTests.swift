import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What the intake does with alerts: one run per token however many alerts arrive (repeats,
/// storms, a person at the terminal), labels as data, resolved alerts recorded against the run,
/// and runs created or changed by other processes handled by the daemon.
@Suite(.serialized) struct ServeIntakeTests {
    @Test func anAlertStormForOneTokenIsOneRunAndEveryPostIsAnswered() throws {
        let ws = try TestWorkspace("serve-storm")
        defer { ws.cleanup() }
        let effects = try EffectServer()
        defer { effects.stop() }
        try ws.write(runbook: "contain", ServeSupport.containment(base: effects.baseURL))
        let serve = try ServeProcess(home: ws.home)
        let port = serve.port
        let statuses = UnsafeSendableBox([Int](repeating: 0, count: 200))
        DispatchQueue.concurrentPerform(iterations: 200) { i in
            // Alertmanager repeats, and other tokens' alerts grouped with this one.
            let tokens = i % 10 == 0 ? ["tok-storm", "tok-other"] : ["tok-storm"]
            let a = try? LoopbackHTTP.post(port: port, "/v1/alerts/alertmanager", json: ServeSupport.webhook(tokens: tokens),
                                           headers: ["Authorization": "Bearer \(ServeProcess.alertToken)"])
            statuses.set(i, a?.status ?? -1)
        }
        #expect(statuses.values.allSatisfy { $0 == 200 }, "every post answered 200: \(Set(statuses.values))")
        let runs = try ServeSupport.runs(serve)
        #expect(runs.count == 2, "one run per token: \(runs.count)")
        for r in runs { _ = try serve.waitForRun(r["run_id"] as! String) }
        #expect(try ServeSupport.effects(effects) == ["/effect/revoke-tok-storm": 1, "/effect/notify-tok-storm": 1,
                                                      "/effect/revoke-tok-other": 1, "/effect/notify-tok-other": 1])
        // Every post is in the run's record.
        let id = try #require(runs.first { ($0["run_id"] as? String) != nil && true }?["run_id"] as? String)
        let detail = try serve.api("/v1/runs/\(id)").json()
        #expect(((detail["triggers"] as? [Any])?.count ?? 0) >= 20, "later alerts attach to the run")
        let metrics = try LoopbackHTTP.request(port: serve.port, method: "GET", path: "/metrics").body
        #expect(metrics.contains("qrun_alerts_received_total{endpoint=\"alertmanager\"} 220"), "\(metrics)")
        #expect(metrics.contains("qrun_alerts_deduplicated_total"), "\(metrics)")
        #expect(metrics.contains("qrun_alert_to_first_action_seconds_count 2"), "\(metrics)")
        #expect(metrics.contains("qrun_runs_total{runbook=\"contain\",status=\"succeeded\"} 2"), "\(metrics)")
        _ = serve.stop()
    }

    @Test func labelValuesAreDataNeverReferencesOrExpressions() throws {
        let ws = try TestWorkspace("serve-data")
        defer { ws.cleanup() }
        let effects = try EffectServer()
        defer { effects.stop() }
        try ws.write(runbook: "echo", """
            runbook: echo
            version: 1
            inputs:
              who: { type: string, required: true }
            triggers:
              - alert: { match: { alertname: Probe } }
                inputs: { who: "${{ alert.labels.who }}" }
            steps:
              - id: call
                uses: http.request
                with: { method: POST, url: "\(effects.baseURL)/echo/call", body: "who=${{ inputs.who }}" }
            """)
        let canary = "canary-value-5e1f9b3c7a"
        var env = ServeProcess.credentials
        env["PROBE_SECRET"] = canary
        let serve = try ServeProcess(home: ws.home, env: env)
        for (i, hostile) in ["secret:env:PROBE_SECRET", "${{ env.PROBE_SECRET }}", "secret:file:/etc/shadow"].enumerated() {
            let body = #"{"status":"firing","labels":{"alertname":"Probe","who":"\#(hostile)"},"id":"p\#(i)"}"#
            let a = try serve.signedAlert(body)
            #expect(a.status == 200, "\(a.body)")
            let id = try #require(((try a.json()["decisions"] as? [[String: Any]])?.first?["run_id"]) as? String)
            let run = try serve.waitForRun(id)
            #expect(run["status"] as? String == "succeeded", "\(run)")
            let outputs = (run["steps"] as? [[String: Any]])?.first?["outputs"].map { "\($0)" } ?? ""
            #expect(outputs.contains("who=\(hostile)") || outputs.contains(hostile.replacingOccurrences(of: "/", with: "\\/")),
                    "the provider received the label's text as it was: \(outputs.prefix(600))")
            #expect(!outputs.contains(canary))
        }
        let log = serve.stop().stderr
        #expect(!log.contains(canary) && !log.contains(ServeProcess.alertToken) && !log.contains(ServeProcess.hmacKey))
        #expect(!(try String(contentsOfFile: ws.databasePath, encoding: .isoLatin1)).contains(canary))
    }

    @Test func resolvedAlertsAreRecordedAgainstTheRunAndStartNothing() throws {
        let ws = try TestWorkspace("serve-resolved")
        defer { ws.cleanup() }
        let effects = try EffectServer()
        defer { effects.stop() }
        try ws.write(runbook: "contain", ServeSupport.containment(base: effects.baseURL))
        let serve = try ServeProcess(home: ws.home)
        let firing = try serve.alertmanager(ServeSupport.webhook(tokens: ["tok-res"]))
        let id = try #require(((try firing.json()["decisions"] as? [[String: Any]])?.first?["run_id"]) as? String)
        _ = try serve.waitForRun(id)
        let resolved = try serve.alertmanager(ServeSupport.webhook(tokens: ["tok-res"], status: "resolved"))
        let decision = try #require((try resolved.json()["decisions"] as? [[String: Any]])?.first)
        #expect(decision["outcome"] as? String == "resolved" && decision["run_id"] as? String == id, "\(decision)")
        // A repeat of the same firing after the run ended attaches to it instead of starting again.
        let repeatAfter = try serve.alertmanager(ServeSupport.webhook(tokens: ["tok-res"]))
        #expect(((try repeatAfter.json()["decisions"] as? [[String: Any]])?.first?["run_id"] as? String) == id)
        #expect(try ServeSupport.runs(serve).count == 1)
        let triggers = try serve.api("/v1/runs/\(id)").json()["triggers"] as? [[String: Any]] ?? []
        #expect(triggers.contains { "\($0["data"] ?? "")".contains("resolved") }, "\(triggers)")
        #expect(try ServeSupport.effects(effects) == ["/effect/revoke-tok-res": 1, "/effect/notify-tok-res": 1])
        _ = serve.stop()
    }

    @Test func aPersonAtTheTerminalAttachesToTheRunTheAlertStarted() throws {
        let ws = try TestWorkspace("serve-cli")
        defer { ws.cleanup() }
        let effects = try EffectServer()
        defer { effects.stop() }
        try ws.write(runbook: "contain", ServeSupport.containment(base: effects.baseURL, approval: "{ message: \"revoke?\" }"))
        let serve = try ServeProcess(home: ws.home)
        let posted = try serve.alertmanager(ServeSupport.webhook(tokens: ["tok-c"]))
        let id = try #require(((try posted.json()["decisions"] as? [[String: Any]])?.first?["run_id"]) as? String)
        _ = try serve.waitForRun(id, statuses: ["waiting"])
        let cli = try QRun.run(["incident", "contain", "--token-id", "tok-c", "--json"], home: ws.home)
        #expect(cli.stderr.contains("attached"), "\(cli.stderr)")
        #expect((try? cli.json()["run_id"] as? String) == id, "\(cli.stdout)")
        // Another process's cancel reaches the run the daemon executes (one watcher for all runs).
        let cancel = try QRun.run(["cancel", id], home: ws.home)
        #expect(cancel.status == 0, "\(cancel.stdout) \(cancel.stderr)")
        let run = try serve.waitForRun(id)
        #expect(run["status"] as? String == "cancelled")
        #expect(try effects.stats().requests == 0)
        _ = serve.stop()
    }

    @Test func serveCheckValidatesTheConfigurationAndExits() throws {
        let ws = try TestWorkspace("serve-check")
        defer { ws.cleanup() }
        try ws.write(runbook: "contain", ServeSupport.containment(base: "http://127.0.0.1:9"))
        let ok = try QRun.run(["serve", "--check", "--json"], home: ws.home, env: ServeProcess.credentials)
        #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
        #expect("\(try ok.json()["notes"] ?? "")".contains("contain"))
        try ws.write(file: "qrun.yaml", "serve:\n  principals:\n    alice: { token: \"plain-token-in-the-file\" }\n")
        let bad = try QRun.run(["serve", "--check"], home: ws.home)
        #expect(bad.status == 2 && bad.stderr.contains("must be a secret reference"), "\(bad.stdout) \(bad.stderr)")
        #expect(!bad.stderr.contains("plain-token-in-the-file") || bad.stderr.contains("secret reference"))
        try ws.write(file: "qrun.yaml", "serve:\n  principals:\n    alice: { token: \"secret:env:UNSET_TOKEN\" }\n")
        let unresolved = try QRun.run(["serve", "--check"], home: ws.home)
        #expect(unresolved.status == 2 && unresolved.stdout.contains("alice"), "\(unresolved.stdout) \(unresolved.stderr)")
        let badListen = try QRun.run(["serve", "--listen", "nowhere"], home: ws.home)
        #expect(badListen.status == 64, "\(badListen.stderr)")
    }
}

/// A fixed-size array written from concurrent iterations (each index by one iteration only).
final class UnsafeSendableBox: @unchecked Sendable {
    // @unchecked: each index is written by exactly one iteration of concurrentPerform and read
    // only after it returns.
    private var storage: [Int]
    init(_ initial: [Int]) { storage = initial }
    func set(_ i: Int, _ v: Int) { storage.withUnsafeMutableBufferPointer { $0[i] = v } }
    var values: [Int] { storage }
}
