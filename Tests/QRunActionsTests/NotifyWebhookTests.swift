import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `notify.webhook` against a receiver that verifies the signature, the timestamp and the
/// idempotency key the way a careful integrator would.
@Suite(.serialized)
struct NotifyWebhookTests {
    func setUp() throws -> (NotifyFixture, NotifyWebhookAction) {
        let f = try NotifyFixture("webhook_receiver.py", ["--secret", NotifyFixture.webhookSecret])
        return (f, NotifyWebhookAction(transport: f.transport, settings: ProviderSettings(environment: [:])))
    }

    let params: [String: Value] = [
        "url": "secret:env:WEBHOOK_URL",
        "secret": "secret:env:WEBHOOK_SECRET",
        "payload": ["event": "agent.contained", "run": "run-1", "sandboxes": 2],
    ]

    @Test func planSendsNothing() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        let r = try await action.plan(f.call(params, verb: .plan))
        #expect(r.outputs == ["bytes": 55, "idempotency_key": "run-1/notify"])
        #expect(r.summary == "would POST a signed 55-byte JSON notification to the configured webhook")
        #expect(try await f.requests().isEmpty)
        NotifyFixture.expectClean(r)
    }

    @Test func applyDeliversASignedBodyOnceUnderTheKey() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        let r = try await action.apply(f.call(params))
        #expect(r.outputs == ["delivered": true, "status": 200, "idempotency_key": "run-1/notify", "signature_scheme": "v1"])
        #expect(r.summary == "delivered the signed notification to the configured webhook (HTTP 200)")
        let again = try await action.apply(f.call(params))
        #expect(again.outputs["delivered"] == true)
        let effects = try await f.effects()
        #expect(effects.count == 1, "the receiver deduplicated the repeat by Idempotency-Key")
        #expect(effects.first?["payload"] == ["event": "agent.contained", "run": "run-1", "sandboxes": 2])
        #expect(effects.first?["idempotency_key"] == "run-1/notify")
        #expect(effects.first?["run_id"] == "run-1")
        #expect(effects.first?["step_id"] == "notify")
        let requests = try await f.requests()
        #expect(requests.count == 2)
        #expect(requests.first?["body"] == #"{"event":"agent.contained","run":"run-1","sandboxes":2}"#)
        #expect(requests.first?["body"] == requests.last?["body"], "the body is identical on every attempt")
        #expect(try await f.state()["rejections"] == [])
        NotifyFixture.expectClean(r)
    }

    @Test func aDeliveryWhoseAnswerWasLostIsNotRepeatedOnResume() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        try await f.fault(502, afterEffect: true)
        let e = await VaultFixture.failure { try await action.apply(f.call(params)) }
        #expect(e?.retryable == true)
        #expect(e?.message == "the configured webhook refused the notification: HTTP 502")
        let resumed = try await action.apply(f.call(params))
        #expect(resumed.outputs["delivered"] == true)
        #expect(try await f.effects().count == 1)
    }

    @Test func aWrongSecretIsRefusedByTheReceiverAndNotRetried() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        let e = await VaultFixture.failure { try await action.apply(f.call(params, env: ["WEBHOOK_SECRET": "not-the-shared-secret"])) }
        #expect(e?.retryable == false)
        #expect(e?.message == #"the configured webhook refused the notification: HTTP 401: {"error": "bad signature"}"#)
        #expect(try await f.effects().isEmpty)
        #expect(try await f.state()["rejections"] == ["bad signature"])
    }

    @Test func overloadIsRetryableAndRefusalIsNot() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        try await f.fault(503)
        let unavailable = await VaultFixture.failure { try await action.apply(f.call(params)) }
        #expect(unavailable?.retryable == true)
        try await f.fault(429, retryAfter: 7)
        let limited = await VaultFixture.failure { try await action.apply(f.call(params)) }
        #expect(limited?.retryable == true)
        #expect(limited?.retryAfter == .seconds(7))
        try await f.fault(403, body: "forbidden: \(NotifyFixture.webhookSecret)")
        let forbidden = await VaultFixture.failure { try await action.apply(f.call(params)) }
        #expect(forbidden?.retryable == false)
        #expect(forbidden?.message == "the configured webhook refused the notification: HTTP 403: forbidden: [redacted]")
        for e in [unavailable, limited, forbidden] { NotifyFixture.expectClean(e) }
        #expect(try await f.effects().isEmpty)
    }

    @Test func aPlainURLIsNamedAndSecretsAreRequiredAsReferences() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        var p = params
        p["url"] = .string(f.server.baseURL + "/hooks/incident")
        let r = try await action.apply(f.call(p))
        #expect(r.summary == "delivered the signed notification to \(f.server.baseURL) (HTTP 200)")
        p["secret"] = .string(NotifyFixture.webhookSecret)
        let literal = await VaultFixture.failure { try await action.plan(f.call(p, verb: .plan)) }
        #expect(literal?.message == "parameter 'secret' must be a secret reference to the webhook signing secret (secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD), never the value itself")
        NotifyFixture.expectClean(literal)
        p["secret"] = nil
        let missing = await VaultFixture.failure { try await action.plan(f.call(p, verb: .plan)) }
        #expect(missing?.message == "parameter 'secret' is required: give a secret reference to the webhook signing secret, e.g. secret:env:QRUN_WEBHOOK_SECRET")
        let unset = await VaultFixture.failure { try await action.plan(NotifyFixture.call(params, verb: .plan, env: [:])) }
        #expect(unset?.message.contains("WEBHOOK_SECRET is not set") == true)
    }

    @Test func signatureSchemeMatchesAnIndependentHMAC() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"s3cret",b"1700000000."+b"{\"a\":1}",hashlib.sha256).hexdigest())'
        let body = Data(#"{"a":1}"#.utf8)
        let sig = WebhookSignature.sign(body: body, timestamp: 1_700_000_000, secret: "s3cret")
        #expect(sig == "v1=" + Self.expectedVector)
        let at = Date(timeIntervalSince1970: 1_700_000_100)
        #expect(WebhookSignature.isValid(signature: sig, body: body, timestamp: 1_700_000_000, secret: "s3cret", now: at))
        #expect(!WebhookSignature.isValid(signature: sig, body: body, timestamp: 1_700_000_000, secret: "other", now: at))
        #expect(!WebhookSignature.isValid(signature: sig, body: Data(#"{"a":2}"#.utf8), timestamp: 1_700_000_000, secret: "s3cret", now: at))
        #expect(!WebhookSignature.isValid(signature: sig, body: body, timestamp: 1_700_000_000, secret: "s3cret",
                                          now: Date(timeIntervalSince1970: 1_700_000_301)), "stale beyond five minutes")
    }

    static let expectedVector = "1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"
}
