import Foundation
import QRunCore

/// `notify.email`: sends a plain-text e-mail over SMTP (libcurl's client: EHLO, STARTTLS,
/// AUTH, MAIL/RCPT/DATA), with the server's certificate and host name always verified.
///
/// ## TLS
/// `smtps://` is TLS from the first byte. On `smtp://`, `starttls` decides: `required` fails
/// unless the server offers STARTTLS, `opportunistic` (default) upgrades "where offered" and
/// otherwise sends in clear text, `never` does not upgrade. Opportunistic STARTTLS cannot
/// resist an attacker who strips the offer, so whenever a password is configured the
/// connection is treated as `required`: the password is never sent in clear text, and
/// `starttls: never` with a password is refused. A private CA is trusted through `ca_file`
/// (or settings `email.ca_file`); verification is never switched off.
///
/// ## Idempotency
/// SMTP has no idempotency key and a sent message cannot be recalled or looked up, so the
/// guarantee is the engine's: a committed step is never repeated. If the server accepted the
/// message and its final `250` was lost, the retry or resume sends it again. Every attempt of a
/// step carries the same `Message-ID` (`<qrun.<SHA-256 of the idempotency key>@<from domain>>`)
/// and an `X-QRun-Idempotency-Key` header, so a duplicate is recognisable — and mail systems
/// that suppress repeated Message-IDs drop it. Outputs say `delivery: at-least-once`.
///
/// ## Errors
/// Connection failures, timeouts and SMTP 4xx replies are retryable; SMTP 5xx replies,
/// rejected logins, TLS failures and a missing STARTTLS under `required` are not. The
/// password never appears in outputs or errors.
public struct EmailAction: Action {
    let settings: ProviderSettings

    /// Creates the action; `settings` may give `email.smtp_url`, `email.from`, `email.username`,
    /// `email.password` (a reference) and `email.ca_file`.
    public init(settings: ProviderSettings) {
        self.settings = settings
    }

