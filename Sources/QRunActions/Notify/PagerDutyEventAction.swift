import Foundation
import QRunCore

/// `notify.pagerduty`: sends an alert event (trigger, acknowledge or resolve) to the PagerDuty
/// Events API v2 (`POST https://events.pagerduty.com/v2/enqueue`; settings
/// `pagerduty.events_endpoint` overrides it).
///
/// ## Pairing trigger and resolve
/// `dedup_key` defaults to the run id, so a runbook that triggers on failure and resolves when
/// the run succeeds addresses the same alert without passing keys around.
///
/// ## Idempotency
/// PagerDuty deduplicates by `dedup_key` (per routing key): a repeated `trigger` while the
/// alert is open is added to that alert's log instead of opening a second one, and a repeated
/// `acknowledge`/`resolve` is dropped. A retry or a resume after a lost 202 therefore causes
/// no second alert. The exception PagerDuty documents: once the alert is resolved, a new
/// `trigger` with the same key opens a new alert — which is why `resolve` should be the last
/// event a run sends for its key.
///
/// ## Errors (PagerDuty "Response Codes & Retry Logic")
/// 202 is success (`{"status":"success","dedup_key":…}`). 400 (invalid event) is not
/// retryable. 429 and 5xx are retryable "after some time": `Retry-After` when given, else a
/// back-off of ``rateLimitBackoff`` for 429 (PagerDuty recommends "a backoff of a few minutes").
/// Network errors are retryable. The routing key never appears in outputs or errors.
public struct PagerDutyEventAction: Action {
    /// PagerDuty's production endpoint.
    public static let defaultEndpoint = "https://events.pagerduty.com/v2/enqueue"
    /// The wait suggested after a 429 without `Retry-After`.
    public static let rateLimitBackoff: Duration = .seconds(120)

    let transport: HTTPTransport
    let settings: ProviderSettings

    /// Creates the action; `settings` may override the endpoint (`pagerduty.events_endpoint`).
    public init(transport: HTTPTransport, settings: ProviderSettings) {
        self.transport = transport
        self.settings = settings
    }

