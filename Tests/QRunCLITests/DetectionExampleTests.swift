import Foundation
import QRunTestSupport
import Testing

/// The detection example (`examples/detection/`) as a user runs it: the shipped rule passes its
/// promtool unit tests, the configurations pass the real check tools, and the real Prometheus,
/// evaluating the rule against the real exporter, makes the real Alertmanager post a v4 webhook
/// with bearer auth for the bursting token only.
@Suite(.serialized, .enabled(if: Prerequisite.required(PrometheusServer.isAvailable && AlertmanagerServer.isAvailable),
                             "needs Debian prometheus and prometheus-alertmanager (scripts/setup installs them)"))
struct DetectionExampleTests {
    static let directory = Fixtures.path("../../examples/detection")
    static let receiverPath = "/v1/alerts/alertmanager"

    static func shipped(_ name: String) throws -> String {
        try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
    }

    @Test func shippedRulePassesItsUnitTests() throws {
        let out = try PrometheusTools.run("promtool", ["test", "rules", "rules_test.yml"], cwd: Self.directory)
        #expect(out.status == 0, "promtool test rules: \(out.stdout) \(out.stderr)")
        #expect(out.stdout.contains("SUCCESS"))
    }

    @Test func bothRuleFilesAndThePrometheusConfigAreValid() throws {
        let rules = try PrometheusTools.run("promtool", ["check", "rules", "rules.yml", "rules-fast.yml"], cwd: Self.directory)
        #expect(rules.status == 0, "promtool check rules: \(rules.stdout) \(rules.stderr)")
        #expect(rules.stdout.components(separatedBy: "SUCCESS: 3 rules found").count == 3, "\(rules.stdout)")
        let config = try PrometheusTools.run("promtool", ["check", "config", "prometheus.yml"], cwd: Self.directory)
        #expect(config.status == 0, "promtool check config: \(config.stdout) \(config.stderr)")
    }

    /// amtool accepts the shipped configuration (with its credentials file beside it) and routes
    /// QPUTokenAbuse, and only it, to the qrun receiver.
    @Test func alertmanagerConfigIsValidAndRoutesTheAlertToQrun() throws {
        let ws = try TestWorkspace("am-config")
        defer { ws.cleanup() }
        let config = try ws.write(file: "alertmanager.yml", try Self.shipped("alertmanager.yml"))
        try ws.write(file: "qrun-alert-token", "example-token")
        let check = try PrometheusTools.run("amtool", ["check-config", config], cwd: ws.home)
        #expect(check.status == 0, "amtool check-config: \(check.stdout) \(check.stderr)")
        func route(_ labels: [String]) throws -> String {
            let out = try PrometheusTools.run("amtool", ["config", "routes", "test", "--config.file=\(config)"] + labels, cwd: ws.home)
            return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try route(["alertname=QPUTokenAbuse", "token_id=ApiKey-alpha", "provider=ibm-quantum"]) == "qrun")
        #expect(try route(["alertname=DiskFull", "token_id=ApiKey-alpha"]) == "null")
    }

