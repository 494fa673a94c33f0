import Foundation
import QRunCore

/// `notify.webhook`: POSTs a JSON document to any receiver, signed with HMAC-SHA256 so the
/// receiver can tell it came from qrun and was not replayed.
///
/// ## Request
/// The body is `payload` as canonical JSON (sorted keys, compact), identical on every attempt.
/// Headers:
/// - `X-QRun-Timestamp: <unix seconds>` — when this attempt was sent;
/// - `X-QRun-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>` (see ``WebhookSignature``);
/// - `Idempotency-Key: <step idempotency key>` — the same on every retry and resume;
/// - `X-QRun-Run-Id`, `X-QRun-Step-Id`.
///
/// ## Verifying (receiver side, Python)
/// ```python
/// import hmac, hashlib, time
/// def verify(secret: bytes, headers, raw_body: bytes, tolerance=300) -> bool:
///     ts = headers["X-QRun-Timestamp"]
///     if abs(time.time() - int(ts)) > tolerance:
///         return False                      # stale or replayed
///     mac = hmac.new(secret, ts.encode() + b"." + raw_body, hashlib.sha256).hexdigest()
///     return hmac.compare_digest("v1=" + mac, headers["X-QRun-Signature"])
/// ```
/// Verify over the raw bytes before parsing; a re-serialised body will not match.
///
/// ## Idempotency
/// A plain HTTP POST cannot be checked before it is written, so exactly-once rests on the
/// receiver: every attempt of a step carries the same `Idempotency-Key` and the same body, and
/// a receiver that remembers keys it has processed (the IETF `Idempotency-Key` header draft)
/// turns a retry or a resume after a lost answer into a no-op. A receiver that ignores the key
/// may see the notification twice in that case — the engine's commit prevents any repeat once
/// the step's result is recorded.
///
/// ## Errors
/// 2xx is success. 408, 425, 429 and 5xx are retryable (honouring `Retry-After`); other
/// statuses are not. Redirects are refused. The URL (which may be a credential), the secret
/// and the signature never appear in outputs, summaries or errors.
public struct NotifyWebhookAction: Action {
    let transport: HTTPTransport
    let settings: ProviderSettings

    /// Creates the action.
    public init(transport: HTTPTransport, settings: ProviderSettings) {
        self.transport = transport
        self.settings = settings
    }

    /// Name, parameters and verbs.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "notify.webhook", summary: "POSTs a signed JSON notification to a webhook receiver.",
                         parameters: [
                             ParameterSpec("url", .string, required: true, secret: .allowed,
                                           description: "Receiver URL (http or https); a secret reference when the URL itself grants access."),
                             ParameterSpec("payload", .map, required: true, secret: .forbidden, description: "The JSON body."),
                             ParameterSpec("secret", .string, required: true, secret: .required,
                                           description: "Shared HMAC-SHA256 signing secret (a secret reference)."),
                             ParameterSpec("timeout", .duration, secret: .forbidden, description: "Request timeout (default: the step's, else 30s)."),
                         ]).declaring([
                             OutputSpec("delivered", "bool", "The receiver accepted the notification (2xx)."),
                             OutputSpec("status", "int", "The receiver's HTTP status."),
                             OutputSpec("idempotency_key", "string", "The Idempotency-Key sent, the same on every retry."),
                             OutputSpec("signature_scheme", "string", "The signature header's scheme version."),
                             OutputSpec("bytes", "int", "plan: size of the body that would be sent."),
                         ])
    }

    struct Prepared {
        var url: URL
        var urlIsSecret: Bool
        var body: Data
        var secret: String
        var timeout: Duration
        var secrets: [String]
        var target: String { urlIsSecret ? "the configured webhook" : HTTPRequest.origin(url) }
    }

    func prepare(_ call: ActionCall) async throws(ActionError) -> Prepared {
        guard case .object(let payload)? = call.params["payload"] else {
            throw .invalid("parameter 'payload' is required and must be a map (the JSON body to send)")
        }
        let secret = try await NotifyParameters.secret(call, "secret", what: "webhook signing secret", example: "secret:env:QRUN_WEBHOOK_SECRET")
        guard let rawURL = try await call.resolved("url") else { throw .invalid("parameter 'url' is required") }
        let url = try NotifyParameters.url(rawURL.text, parameter: "url", isSecret: rawURL.isSecret)
        let secrets = [secret] + (rawURL.isSecret ? [rawURL.text] : [])
        return Prepared(url: url, urlIsSecret: rawURL.isSecret, body: Data(Value.object(payload).jsonText.utf8), secret: secret,
                        timeout: try NotifyParameters.timeout(call), secrets: secrets)
    }

    /// Validates the parameters and resolves the secrets; sends nothing.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let p = try await prepare(call)
        return ActionResult(outputs: ["bytes": .int(p.body.count), "idempotency_key": .string(call.idempotencyKey)],
                            summary: "would POST a signed \(p.body.count)-byte JSON notification to \(p.target)")
    }

    /// Sends the notification once per attempt, under the step's idempotency key.
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let p = try await prepare(call)
        let timestamp = Int(Date().timeIntervalSince1970)
        let headers: [(String, String)] = [
            ("Content-Type", "application/json"),
            ("X-QRun-Timestamp", String(timestamp)),
            ("X-QRun-Signature", WebhookSignature.sign(body: p.body, timestamp: timestamp, secret: p.secret)),
            ("Idempotency-Key", call.idempotencyKey),
            ("X-QRun-Run-Id", call.runID),
            ("X-QRun-Step-Id", call.stepID),
        ]
        let request = HTTPRequest(method: "POST", url: p.url, headers: headers, body: p.body, timeout: p.timeout, bodyLimit: .notification)
        let response = try await NotifyParameters.send(transport, request, secrets: p.secrets)
        guard (200...299).contains(response.status) else {
            let detail = NotifyParameters.detail(response, secrets: p.secrets)
            throw ActionError(message: "\(p.target) refused the notification: HTTP \(response.status)\(detail.isEmpty ? "" : ": \(detail)")",
                              retryable: HTTPResponse.isRetryable(status: response.status), retryAfter: response.retryAfter)
        }
        return ActionResult(outputs: [
            "delivered": true,
            "status": .int(response.status),
            "idempotency_key": .string(call.idempotencyKey),
            "signature_scheme": .string(WebhookSignature.version),
        ], summary: "delivered the signed notification to \(p.target) (HTTP \(response.status))")
    }
}
