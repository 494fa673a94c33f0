import Foundation
import QRunTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The daemon never drops or doubles a run: SIGTERM drains within the grace period and the next
/// start finishes the run; SIGKILL in the middle of an alert stream loses nothing that was
/// acknowledged, and the sender's retries never double an effect.
@Suite(.serialized) struct ServeLifecycleTests {
    @Test func sigtermLetsTheStepInFlightFinishAndTheNextStartCompletesTheRun() throws {
        let ws = try TestWorkspace("serve-term")
        defer { ws.cleanup() }
        let effects = try EffectServer()
        defer { effects.stop() }
        try ws.write(runbook: "contain", ServeSupport.containment(base: effects.baseURL, slowMilliseconds: 1500))
        var serve = try ServeProcess(home: ws.home, extraArgs: ["--grace", "20s"])
        let posted = try serve.alertmanager(ServeSupport.webhook(tokens: ["tok-t"]))
        #expect(posted.status == 200, "\(posted.body)")
        let runID = try #require(((try posted.json()["decisions"] as? [[String: Any]])?.first?["run_id"]) as? String)
        // Wait until the slow revoke is in flight at the provider.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, try effects.stats().requests == 0 { usleep(20_000) }
        let sent = Date()
        let out = serve.stop(signal: SIGTERM)
        let took = Date().timeIntervalSince(sent)
        #expect(out.status == 0, "\(out.stderr.suffix(2000))")
        #expect(took < 20, "the daemon exits within its grace period")
        var fx = try ServeSupport.effects(effects)
        #expect(fx["/slow/1500/revoke-tok-t"] == 1, "the step in flight finished: \(fx)")
        #expect(fx["/effect/notify-tok-t"] == nil, "no new step starts while draining: \(fx)")
        serve = try ServeProcess(home: ws.home)
        let run = try serve.waitForRun(runID)
        #expect(run["status"] as? String == "succeeded")
        fx = try ServeSupport.effects(effects)
        #expect(fx == ["/slow/1500/revoke-tok-t": 1, "/effect/notify-tok-t": 1], "every effect once: \(fx)")
        let attempts = try #require(run["attempts"] as? [[String: Any]])
        #expect(attempts.filter { $0["step"] as? String == "revoke" }.count == 1, "the drained step was not run again: \(attempts)")
        _ = serve.stop()
    }

    @Test func aStepStillInFlightWhenTheGraceEndsRunsAgainUnderItsKeyOnTheNextStart() throws {
        let ws = try TestWorkspace("serve-grace")
        defer { ws.cleanup() }
        let effects = try EffectServer()
        defer { effects.stop() }
        try ws.write(runbook: "contain", ServeSupport.containment(base: effects.baseURL, slowMilliseconds: 4000))
        var serve = try ServeProcess(home: ws.home, extraArgs: ["--grace", "300ms"])
        let posted = try serve.alertmanager(ServeSupport.webhook(tokens: ["tok-g"]))
        let runID = try #require(((try posted.json()["decisions"] as? [[String: Any]])?.first?["run_id"]) as? String)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, try effects.stats().requests == 0 { usleep(20_000) }
        let out = serve.stop(signal: SIGTERM)
        #expect(out.status == 0, "\(out.stderr.suffix(2000))")
        #expect(out.stderr.contains("grace period over"), "\(out.stderr.suffix(2000))")
        serve = try ServeProcess(home: ws.home)
        let run = try serve.waitForRun(runID)
        #expect(run["status"] as? String == "succeeded")
        let fx = try ServeSupport.effects(effects)
        #expect(fx == ["/slow/4000/revoke-tok-g": 1, "/effect/notify-tok-g": 1], "the repeated call reused its idempotency key: \(fx)")
        _ = serve.stop()
    }

    @Test func sigkillDuringAnAlertStreamLosesNoAcknowledgedAlertAndDoublesNoEffect() throws {
        let ws = try TestWorkspace("serve-kill")
        defer { ws.cleanup() }
        let effects = try EffectServer()
        defer { effects.stop() }
        try ws.write(runbook: "contain", ServeSupport.containment(base: effects.baseURL))
        let port = try MotoServer.freePort()
        var serve = try ServeProcess(home: ws.home, port: port)
        let tokens = (0..<40).map { "tok-\($0)" }
        let acknowledged = Mutex<Set<String>>([])
        let done = Mutex(false)
        // The sender: one post per token, as fast as the daemon answers; what gets no 2xx is retried later.
        let sender = Thread {
            for t in tokens {
                if let a = try? LoopbackHTTP.post(port: port, "/v1/alerts/alertmanager", json: ServeSupport.webhook(tokens: [t]),
                                                  headers: ["Authorization": "Bearer \(ServeProcess.alertToken)"]),
                   (200..<300).contains(a.status) {
                    acknowledged.withLock { _ = $0.insert(t) }
                }
            }
            done.withLock { $0 = true }
        }
        sender.start()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, acknowledged.withLock({ $0.count }) < 12 { usleep(2_000) }
        serve.process.signal(SIGKILL)
        _ = serve.process.wait(timeout: 10)
        while !done.withLock({ $0 }) { usleep(10_000) }
        let before = acknowledged.withLock { $0 }
        #expect(before.count >= 12 && before.count < tokens.count, "the kill landed mid-stream (\(before.count) acknowledged)")
        serve = try ServeProcess(home: ws.home, port: port)
        // Retry what got no 2xx, and (as Alertmanager repeats) a few that did.
        for t in tokens where !before.contains(t) || t.hasSuffix("1") {
            let a = try serve.alertmanager(ServeSupport.webhook(tokens: [t]))
            #expect(a.status == 200, "\(t): \(a.body)")
        }
        var runs: [[String: Any]] = []
        let settle = Date().addingTimeInterval(90)
        while Date() < settle {
            runs = try ServeSupport.runs(serve)
            if runs.count >= tokens.count, runs.allSatisfy({ ($0["status"] as? String) == "succeeded" }) { break }
            usleep(100_000)
        }
        #expect(runs.count == tokens.count, "one run per token: \(runs.count)")
        #expect(runs.allSatisfy { ($0["status"] as? String) == "succeeded" }, "\(runs.map { $0["status"] ?? "" })")
        let fx = try ServeSupport.effects(effects)
        for t in tokens {
            #expect(fx["/effect/revoke-\(t)"] == 1, "\(t) revoked once: \(fx["/effect/revoke-\(t)"] ?? 0)")
            #expect(fx["/effect/notify-\(t)"] == 1, "\(t) notified once")
        }
        _ = serve.stop()
    }
}
