import Foundation
import QRunCore

/// `notify.slack`: posts a message through a Slack incoming webhook
/// (`POST https://hooks.slack.com/services/…` with `{"text": …, "blocks": […]}`).
///
/// The webhook URL is the credential — anyone holding it can post — so `webhook` must be a
/// secret reference, and neither the URL nor its path appears in outputs or errors.
///
/// `username`, `icon_emoji` and `channel` are not offered: Slack documents them as runtime
/// customisations of *legacy* custom-integration webhooks only; app-based incoming webhooks
/// post as the app to the channel chosen at install time ("the only thing you can no longer do
/// is customize the destination channel and author identity at runtime").
///
/// ## Idempotency — at least once, honestly
/// Slack incoming webhooks have no idempotency key and no way to read the channel, so a
/// message cannot be detected before it is written. The engine records the step's result as
/// soon as Slack answers, so a committed post is never repeated; but if Slack posted the
/// message and the answer was lost (timeout, crash before the commit), the retry or resume
/// posts it again. Outputs say so (`delivery: at-least-once`). Use `notify.webhook` or
/// `notify.pagerduty` where a duplicate matters.
///
/// ## Errors (Slack "Handling errors" for incoming webhooks)
/// 200 `ok` is success. Not retryable: 400 `invalid_payload`, `user_not_found`, `no_text`,
/// `too_many_attachments`; 403 `action_prohibited`, `invalid_token`,
/// `posting_to_general_channel_denied`; 404 `channel_not_found`, `no_service` (webhook revoked
/// or unknown); 410 `channel_is_archived`. Retryable: 429 (with `Retry-After`) and 5xx
/// (`rollup_error`), and network errors.
public struct SlackWebhookAction: Action {
    let transport: HTTPTransport
    let settings: ProviderSettings

    /// Creates the action.
    public init(transport: HTTPTransport, settings: ProviderSettings) {
        self.transport = transport
        self.settings = settings
    }

    /// Name, parameters and verbs.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "notify.slack", summary: "Posts a message to Slack through an incoming webhook.",
                         parameters: [
                             ParameterSpec("webhook", .string, required: true, secret: .required,
                                           description: "Secret reference to the incoming-webhook URL (the URL is the credential)."),
                             ParameterSpec("text", .string, secret: .forbidden,
                                           description: "Message text (mrkdwn); required unless blocks are given, then the notification fallback."),
                             ParameterSpec("blocks", .list, secret: .forbidden, description: "Block Kit blocks."),
                             ParameterSpec("timeout", .duration, secret: .forbidden, description: "Request timeout (default: the step's, else 30s)."),
                         ])
    }

    /// What the outputs say about duplicates.
    static let delivery = "at-least-once: Slack incoming webhooks have no idempotency key, so a retry after a lost answer may post the message twice"

    func prepare(_ call: ActionCall) async throws(ActionError) -> (url: URL, body: Data, webhook: String, timeout: Duration) {
        var message: [String: Value] = [:]
        if let text = try call.string("text"), !text.isEmpty { message["text"] = .string(text) }
        if let blocks = call.params["blocks"], !blocks.isNull {
            guard case .array(let items) = blocks, !items.isEmpty, items.allSatisfy({ $0.objectValue != nil }) else {
                throw .invalid("parameter 'blocks' must be a non-empty list of Block Kit blocks (maps)")
            }
            guard items.count <= 50 else { throw .invalid("parameter 'blocks' has \(items.count) blocks; Slack accepts at most 50 per message") }
            message["blocks"] = blocks
        }
        guard message["text"] != nil || message["blocks"] != nil else {
            throw .invalid("notify.slack needs 'text' or 'blocks'")
        }
        let webhook = try await NotifyParameters.secret(call, "webhook", what: "Slack incoming-webhook URL",
                                                        example: "secret:env:SLACK_WEBHOOK_URL")
        let url = try NotifyParameters.url(webhook, parameter: "webhook", isSecret: true)
        return (url, Data(Value.object(message).jsonText.utf8), webhook, try NotifyParameters.timeout(call))
    }

    /// Validates the message and resolves the webhook; posts nothing (webhooks have no dry run).
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let p = try await prepare(call)
        return ActionResult(outputs: ["bytes": .int(p.body.count), "delivery": .string(Self.delivery)],
                            summary: "would post a \(p.body.count)-byte message to the configured Slack webhook")
    }

    /// Posts the message (at least once; see the type's documentation).
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let p = try await prepare(call)
        let request = HTTPRequest(method: "POST", url: p.url, headers: [("Content-Type", "application/json")], body: p.body, timeout: p.timeout, bodyLimit: .notification)
        let response = try await NotifyParameters.send(transport, request, secrets: [p.webhook, p.url.path])
        guard response.status == 200 else { throw failure(response, secrets: [p.webhook, p.url.path]) }
        if call.attempt > 1 { call.log("notify.slack: attempt \(call.attempt); if an earlier attempt's answer was lost, Slack may show the message twice") }
        return ActionResult(outputs: ["posted": true, "delivery": .string(Self.delivery), "attempt": .int(call.attempt)],
                            summary: "posted the message to the configured Slack webhook")
    }

    func failure(_ response: HTTPResponse, secrets: [String]) -> ActionError {
        let code = NotifyParameters.detail(response, secrets: secrets, limit: 80)
        let shown = code.isEmpty ? "" : " (\(code))"
        switch response.status {
        case 400:
            return .invalid("Slack refused the message as malformed: HTTP 400\(shown); fix 'text' or 'blocks'")
        case 403:
            return .invalid("Slack forbids this webhook from posting: HTTP 403\(shown); a workspace restriction or a revoked token — ask a Slack admin")
        case 404:
            return .invalid("Slack does not know this webhook or its channel: HTTP 404\(shown); the webhook was probably removed — create a new one and update the secret")
        case 410:
            return .invalid("the webhook's Slack channel is archived: HTTP 410\(shown); unarchive it or point the secret at another channel's webhook")
        case 429:
            return ActionError(message: "Slack is rate-limiting the webhook (HTTP 429); retry later", retryable: true, retryAfter: response.retryAfter)
        default:
            return ActionError(message: "Slack answered HTTP \(response.status)\(shown)",
                               retryable: HTTPResponse.isRetryable(status: response.status), retryAfter: response.retryAfter)
        }
    }
}