    /// The exporter serves a valid text-format counter per token, adds an injected count exactly,
    /// and answers a bad request with a one-sentence error instead of changing anything.
    @Test func exporterServesTheCounterAndTakesBursts() async throws {
        let exporter = try PythonServer("../../examples/detection/exporter.py",
                                        ["--port", "0", "--token", "ApiKey-calm:ibm-quantum:0", "--token", "AKIAEXAMPLEQUIET0001:braket:0"])
        defer { exporter.stop() }
        func metrics() throws -> String { String(decoding: try Data(contentsOf: URL(string: exporter.baseURL + "/metrics")!), as: UTF8.self) }
        let before = try metrics()
        #expect(before.contains("# TYPE qrun_example_qpu_job_submissions_total counter"))
        #expect(before.contains(#"qrun_example_qpu_job_submissions_total{token_id="ApiKey-calm",provider="ibm-quantum"} 0"#))
        let lint = try PrometheusTools.run("promtool", ["check", "metrics"], stdin: before)
        #expect(lint.status == 0, "promtool check metrics: \(lint.stdout) \(lint.stderr)")

        let (status, body) = try await FakeHTTP.send("POST", exporter.baseURL + "/burst?token_id=ApiKey-calm&count=500")
        #expect(status == 200)
        #expect((body as? [String: Any])?["submitted"] as? Int == 500)
        let after = try metrics()
        #expect(after.contains(#"qrun_example_qpu_job_submissions_total{token_id="ApiKey-calm",provider="ibm-quantum"} 500"#))
        #expect(after.contains(#"qrun_example_qpu_job_submissions_total{token_id="AKIAEXAMPLEQUIET0001",provider="braket"} 0"#))

        for (query, expected) in [("token_id=ApiKey-nobody&count=1", 404), ("token_id=ApiKey-calm&count=-3", 400),
                                  ("token_id=ApiKey-calm&per_minute=lots", 400), ("token_id=ApiKey-calm", 400)] {
            let (status, body) = try await FakeHTTP.send("POST", exporter.baseURL + "/burst?" + query)
            #expect(status == expected, "\(query)")
            let message = (body as? [String: Any])?["error"] as? String ?? ""
            #expect(message.hasSuffix(".") && message.components(separatedBy: ". ").count == 1, "one sentence: \(message)")
        }
        #expect(try metrics() == after)
    }

    /// Prometheus scrapes the exporter (two steady tokens), evaluates the fast variant of the
    /// rule, and after a burst of one token Alertmanager (the shipped routing and auth) posts a
    /// v4 webhook for that token only, with the bearer token read from its credentials file.
    @Test func realPrometheusFiresForTheBurstingTokenOnly() async throws {
        // The token file ends with a newline, as `openssl rand -hex 32 >` (the README) writes it.
        let token = "alert-token-" + UUID().uuidString
        let capture = try WebhookCapture()
        defer { capture.stop() }
        let exporter = try PythonServer("../../examples/detection/exporter.py",
                                        ["--port", "0", "--token", "ApiKey-alpha:ibm-quantum:240", "--token", "AKIAEXAMPLEBETA00001:braket:240"])
        defer { exporter.stop() }
        let alertmanager = try await AlertmanagerServer(config: try Self.alertmanagerConfig(receiver: capture.baseURL + Self.receiverPath),
                                                        files: ["qrun-alert-token": token + "\n"])
        defer { alertmanager.stop() }
        let prometheus = try await PrometheusServer(config: """
            global: { scrape_interval: 1s, evaluation_interval: 1s }
            rule_files: [rules-fast.yml]
            scrape_configs:
              - job_name: qpu-jobs
                static_configs: [{ targets: ["127.0.0.1:\(exporter.port)"] }]
            alerting:
              alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:\(alertmanager.port)"] }] }]
            """, files: ["rules-fast.yml": try Self.shipped("rules-fast.yml")])
        defer { prometheus.stop() }

        // Given both tokens (4 jobs a second each) scraped long enough for a baseline above the
        // floor of 5, so the rule compares with the baseline itself; nothing firing.
        try await Self.waitUntil("both tokens have a baseline above the floor", timeout: 90) {
            let baseline = try await prometheus.query("token_id_provider:qrun_example_qpu_job_submissions:baseline30m")
            return baseline.count == 2 && baseline.allSatisfy { (($0["value"] as? [Any])?.last as? String).flatMap(Double.init) ?? 0 > 5 }
        }
        #expect(try await prometheus.alerts().isEmpty)
        #expect(try capture.requests().isEmpty)

        // When token A submits 100 more jobs a second (26 times its rate).
        let (status, _) = try await FakeHTTP.send("POST", exporter.baseURL + "/burst?token_id=ApiKey-alpha&per_minute=6000")
        #expect(status == 200)

        // Then a firing webhook arrives, for A only, with the bearer token.
        let requests = try await capture.wait { got in try got.contains { try $0.json()["status"] as? String == "firing" } }
        for request in requests {
            #expect(request.method == "POST")
            #expect(request.path == Self.receiverPath)
            #expect(request.header("Authorization") == ["Bearer \(token)"])
            #expect(request.header("Content-Type") == ["application/json"])
            Self.expectWebhookV4(try request.json(), status: "firing", tokenID: "ApiKey-alpha", provider: "ibm-quantum")
        }
        let annotations = try #require(((try requests[0].json()["alerts"] as? [[String: Any]])?.first?["annotations"]) as? [String: String])
        #expect(Double(annotations["baseline_30m"] ?? "") ?? 0 > 5, "fired against the baseline, not the floor: \(annotations)")
        let held = try await prometheus.alerts()
        #expect(!held.isEmpty)
        #expect(held.allSatisfy { ($0["labels"] as? [String: String])?["token_id"] == "ApiKey-alpha" }, "\(held)")
        try Self.record(requests[0].body, as: "webhook-v4-firing.json")
    }

