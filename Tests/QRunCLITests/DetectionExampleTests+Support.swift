import Foundation
import QRunTestSupport
import Testing

extension DetectionExampleTests {
    /// The shipped `alertmanager.yml` with only the receiver URL (qrun serve's default address
    /// becomes the capture receiver) and the group timings (10s/5m become 1s) changed; it fails
    /// when one of them is no longer there to change, so the test keeps testing the shipped file.
    static func alertmanagerConfig(receiver url: String) throws -> String {
        var text = try shipped("alertmanager.yml")
        let changes = [("url: http://127.0.0.1:8470" + receiverPath, "url: " + url),
                       ("group_wait: 10s", "group_wait: 1s"), ("group_interval: 5m", "group_interval: 1s")]
        for (from, to) in changes {
            guard text.contains(from) else { throw TestFailure("examples/detection/alertmanager.yml no longer contains \(from)") }
            text = text.replacingOccurrences(of: from, with: to)
        }
        return text
    }

    /// Polls `condition` every 200 ms for at most `timeout` seconds.
    static func waitUntil(_ what: String, timeout: TimeInterval = 60, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try await !condition() {
            guard Date() < deadline else { throw TestFailure("waited \(Int(timeout)) s in vain until \(what)") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The `token_id` labels of a webhook body's alerts.
    static func tokenIDs(_ body: [String: Any]) -> [String] {
        (body["alerts"] as? [[String: Any]] ?? []).compactMap { ($0["labels"] as? [String: String])?["token_id"] }
    }

    static func rfc3339(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    /// What qrun's Alertmanager intake relies on in a webhook body (version 4): one group of
    /// QPUTokenAbuse alerts for one token, each with its status, labels, fingerprint and times.
    static func expectWebhookV4(_ body: [String: Any], status: String, tokenID: String, provider: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(body["version"] as? String == "4", sourceLocation: sourceLocation)
        #expect(body["status"] as? String == status, sourceLocation: sourceLocation)
        #expect(body["receiver"] as? String == "qrun", sourceLocation: sourceLocation)
        #expect(body["groupLabels"] as? [String: String] == ["token_id": tokenID, "provider": provider], sourceLocation: sourceLocation)
        #expect((body["commonLabels"] as? [String: String])?["alertname"] == "QPUTokenAbuse", sourceLocation: sourceLocation)
        #expect((body["groupKey"] as? String)?.contains("token_id=\"\(tokenID)\"") == true, sourceLocation: sourceLocation)
        #expect((body["externalURL"] as? String)?.hasPrefix("http://127.0.0.1:") == true, sourceLocation: sourceLocation)
        #expect(body["truncatedAlerts"] as? Int == 0, sourceLocation: sourceLocation)
        let alerts = body["alerts"] as? [[String: Any]] ?? []
        #expect(!alerts.isEmpty, "no alerts in \(body)", sourceLocation: sourceLocation)
        for alert in alerts {
            let labels = alert["labels"] as? [String: String] ?? [:]
            #expect(labels["alertname"] == "QPUTokenAbuse", sourceLocation: sourceLocation)
            #expect(labels["token_id"] == tokenID, "\(labels)", sourceLocation: sourceLocation)
            #expect(labels["provider"] == provider, sourceLocation: sourceLocation)
            #expect(labels["severity"] == "critical", sourceLocation: sourceLocation)
            #expect(alert["status"] as? String == status, sourceLocation: sourceLocation)
            let fingerprint = alert["fingerprint"] as? String ?? ""
            #expect(fingerprint.count == 16 && fingerprint.allSatisfy(\.isHexDigit), "fingerprint \(fingerprint)", sourceLocation: sourceLocation)
            #expect((alert["annotations"] as? [String: String])?["summary"]?.contains(tokenID) == true, sourceLocation: sourceLocation)
            #expect((alert["startsAt"] as? String).flatMap(parseTime) != nil, sourceLocation: sourceLocation)
            let endsAt = alert["endsAt"] as? String ?? ""
            if status == "firing" {
                #expect(endsAt == "0001-01-01T00:00:00Z", sourceLocation: sourceLocation)
            } else {
                #expect(parseTime(endsAt) != nil, "endsAt \(endsAt)", sourceLocation: sourceLocation)
            }
            #expect(alert["generatorURL"] is String, sourceLocation: sourceLocation)
        }
    }

    /// An RFC 3339 time as Alertmanager writes it (fractional seconds or not).
    static func parseTime(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }

    /// With `QRUN_RECORD_FIXTURES=1`, saves a real body as `Tests/Fixtures/alertmanager/<name>`
    /// (as it came, byte for byte); otherwise does nothing, so ordinary runs never touch the tree.
    static func record(_ body: Data, as name: String) throws {
        guard ProcessInfo.processInfo.environment["QRUN_RECORD_FIXTURES"] == "1" else { return }
        try body.write(to: URL(fileURLWithPath: Fixtures.path("alertmanager/" + name)))
    }
}
