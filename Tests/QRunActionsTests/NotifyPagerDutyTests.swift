import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `notify.pagerduty` against a fake Events API v2 that checks the documented event schema and
/// applies PagerDuty's dedup_key semantics.
@Suite(.serialized)
struct NotifyPagerDutyTests {
    func setUp() throws -> (NotifyFixture, PagerDutyEventAction) {
        let f = try NotifyFixture("pagerduty_receiver.py", ["--routing-key", NotifyFixture.routingKey])
        let settings = ProviderSettings(config: ["pagerduty": ["events_endpoint": f.server.baseURL + "/v2/enqueue"]], environment: [:])
        return (f, PagerDutyEventAction(transport: f.transport, settings: settings))
    }

    let trigger: [String: Value] = [
        "routing_key": "secret:env:PD_ROUTING_KEY",
        "summary": "Agent sandbox contained after credential leak",
        "severity": "critical",
        "source": "qpu-lab-07",
        "component": "agent-sandbox",
        "custom_details": ["run": "run-1", "killed": 3],
    ]

    var resolve: [String: Value] { ["routing_key": "secret:env:PD_ROUTING_KEY", "event_action": "resolve"] }

    func alerts(_ f: NotifyFixture) async throws -> [Value] { try await f.state()["alerts"]?.arrayValue ?? [] }

    @Test func planSendsNothing() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        let r = try await action.plan(f.call(trigger, verb: .plan))
        #expect(r.outputs == ["dedup_key": "run-1", "event_action": "trigger"])
        #expect(r.summary == "would send a PagerDuty trigger event with dedup_key run-1 to \(f.server.baseURL)")
        #expect(try await f.requests().isEmpty)
        NotifyFixture.expectClean(r)
    }

    @Test func triggerSendsTheDocumentedEventWithTheRunIDAsDedupKey() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        let r = try await action.apply(f.call(trigger))
        #expect(r.outputs == ["dedup_key": "run-1", "event_action": "trigger", "status": "success"])
        #expect(r.summary == "PagerDuty accepted the trigger event for dedup_key run-1")
        let effect = try await f.effects().first
        #expect(effect?["payload"] == ["summary": "Agent sandbox contained after credential leak", "severity": "critical",
                                        "source": "qpu-lab-07", "component": "agent-sandbox",
                                        "custom_details": ["run": "run-1", "killed": 3]])
        #expect(effect?["client"] == "qrun")
        #expect(try await alerts(f).map { $0["status"] } == ["triggered"])
        NotifyFixture.expectClean(r)
    }

    @Test func repeatsAddToTheSameAlertAndResolvePairsUp() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        _ = try await action.apply(f.call(trigger))
        _ = try await action.apply(f.call(trigger))
        #expect(try await alerts(f).count == 1, "a repeated trigger for an open alert opens no second alert")
        let resolved = try await action.apply(f.call(resolve, key: "run-1/resolve"))
        #expect(resolved.outputs["dedup_key"] == "run-1")
        let again = try await action.apply(f.call(resolve, key: "run-1/resolve"))
        #expect(again.outputs["status"] == "success")
        let a = try await alerts(f)
        #expect(a.count == 1)
        #expect(a.first?["status"] == "resolved")
        #expect(a.first?["log"] == ["trigger", "trigger", "resolve"])
        #expect(try await f.state()["dropped"] == [["event_action": "resolve", "dedup_key": "run-1"]])
    }

    @Test func anEventWhoseAnswerWasLostCausesNoSecondAlertOnResume() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        try await f.fault(500, afterEffect: true)
        let e = await VaultFixture.failure { try await action.apply(f.call(trigger)) }
        #expect(e?.retryable == true)
        #expect(e?.message == "PagerDuty failed to process the event (HTTP 500); retry after some time")
        _ = try await action.apply(f.call(trigger))
        #expect(try await alerts(f).count == 1)
    }

    @Test func errorsAreClassifiedAsPagerDutyDocuments() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        let wrongKey = String(repeating: "x", count: 32)
        let invalid = await VaultFixture.failure { try await action.apply(f.call(trigger, env: ["PD_ROUTING_KEY": wrongKey])) }
        #expect(invalid?.retryable == false)
        #expect(invalid?.message == "PagerDuty refused the event as invalid (HTTP 400: Event object is invalid: Invalid routing key); fix the step's parameters")
        #expect(invalid?.message.contains(wrongKey) == false)
        try await f.fault(429)
        let limited = await VaultFixture.failure { try await action.apply(f.call(trigger)) }
        #expect(limited?.retryable == true)
        #expect(limited?.retryAfter == .seconds(120), "no Retry-After: PagerDuty's 'backoff of a few minutes'")
        try await f.fault(429, retryAfter: 30)
        let limitedWithHint = await VaultFixture.failure { try await action.apply(f.call(trigger)) }
        #expect(limitedWithHint?.retryAfter == .seconds(30))
        try await f.fault(503)
        let unavailable = await VaultFixture.failure { try await action.apply(f.call(trigger)) }
        #expect(unavailable?.retryable == true)
        for e in [invalid, limited, limitedWithHint, unavailable] { NotifyFixture.expectClean(e) }
        #expect(try await alerts(f).isEmpty)
    }

    @Test func parametersAreCheckedBeforeAnythingIsSent() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        let short = await VaultFixture.failure { try await action.plan(f.call(trigger, verb: .plan, env: ["PD_ROUTING_KEY": "tooShortKey123"])) }
        #expect(short?.message == "the PagerDuty routing key has 14 characters; Events API v2 integration keys have 32 — check the reference in 'routing_key'")
        var p = trigger
        p["summary"] = nil
        let noSummary = await VaultFixture.failure { try await action.apply(f.call(p)) }
        #expect(noSummary?.message == "parameter 'summary' is required to trigger a PagerDuty alert")
        p = trigger
        p["severity"] = "fatal"
        let badSeverity = await VaultFixture.failure { try await action.apply(f.call(p)) }
        #expect(badSeverity?.message == "parameter 'severity' must be one of critical, error, warning, info, not 'fatal'")
        p = trigger
        p["routing_key"] = nil
        let missing = await VaultFixture.failure { try await action.apply(f.call(p)) }
        #expect(missing?.message == "parameter 'routing_key' is required: give a secret reference to the PagerDuty integration (routing) key, e.g. secret:env:PAGERDUTY_ROUTING_KEY")
        #expect(try await f.requests().isEmpty)
    }
}
