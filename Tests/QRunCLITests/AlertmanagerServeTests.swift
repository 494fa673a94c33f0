import Foundation
import QRunTestSupport
import Testing

/// The whole chain with real software: a real Alertmanager, routed by the shipped config with
/// bearer auth, posts to the built `qrun serve`, which runs the shipped qpu-billing-abuse runbook
/// (the one that answers QPUTokenAbuse; credential-leak, also in the workspace, does not) against
/// the IBM Cloud fake. Many alerts and Alertmanager's repeats for one token make one run and one
/// disable at IBM; another token gets its own; an unauthenticated post starts nothing.
@Suite(.serialized, .enabled(if: Prerequisite.required(AlertmanagerServer.isAvailable), "prometheus-alertmanager (Debian) for the alert chain"))
struct AlertmanagerServeTests {
    @Test func alertmanagerAlertsBecomeOneContainmentPerToken() async throws {
        let fakes = try await ProviderFakes([.ibm])
        defer { fakes.stop() }
        let ws = try RunbookLibrary.workspace("am-serve", ["qpu-billing-abuse", "credential-leak"], fakes: fakes)
        defer { ws.cleanup() }
        let hook = try WebhookCapture()
        defer { hook.stop() }
        let env = fakes.environment.merging(ServeProcess.credentials) { a, _ in a }.merging(["QRUN_INCIDENT_WEBHOOK": hook.baseURL + "/incident"]) { $1 }
        let serve = try ServeProcess(home: ws.home, env: env)
        var config = try DetectionExampleTests.alertmanagerConfig(receiver: "http://127.0.0.1:\(serve.port)" + DetectionExampleTests.receiverPath)
        config = config.replacingOccurrences(of: "repeat_interval: 1h", with: "repeat_interval: 2s")
        let alertmanager = try await AlertmanagerServer(config: config, files: ["qrun-alert-token": ServeProcess.alertToken + "\n"])
        defer { alertmanager.stop() }

        // An unauthenticated post starts nothing.
        let anonymous = try LoopbackHTTP.post(port: serve.port, "/v1/alerts/alertmanager", json: ServeSupportCLI.webhook(ProviderFakes.ibmLeakedKeyID))
        #expect(anonymous.status == 401)

        let startsAt = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-120))
        func alert(_ token: String, instance: String, name: String = "QPUTokenAbuse") -> [String: Any] {
            ["labels": ["alertname": name, "token_id": token, "provider": "ibm-quantum", "severity": "critical", "instance": instance],
             "annotations": ["summary": "QPU token \(token) far above its baseline"], "startsAt": startsAt]
        }
        // Three alerts for one token (three exporters saw it), one for another, one unrelated.
        try await alertmanager.post(alerts: [alert(ProviderFakes.ibmLeakedKeyID, instance: "a"), alert(ProviderFakes.ibmLeakedKeyID, instance: "b"),
                                             alert(ProviderFakes.ibmLeakedKeyID, instance: "c"), alert("ApiKey-leaked-2", instance: "a"),
                                             alert("ApiKey-leaked-2", instance: "z", name: "SomethingElse")])
        var runs: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            runs = try ServeSupportCLI.runs(serve)
            if runs.count >= 2, runs.allSatisfy({ ["succeeded", "failed"].contains($0["status"] as? String) }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(runs.count == 2, "one run per token: \(runs)")
        // Alertmanager repeats the firing groups (repeat_interval 2s): they attach to the run of
        // their token (concurrency.absorb keeps a succeeded run open to them for an hour).
        try await Task.sleep(for: .seconds(5))
        let metrics = try LoopbackHTTP.request(port: serve.port, method: "GET", path: "/metrics").body
        let received = metrics.split(separator: "\n").first { $0.hasPrefix("qrun_alerts_received_total{endpoint=\"alertmanager\"}") }
        #expect((received?.split(separator: " ").last.flatMap { Int($0) } ?? 0) > 4, "repeats arrived: \(received ?? "none")")
        #expect(try ServeSupportCLI.runs(serve).count == 2, "repeats made no new run")
        for r in runs {
            let id = try #require(r["run_id"] as? String)
            let done = try serve.waitForRun(id)
            #expect(done["status"] as? String == "succeeded", "\(done)")
            #expect(done["runbook"] as? String == "qpu-billing-abuse", "\(done)")
            let trigger = done["trigger"] as? [String: Any] ?? [:]
            #expect(trigger["source"] as? String == "alert", "\(trigger)")
        }
        let notes = try hook.requests().map { try $0.json() }
        #expect(Set(notes.compactMap { $0["token_id"] as? String }) == [ProviderFakes.ibmLeakedKeyID, "ApiKey-leaked-2"], "\(notes)")
        let state = try await fakes.ibmState()
        let keys = state["keys"] as? [String: [String: Any]] ?? [:]
        #expect(keys[ProviderFakes.ibmLeakedKeyID]?["disabled"] as? Bool == true)
        #expect(keys["ApiKey-leaked-2"]?["disabled"] as? Bool == true)
        let writes = state["writes"] as? [String] ?? []
        for key in [ProviderFakes.ibmLeakedKeyID, "ApiKey-leaked-2"] {
            #expect(writes.filter { $0.contains(key) }.count == 1, "one disable per token at IBM: \(writes)")
        }
        let out = serve.stop()
        #expect(out.status == 0, "\(out.stderr.suffix(1500))")
        #expect(!out.stderr.contains(ServeProcess.alertToken))
        #expect(try QRun.run(["audit", "verify"], home: ws.home, env: env).status == 0)
    }
}

/// Helpers of the daemon tests that this target needs too.
enum ServeSupportCLI {
    static func webhook(_ token: String) -> String {
        #"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"QPUTokenAbuse","token_id":"\#(token)"},"annotations":{},"startsAt":"2026-12-06T10:00:00Z","fingerprint":"x"}]}"#
    }

    static func runs(_ serve: ServeProcess) throws -> [[String: Any]] {
        try serve.api("/v1/runs?limit=1000").json()["runs"] as? [[String: Any]] ?? []
    }
}