    /// Name, parameters and verbs.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "notify.pagerduty", summary: "Triggers, acknowledges or resolves a PagerDuty alert (Events API v2).",
                         parameters: [
                             ParameterSpec("routing_key", .string, required: true, secret: .required,
                                           description: "Integration key of the Events API v2 integration (a secret reference)."),
                             ParameterSpec("event_action", .string, secret: .forbidden, description: "trigger (default), acknowledge or resolve."),
                             ParameterSpec("summary", .string, secret: .forbidden, description: "Alert title (required for trigger, at most 1024 characters)."),
                             ParameterSpec("severity", .string, secret: .forbidden, description: "critical, error (default), warning or info."),
                             ParameterSpec("source", .string, secret: .forbidden, description: "Affected system (default: qrun)."),
                             ParameterSpec("component", .string, secret: .forbidden, description: "Affected component."),
                             ParameterSpec("group", .string, secret: .forbidden, description: "Logical grouping of components."),
                             ParameterSpec("class", .string, secret: .forbidden, description: "Class of the event."),
                             ParameterSpec("custom_details", .map, secret: .forbidden, description: "Free-form details."),
                             ParameterSpec("dedup_key", .string, secret: .forbidden, description: "Alert key (default: the run id, at most 255 characters)."),
                             ParameterSpec("timeout", .duration, secret: .forbidden, description: "Request timeout (default: the step's, else 30s)."),
                         ])
    }

    struct Prepared {
        var endpoint: URL
        var event: [String: Value]
        var action: String
        var dedupKey: String
        var routingKey: String
        var timeout: Duration
    }

    func prepare(_ call: ActionCall) async throws(ActionError) -> Prepared {
        let action = try NotifyParameters.choice(call, "event_action", ["trigger", "acknowledge", "resolve"], default: "trigger")
        let dedupKey = try call.string("dedup_key") ?? call.runID
        guard !dedupKey.isEmpty, dedupKey.count <= 255 else { throw .invalid("parameter 'dedup_key' must have 1 to 255 characters") }
        var event: [String: Value] = ["event_action": .string(action), "dedup_key": .string(dedupKey)]
        if action == "trigger" {
            guard let summary = try call.string("summary"), !summary.isEmpty else {
                throw .invalid("parameter 'summary' is required to trigger a PagerDuty alert")
            }
            guard summary.count <= 1024 else { throw .invalid("parameter 'summary' has \(summary.count) characters; PagerDuty accepts at most 1024") }
            var payload: [String: Value] = [
                "summary": .string(summary),
                "severity": .string(try NotifyParameters.choice(call, "severity", ["critical", "error", "warning", "info"], default: "error")),
                "source": .string(try call.string("source") ?? "qrun"),
            ]
            for name in ["component", "group", "class"] { if let v = try call.string(name) { payload[name] = .string(v) } }
            if let details = call.params["custom_details"], !details.isNull {
                guard case .object = details else { throw .invalid("parameter 'custom_details' must be a map") }
                payload["custom_details"] = details
            }
            event["payload"] = .object(payload)
            event["client"] = "qrun"
        }
        let endpointText = settings.value("pagerduty", "events_endpoint") ?? Self.defaultEndpoint
        let endpoint = try NotifyParameters.url(endpointText, parameter: "pagerduty.events_endpoint", isSecret: false)
        let routingKey = try await NotifyParameters.secret(call, "routing_key", what: "PagerDuty integration (routing) key",
                                                           example: "secret:env:PAGERDUTY_ROUTING_KEY")
        guard routingKey.count == 32 else {
            throw .invalid("the PagerDuty routing key has \(routingKey.count) characters; Events API v2 integration keys have 32 — check the reference in 'routing_key'")
        }
        return Prepared(endpoint: endpoint, event: event, action: action, dedupKey: dedupKey, routingKey: routingKey,
                        timeout: try NotifyParameters.timeout(call))
    }

    /// Validates the event and resolves the routing key; sends nothing (the Events API has no
    /// read-only call).
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let p = try await prepare(call)
        return ActionResult(outputs: ["dedup_key": .string(p.dedupKey), "event_action": .string(p.action)],
                            summary: "would send a PagerDuty \(p.action) event with dedup_key \(p.dedupKey) to \(HTTPRequest.origin(p.endpoint))")
    }

    /// Sends the event; PagerDuty's deduplication makes a repeat harmless.
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let p = try await prepare(call)
        var body = p.event
        body["routing_key"] = .string(p.routingKey)
        let request = HTTPRequest(method: "POST", url: p.endpoint,
                                  headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
                                  body: Data(Value.object(body).jsonText.utf8), timeout: p.timeout, bodyLimit: .notification)
        let response = try await NotifyParameters.send(transport, request, secrets: [p.routingKey])
        let reply = response.json
        guard response.status == 202 || (200...299).contains(response.status) else {
            throw failure(response, reply, routingKey: p.routingKey)
        }
        let key = reply["dedup_key"]?.stringValue ?? p.dedupKey
        return ActionResult(outputs: [
            "dedup_key": .string(key),
            "event_action": .string(p.action),
            "status": .string(reply["status"]?.stringValue ?? "success"),
        ], summary: "PagerDuty accepted the \(p.action) event for dedup_key \(key)")
    }

    func failure(_ response: HTTPResponse, _ reply: Value, routingKey: String) -> ActionError {
        let status = response.status
        var detail = [reply["message"]?.stringValue, (reply["errors"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "; ")]
            .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        if detail.isEmpty { detail = NotifyParameters.detail(response, secrets: [routingKey]) }
        detail = NotifyParameters.scrub(detail, [routingKey])
        switch status {
        case 400:
            return ActionError(message: "PagerDuty refused the event as invalid (HTTP 400: \(detail)); fix the step's parameters", retryable: false)
        case 429:
            return ActionError(message: "PagerDuty is rate-limiting this integration (HTTP 429); retry after a back-off",
                               retryable: true, retryAfter: response.retryAfter ?? Self.rateLimitBackoff)
        case 500...599:
            return ActionError(message: "PagerDuty failed to process the event (HTTP \(status)); retry after some time",
                               retryable: true, retryAfter: response.retryAfter)
        default:
            return ActionError(message: "PagerDuty answered HTTP \(status)\(detail.isEmpty ? "" : ": \(detail)")",
                               retryable: HTTPResponse.isRetryable(status: status), retryAfter: response.retryAfter)
        }
    }
}