    /// Alertmanager alone, with the shipped routing: one post per token (a group per token), an
    /// unrelated alert never reaches qrun, and re-posting an alert with `endsAt` sends it resolved.
    @Test func alertmanagerGroupsPerTokenAndSendsResolved() async throws {
        let token = "alert-token-" + UUID().uuidString
        let capture = try WebhookCapture()
        defer { capture.stop() }
        let alertmanager = try await AlertmanagerServer(config: try Self.alertmanagerConfig(receiver: capture.baseURL + Self.receiverPath),
                                                        files: ["qrun-alert-token": token + "\n"])
        defer { alertmanager.stop() }
        let started = Date().addingTimeInterval(-60)
        func alert(_ name: String, _ tokenID: String, endsAt: Date? = nil) -> [String: Any] {
            var a: [String: Any] = ["labels": ["alertname": name, "token_id": tokenID, "provider": "ibm-quantum", "severity": "critical"],
                                    "annotations": ["summary": "QPU token \(tokenID) submitted 360 jobs in 30 minutes"],
                                    "startsAt": Self.rfc3339(started), "generatorURL": "http://127.0.0.1:9090/graph"]
            if let endsAt { a["endsAt"] = Self.rfc3339(endsAt) }
            return a
        }
        try await alertmanager.post(alerts: [alert("QPUTokenAbuse", "ApiKey-one"), alert("QPUTokenAbuse", "ApiKey-two"),
                                             alert("SomethingElse", "ApiKey-three")])
        let firing = try await capture.wait { $0.count >= 2 }
        var seen: [String] = []
        for request in firing {
            #expect(request.header("Authorization") == ["Bearer \(token)"])
            let body = try request.json()
            let alerts = body["alerts"] as? [[String: Any]] ?? []
            #expect(alerts.count == 1, "one token is one group: \(body)")
            let tokenID = (alerts.first?["labels"] as? [String: String])?["token_id"] ?? ""
            seen.append(tokenID)
            Self.expectWebhookV4(body, status: "firing", tokenID: tokenID, provider: "ibm-quantum")
        }
        #expect(seen.sorted() == ["ApiKey-one", "ApiKey-two"])

        try await alertmanager.post(alerts: [alert("QPUTokenAbuse", "ApiKey-one", endsAt: Date().addingTimeInterval(-1))])
        let all = try await capture.wait { got in try got.contains { try $0.json()["status"] as? String == "resolved" } }
        let resolved = try #require(try all.first { try $0.json()["status"] as? String == "resolved" })
        #expect(resolved.header("Authorization") == ["Bearer \(token)"])
        Self.expectWebhookV4(try resolved.json(), status: "resolved", tokenID: "ApiKey-one", provider: "ibm-quantum")
        #expect(try all.allSatisfy { try Self.tokenIDs($0.json()).allSatisfy { $0 != "ApiKey-three" } })
        try Self.record(resolved.body, as: "webhook-v4-resolved.json")
    }

    /// The saved webhook bodies (fixtures for the intake's parser tests) are what Alertmanager sends.
    @Test func savedWebhookBodiesHaveTheV4Shape() throws {
        for (file, status) in [("webhook-v4-firing.json", "firing"), ("webhook-v4-resolved.json", "resolved")] {
            let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("alertmanager/" + file)))
            let body = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let tokenID = try #require(Self.tokenIDs(body).first)
            Self.expectWebhookV4(body, status: status, tokenID: tokenID, provider: "ibm-quantum")
        }
    }
}
