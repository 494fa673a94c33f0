import Foundation
import QRunTestSupport
import Testing

/// Every way an alert post can be wrong gets a 4xx with a reason, starts nothing and leaves the
/// daemon serving; a signed post is never recorded twice, also across a restart.
@Suite(.serialized) struct ServeRefusalTests {
    struct Case: CustomStringConvertible {
        var name: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]
        var status: Int
        var says: String
        var description: String { name }
    }

    static func cases() -> [Case] {
        let good = ServeSupport.webhook(tokens: ["tok-a"])
        let bearer = ["Authorization": "Bearer \(ServeProcess.alertToken)"]
        let now = Int(Date().timeIntervalSince1970)
        let generic = #"{"status":"firing","labels":{"alertname":"TokenLeak","token_id":"tok-g"}}"#
        func signed(_ body: String, at t: Int = now, key: String = ServeProcess.hmacKey) -> [String: String] {
            ServeProcess.signature(body, timestamp: t, key: key)
        }
        let basicWrong = "Basic " + Data("alertmanager:nope".utf8).base64EncodedString()
        var huge = Array(#"{"version":"4","alerts":[],"pad":""#.utf8)
        huge += [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        huge += Array(#""}"#.utf8)
        return [
            Case(name: "no authorization", path: "/v1/alerts/alertmanager", headers: [:], body: Array(good.utf8), status: 401, says: "Bearer"),
            Case(name: "wrong bearer", path: "/v1/alerts/alertmanager", headers: ["Authorization": "Bearer wrong"], body: Array(good.utf8), status: 401, says: "not valid"),
            Case(name: "wrong basic password", path: "/v1/alerts/alertmanager", headers: ["Authorization": basicWrong], body: Array(good.utf8), status: 401, says: "not valid"),
            Case(name: "oversized body", path: "/v1/alerts/alertmanager", headers: bearer, body: huge, status: 413, says: "1 MiB"),
            Case(name: "malformed JSON", path: "/v1/alerts/alertmanager", headers: bearer, body: Array(#"{"version":"4","alerts":[{"#.utf8), status: 400, says: "not valid JSON"),
            Case(name: "missing alerts", path: "/v1/alerts/alertmanager", headers: bearer, body: Array(#"{"version":"4","status":"firing"}"#.utf8), status: 400, says: "missing field alerts"),
            Case(name: "unknown webhook version", path: "/v1/alerts/alertmanager", headers: bearer, body: Array(#"{"version":"3","alerts":[]}"#.utf8), status: 400, says: "version"),
            Case(name: "label that is not a string", path: "/v1/alerts/alertmanager", headers: bearer,
                 body: Array(#"{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"TokenLeak","token_id":7}}]}"#.utf8), status: 400, says: "must be a string"),
            Case(name: "no signature", path: "/v1/alerts", headers: [:], body: Array(generic.utf8), status: 401, says: "X-Qrun-Signature"),
            Case(name: "wrong signature", path: "/v1/alerts", headers: signed(generic, key: "other-key"), body: Array(generic.utf8), status: 401, says: "does not match"),
            Case(name: "signature of another body", path: "/v1/alerts", headers: signed(generic + " "), body: Array(generic.utf8), status: 401, says: "does not match"),
            Case(name: "stale timestamp", path: "/v1/alerts", headers: signed(generic, at: now - 301), body: Array(generic.utf8), status: 401, says: "old"),
            Case(name: "future timestamp", path: "/v1/alerts", headers: signed(generic, at: now + 301), body: Array(generic.utf8), status: 401, says: "future"),
            Case(name: "unknown field in the generic body", path: "/v1/alerts",
                 headers: signed(#"{"status":"firing","labels":{"alertname":"TokenLeak","token_id":"x"},"run":"now"}"#),
                 body: Array(#"{"status":"firing","labels":{"alertname":"TokenLeak","token_id":"x"},"run":"now"}"#.utf8), status: 400, says: "unknown field 'run'"),
            Case(name: "signed garbage", path: "/v1/alerts", headers: signed("not json"), body: Array("not json".utf8), status: 400, says: "not valid JSON"),
            Case(name: "oversized generic body", path: "/v1/alerts", headers: [:], body: huge, status: 413, says: "1 MiB"),
        ]
    }

    @Test func everyRefusalIsA4xxAndStartsNothing() throws {
        let ws = try TestWorkspace("serve-refusals")
        defer { ws.cleanup() }
        let effects = try EffectServer()
        defer { effects.stop() }
        try ws.write(runbook: "contain", ServeSupport.containment(base: effects.baseURL))
        let serve = try ServeProcess(home: ws.home)
        for c in Self.cases() {
            let a = try LoopbackHTTP.request(port: serve.port, method: "POST", path: c.path, headers: c.headers, body: c.body)
            #expect(a.status == c.status, "\(c.name): \(a.status) \(a.body)")
            #expect(a.body.contains(c.says), "\(c.name): \(a.body)")
            let health = try LoopbackHTTP.request(port: serve.port, method: "GET", path: "/healthz")
            #expect(health.status == 200, "\(c.name): the daemon must stay up")
        }
        #expect(try ServeSupport.runs(serve).isEmpty, "no refused post may start a run")
        #expect(try effects.stats().requests == 0)
        // The API without a principal's token is refused too.
        #expect(try serve.api("/v1/runs", token: "wrong").status == 401)
        let out = serve.stop()
        #expect(out.status == 0, "\(out.stderr.suffix(1500))")
    }

    @Test func aSignedAlertIsRecordedOnceAlsoAfterARestart() throws {
        let ws = try TestWorkspace("serve-replay")
        defer { ws.cleanup() }
        let effects = try EffectServer()
        defer { effects.stop() }
        try ws.write(runbook: "contain", ServeSupport.containment(base: effects.baseURL))
        let body = #"{"status":"firing","labels":{"alertname":"TokenLeak","token_id":"tok-r"},"annotations":{"why":"canary hit"},"id":"det-1"}"#
        let t = Int(Date().timeIntervalSince1970)
        var serve = try ServeProcess(home: ws.home)
        let first = try serve.signedAlert(body, timestamp: t)
        #expect(first.status == 200, "\(first.body)")
        let replay = try serve.signedAlert(body, timestamp: t)
        #expect(replay.status == 409, "\(replay.body)")
        _ = serve.stop()
        serve = try ServeProcess(home: ws.home)
        let afterRestart = try serve.signedAlert(body, timestamp: t)
        #expect(afterRestart.status == 409, "a replay is refused across restarts: \(afterRestart.body)")
        // A fresh signature of the same alert is a new post: it attaches to the same run (its dedup id).
        let again = try serve.signedAlert(body, timestamp: t + 1)
        #expect(again.status == 200, "\(again.body)")
        let runs = try ServeSupport.runs(serve)
        #expect(runs.count == 1, "\(runs)")
        if let id = runs.first?["run_id"] as? String { _ = try serve.waitForRun(id) }
        #expect(try ServeSupport.effects(effects)["/effect/revoke-tok-r"] == 1)
        _ = serve.stop()
    }
}
