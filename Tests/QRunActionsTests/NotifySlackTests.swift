import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `notify.slack` against a fake incoming webhook answering Slack's documented bodies and statuses.
@Suite(.serialized)
struct NotifySlackTests {
    func setUp() throws -> (NotifyFixture, SlackWebhookAction) {
        let f = try NotifyFixture("slack_receiver.py", ["--hook", NotifyFixture.slackPath])
        return (f, SlackWebhookAction(transport: f.transport, settings: ProviderSettings(environment: [:])))
    }

    let params: [String: Value] = [
        "webhook": "secret:env:SLACK_WEBHOOK_URL",
        "text": "Agent contained: run-1",
        "blocks": [["type": "section", "text": ["type": "mrkdwn", "text": "*Agent contained* (run-1)"]]],
    ]

    @Test func planPostsNothing() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        let r = try await action.plan(f.call(params, verb: .plan))
        #expect(r.summary.hasPrefix("would post a ") && r.summary.hasSuffix("-byte message to the configured Slack webhook"))
        #expect(r.outputs["delivery"] == .string(SlackWebhookAction.delivery))
        #expect(try await f.requests().isEmpty)
        NotifyFixture.expectClean(r)
    }

    @Test func applyPostsTextAndBlocksWithoutLegacyFields() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        let r = try await action.apply(f.call(params))
        #expect(r.outputs == ["posted": true, "delivery": .string(SlackWebhookAction.delivery), "attempt": 1])
        #expect(r.summary == "posted the message to the configured Slack webhook")
        let e = try await f.effects()
        #expect(e.count == 1)
        #expect(e.first?["text"] == "Agent contained: run-1")
        #expect(e.first?["blocks"] == params["blocks"])
        #expect(e.first?["legacy_fields"] == [])
        #expect(try await f.requests().first?["headers"]?["Content-Type"] == "application/json")
        NotifyFixture.expectClean(r)
    }

    /// Slack offers no idempotency key: a resume after a lost answer posts again. The action
    /// says so rather than pretending otherwise.
    @Test func aLostAnswerMeansASecondPostAndTheOutputsSaySo() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        try await f.fault(504, afterEffect: true)
        let e = await VaultFixture.failure { try await action.apply(f.call(params)) }
        #expect(e?.retryable == true)
        let log = LogSink()
        let resumed = try await action.apply(NotifyFixture.call(params, attempt: 2, env: f.environment(), log: log))
        #expect(resumed.outputs["attempt"] == 2)
        #expect(try await f.effects().count == 2)
        #expect(log.all == ["notify.slack: attempt 2; if an earlier attempt's answer was lost, Slack may show the message twice"])
    }

    @Test func slackErrorsAreClassified() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        let unknown = await VaultFixture.failure {
            try await action.apply(f.call(params, env: ["SLACK_WEBHOOK_URL": f.server.baseURL + "/services/T0CANARY1/B0CANARY2/revokedCANARYtoken"]))
        }
        #expect(unknown?.retryable == false)
        #expect(unknown?.message == "Slack does not know this webhook or its channel: HTTP 404 (no_service); the webhook was probably removed — create a new one and update the secret")
        #expect(unknown?.message.contains("revokedCANARYtoken") == false)
        try await f.control("config", ["archived": true])
        let archived = await VaultFixture.failure { try await action.apply(f.call(params)) }
        #expect(archived?.retryable == false)
        #expect(archived?.message == "the webhook's Slack channel is archived: HTTP 410 (channel_is_archived); unarchive it or point the secret at another channel's webhook")
        try await f.control("config", ["archived": false, "prohibited": true])
        let prohibited = await VaultFixture.failure { try await action.apply(f.call(params)) }
        #expect(prohibited?.retryable == false)
        #expect(prohibited?.message.hasPrefix("Slack forbids this webhook from posting: HTTP 403 (action_prohibited)") == true)
        try await f.control("config", ["prohibited": false])
        try await f.fault(429, retryAfter: 3, body: "rate_limited")
        let limited = await VaultFixture.failure { try await action.apply(f.call(params)) }
        #expect(limited?.retryable == true)
        #expect(limited?.retryAfter == .seconds(3))
        try await f.fault(500, body: "rollup_error")
        let rollup = await VaultFixture.failure { try await action.apply(f.call(params)) }
        #expect(rollup?.retryable == true)
        #expect(rollup?.message == "Slack answered HTTP 500 (rollup_error)")
        var bad = params
        bad["blocks"] = [["text": "no type"]]
        let invalid = await VaultFixture.failure { try await action.apply(f.call(bad)) }
        #expect(invalid?.retryable == false)
        #expect(invalid?.message == "Slack refused the message as malformed: HTTP 400 (invalid_blocks); fix 'text' or 'blocks'")
        for e in [unknown, archived, prohibited, limited, rollup, invalid] { NotifyFixture.expectClean(e) }
        #expect(try await f.effects().isEmpty)
    }

    @Test func parametersAreCheckedBeforeAnythingIsPosted() async throws {
        let (f, action) = try setUp()
        defer { f.stop() }
        let empty = await VaultFixture.failure { try await action.apply(f.call(["webhook": "secret:env:SLACK_WEBHOOK_URL"])) }
        #expect(empty?.message == "notify.slack needs 'text' or 'blocks'")
        let literal = await VaultFixture.failure {
            try await action.plan(f.call(["webhook": .string(f.server.baseURL + NotifyFixture.slackPath), "text": "x"], verb: .plan))
        }
        #expect(literal?.message == "parameter 'webhook' must be a secret reference to the Slack incoming-webhook URL (secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD), never the value itself")
        NotifyFixture.expectClean(literal)
        #expect(action.descriptor.parameter("username") == nil && action.descriptor.parameter("icon_emoji") == nil,
                "legacy-only fields are not offered for app webhooks")
        #expect(try await f.requests().isEmpty)
    }
}