    /// Name, parameters and verbs.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "notify.email", summary: "Sends a plain-text e-mail over SMTP (STARTTLS where offered).",
                         parameters: [
                             ParameterSpec("smtp_url", .string, secret: .forbidden,
                                           description: "smtp://host:port or smtps://host:port (default: settings email.smtp_url)."),
                             ParameterSpec("username", .string, secret: .allowed, description: "SMTP AUTH user name."),
                             ParameterSpec("password", .string, secret: .required, description: "SMTP AUTH password (a secret reference)."),
                             ParameterSpec("from", .string, secret: .forbidden, description: "Sender address (default: settings email.from)."),
                             ParameterSpec("to", .list, required: true, secret: .forbidden, description: "Recipient addresses."),
                             ParameterSpec("subject", .string, required: true, secret: .forbidden, description: "Subject line."),
                             ParameterSpec("text", .string, required: true, secret: .forbidden, description: "Plain-text body."),
                             ParameterSpec("starttls", .string, secret: .forbidden, description: "required, opportunistic (default) or never."),
                             ParameterSpec("ca_file", .string, secret: .forbidden,
                                           description: "PEM file of CAs to trust for the server's certificate (default: the system store)."),
                             ParameterSpec("timeout", .duration, secret: .forbidden, description: "Whole-transfer timeout (default: the step's, else 30s)."),
                         ])
    }

    /// What the outputs say about duplicates.
    static let delivery = "at-least-once: SMTP has no idempotency key; a retry after a lost final reply may deliver a second copy with the same Message-ID"

    struct Prepared {
        var submission: SMTPSubmission
        var message: EmailMessage
        var host: String
    }

    func prepare(_ call: ActionCall) async throws(ActionError) -> Prepared {
        guard let urlText = try call.string("smtp_url") ?? settings.value("email", "smtp_url") else {
            throw .invalid("no SMTP server configured; set parameter 'smtp_url' or providers.email.smtp_url (smtp://host:587 or smtps://host:465)")
        }
        guard let url = URLComponents(string: urlText), let scheme = url.scheme?.lowercased(), scheme == "smtp" || scheme == "smtps",
              let host = url.host, !host.isEmpty, url.user == nil, url.password == nil else {
            throw .invalid("'\(urlText.contains("@") ? "the SMTP URL" : urlText)' is not an smtp:// or smtps:// URL with a host (give credentials in username/password, not in the URL)")
        }
        var tls = StartTLSPolicy(rawValue: try NotifyParameters.choice(call, "starttls", ["required", "opportunistic", "never"], default: "opportunistic"))!
        guard let from = try call.string("from") ?? settings.value("email", "from") else {
            throw .invalid("parameter 'from' is required (or set providers.email.from)")
        }
        guard case .array(let items)? = call.params["to"], !items.isEmpty else { throw .invalid("parameter 'to' must be a non-empty list of addresses") }
        var to: [String] = []
        for item in items {
            guard let s = item.stringValue else { throw .invalid("parameter 'to' must list addresses as strings") }
            to.append(s)
        }
        let subject = try call.requiredString("subject"), text = try call.requiredString("text")
        let message: EmailMessage
        do {
            message = try EmailMessage(from: from, to: to, subject: subject, text: text,
                                       idempotencyKey: call.idempotencyKey,
                                       extraHeaders: [("X-QRun-Run-Id", call.runID), ("X-QRun-Idempotency-Key", call.idempotencyKey)])
        } catch {
            throw .invalid(error.message)
        }
        let username = try await call.resolved("username")?.text ?? settings.value("email", "username")
        var password: String?
        if call.params["password"] != nil {
            password = try await NotifyParameters.secret(call, "password", what: "SMTP password", example: "secret:env:SMTP_PASSWORD")
        } else if let ref = settings.credentialReference("email", "password") {
            password = try await call.credential(ref, what: "SMTP password", configure: "set providers.email.password to a secret reference")
        }
        if password != nil, username == nil { throw .invalid("an SMTP password is configured but no 'username'") }
        if password != nil, scheme == "smtp" {
            guard tls != .never else {
                throw .invalid("starttls: never with a password would send the password in clear text; use starttls: required or an smtps:// URL")
            }
            tls = .required
        }
        let caFile = try call.string("ca_file") ?? settings.value("email", "ca_file")
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw .invalid("ca_file '\(caFile)' is not a readable file")
        }
        let submission = SMTPSubmission(url: "\(scheme)://\(host):\(url.port ?? (scheme == "smtps" ? 465 : 587))", username: username,
                                        password: password, mailFrom: from, recipients: to, message: Data(), tls: tls, caFile: caFile,
                                        timeout: try NotifyParameters.timeout(call))
        return Prepared(submission: submission, message: message, host: "\(host):\(url.port ?? (scheme == "smtps" ? 465 : 587))")
    }

    /// Validates addresses, headers and TLS settings and resolves the password; connects to nothing.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let p = try await prepare(call)
        return ActionResult(outputs: ["message_id": .string(p.message.messageID), "recipients": .array(p.message.to.map { .string($0) }),
                                     "starttls": .string(p.submission.tls.rawValue), "delivery": .string(Self.delivery)],
                            summary: "would e-mail \(p.message.to.joined(separator: ", ")) through \(p.host) (STARTTLS \(p.submission.tls.rawValue))")
    }

    /// Sends the message (at least once; see the type's documentation).
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        var p = try await prepare(call)
        p.submission.message = p.message.rendered(date: Date())
        let outcome = await SMTPTransport.send(p.submission)
        guard outcome.curlCode == 0 else {
            throw SMTPFailure.classify(outcome, host: p.host, secrets: [p.submission.password].compactMap { $0 })
        }
        return ActionResult(outputs: [
            "message_id": .string(p.message.messageID),
            "recipients": .array(p.message.to.map { .string($0) }),
            "tls": .bool(outcome.usedTLS),
            "smtp_code": .int(outcome.smtpCode),
            "delivery": .string(Self.delivery),
        ], summary: "sent \"\(p.message.subject)\" to \(p.message.to.joined(separator: ", ")) through \(p.host)\(outcome.usedTLS ? " over TLS" : " in clear text (no STARTTLS offered)")")
    }
}
