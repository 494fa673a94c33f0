import Foundation
import QRunCore
@testable import QRunServer
import QRunTestSupport
import Testing

/// The intake reads what a real Alertmanager sends (bodies recorded from Prometheus →
/// Alertmanager in the detection test), and the listen address parser accepts what people type.
@Suite struct AlertPayloadTests {
    func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("alertmanager/" + name))))
    }

    @Test func aRecordedFiringWebhookIsRead() throws {
        let alerts = try AlertPayload.alertmanager(try fixture("webhook-v4-firing.json"))
        #expect(!alerts.isEmpty)
        for a in alerts {
            #expect(a.status == "firing")
            #expect(a.labels["alertname"] == "QPUTokenAbuse")
            #expect(a.labels["token_id"]?.isEmpty == false)
            #expect(a.fingerprint?.isEmpty == false)
            #expect(a.startsAt?.isEmpty == false)
        }
    }

    @Test func aRecordedResolvedWebhookIsRead() throws {
        let alerts = try AlertPayload.alertmanager(try fixture("webhook-v4-resolved.json"))
        #expect(alerts.contains { $0.isResolved })
    }

    @Test func listenAddresses() {
        #expect(ServeOptions.parseListen("127.0.0.1:8470")! == ("127.0.0.1", 8470))
        #expect(ServeOptions.parseListen("[::1]:9000")! == ("::1", 9000))
        #expect(ServeOptions.parseListen("localhost:0")! == ("localhost", 0))
        for bad in ["8470", "127.0.0.1", "127.0.0.1:99999", ":80", "::1:80", "[::1]", "host:port"] {
            #expect(ServeOptions.parseListen(bad) == nil, "\(bad)")
        }
    }

    @Test func signaturesOutsideTheWindowOrWithTheWrongKeyAreRefused() throws {
        let body = Array(#"{"status":"firing","labels":{"a":"b"}}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let key = SecretValue("k-123456")
        let good = ServeProcess.signature(String(decoding: body, as: UTF8.self), timestamp: 1_800_000_000, key: "k-123456")
        let replayKey = try RequestAuth.checkSignature(timestamp: good["X-Qrun-Timestamp"], signature: good["X-Qrun-Signature"], body: body, key: key, now: now)
        #expect(replayKey.hasPrefix("hmac:"))
        #expect(throws: RequestAuth.Refusal.self) {
            try RequestAuth.checkSignature(timestamp: good["X-Qrun-Timestamp"], signature: good["X-Qrun-Signature"], body: body, key: key,
                                           now: now.addingTimeInterval(301))
        }
        #expect(throws: RequestAuth.Refusal.self) {
            try RequestAuth.checkSignature(timestamp: good["X-Qrun-Timestamp"], signature: good["X-Qrun-Signature"], body: body + [32], key: key, now: now)
        }
        #expect(throws: RequestAuth.Refusal.self) {
            try RequestAuth.checkSignature(timestamp: "1800000000.5", signature: good["X-Qrun-Signature"], body: body, key: key, now: now)
        }
        #expect(throws: RequestAuth.Refusal.self) {
            try RequestAuth.checkSignature(timestamp: good["X-Qrun-Timestamp"], signature: "sha256=zz", body: body, key: key, now: now)
        }
    }
}
