import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `notify.email` against a real SMTP server (aiosmtpd) with STARTTLS on a certificate made for
/// the test and trusted through `ca_file`, and AUTH.
@Suite(.serialized, .enabled(if: Prerequisite.required(SMTPServer.isAvailable), "needs aiosmtpd: pip install aiosmtpd"))
struct NotifyEmailTests {
    static let env = ["SMTP_PASSWORD": NotifyFixture.smtpPassword]

    func secureServer(_ configure: (inout SMTPServer.Options) -> Void = { _ in }) throws -> SMTPServer {
        var o = SMTPServer.Options()
        o.starttls = true
        o.authUser = "ops"
        o.authPassword = NotifyFixture.smtpPassword
        configure(&o)
        return try SMTPServer(o)
    }

    func params(_ s: SMTPServer, _ extra: [String: Value] = [:]) -> [String: Value] {
        var p: [String: Value] = [
            "smtp_url": .string(s.url), "username": "ops", "password": "secret:env:SMTP_PASSWORD",
            "from": "qrun@lab.example", "to": ["oncall@lab.example", "security@lab.example"],
            "subject": "Agent contained — run-1", "text": "The agent's sandboxes were stopped.\n.\nEvidence: state/evidence/run-1",
        ]
        if let ca = s.caFile { p["ca_file"] = .string(ca) }
        return p.merging(extra) { _, new in new }
    }

    static let messageID = EmailMessage.messageID(idempotencyKey: "run-1/notify", from: "qrun@lab.example")

    /// Header name → value, and the decoded body.
    func parse(_ data: String) -> (headers: [String: String], body: String) {
        let parts = data.components(separatedBy: "\r\n\r\n")
        var headers: [String: String] = [:]
        for line in parts[0].components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let b64 = parts.dropFirst().joined(separator: "\r\n\r\n").replacingOccurrences(of: "\r\n", with: "")
        return (headers, String(decoding: Data(base64Encoded: b64) ?? Data(), as: UTF8.self))
    }

    @Test func planConnectsToNothing() async throws {
        let s = try secureServer()
        defer { s.stop() }
        let r = try await EmailAction(settings: ProviderSettings(environment: [:])).plan(NotifyFixture.call(params(s), verb: .plan, env: Self.env))
        #expect(r.outputs["message_id"] == .string(Self.messageID))
        #expect(r.outputs["starttls"] == "required", "a password forces TLS")
        #expect(r.summary == "would e-mail oncall@lab.example, security@lab.example through 127.0.0.1:\(s.url.split(separator: ":").last!) (STARTTLS required)")
        #expect(try s.messages().isEmpty)
        NotifyFixture.expectClean(r)
    }

    @Test func sendsOverSTARTTLSWithAuthAndTheDocumentedHeaders() async throws {
        let s = try secureServer()
        defer { s.stop() }
        let r = try await EmailAction(settings: ProviderSettings(environment: [:])).apply(NotifyFixture.call(params(s), env: Self.env))
        #expect(r.outputs["message_id"] == .string(Self.messageID))
        #expect(r.outputs["tls"] == true)
        #expect(r.outputs["smtp_code"] == 250)
        #expect(r.outputs["recipients"] == ["oncall@lab.example", "security@lab.example"])
        let m = try s.messages()
        #expect(m.count == 1)
        #expect(m.first?["mail_from"] as? String == "qrun@lab.example")
        #expect(m.first?["rcpt_tos"] as? [String] == ["oncall@lab.example", "security@lab.example"])
        #expect(m.first?["tls"] as? Bool == true)
        #expect(m.first?["auth_login"] as? String == "ops")
        let (h, body) = parse(m.first?["data"] as? String ?? "")
        #expect(h["Message-ID"] == Self.messageID)
        #expect(h["Subject"] == "=?UTF-8?B?\(Data("Agent contained — run-1".utf8).base64EncodedString())?=")
        #expect(h["From"] == "qrun@lab.example")
        #expect(h["To"] == "oncall@lab.example, security@lab.example")
        #expect(h["X-QRun-Idempotency-Key"] == "run-1/notify")
        #expect(body == "The agent's sandboxes were stopped.\n.\nEvidence: state/evidence/run-1")
        NotifyFixture.expectClean(r)
    }

    @Test func aResumeSendsASecondCopyWithTheSameMessageID() async throws {
        let s = try secureServer()
        defer { s.stop() }
        let action = EmailAction(settings: ProviderSettings(environment: [:]))
        let first = try await action.apply(NotifyFixture.call(params(s), env: Self.env))
        let resumed = try await action.apply(NotifyFixture.call(params(s), attempt: 2, env: Self.env))
        #expect(first.outputs["message_id"] == resumed.outputs["message_id"])
        #expect(resumed.outputs["delivery"] == .string(EmailAction.delivery))
        let ids = try s.messages().map { parse($0["data"] as? String ?? "").headers["Message-ID"] }
        #expect(ids == [Self.messageID, Self.messageID], "SMTP has no idempotency: the duplicate is recognisable, not prevented")
    }

    @Test func settingsSupplyTheServerAndPlainSMTPIsUsedOnlyWithoutAPassword() async throws {
        let s = try SMTPServer()
        defer { s.stop() }
        let action = EmailAction(settings: ProviderSettings(config: ["email": ["smtp_url": s.url, "from": "qrun@lab.example"]], environment: [:]))
        let p: [String: Value] = ["to": ["oncall@lab.example"], "subject": "plain", "text": "hello"]
        let r = try await action.apply(NotifyFixture.call(p, env: [:]))
        #expect(r.outputs["tls"] == false)
        #expect(r.summary == "sent \"plain\" to oncall@lab.example through \(s.url.dropFirst(7)) in clear text (no STARTTLS offered)")
        #expect(try s.messages().count == 1)
        var required = p
        required["starttls"] = "required"
        let e = await VaultFixture.failure { try await action.apply(NotifyFixture.call(required, env: [:])) }
        #expect(e?.retryable == false)
        #expect(e?.message == "the SMTP server \(s.url.dropFirst(7)) does not offer STARTTLS and TLS is required; nothing was sent")
        var withPassword = params(s)
        withPassword["starttls"] = "never"
        let never = await VaultFixture.failure { try await action.apply(NotifyFixture.call(withPassword, env: Self.env)) }
        #expect(never?.message == "starttls: never with a password would send the password in clear text; use starttls: required or an smtps:// URL")
        let forced = await VaultFixture.failure { try await action.apply(NotifyFixture.call(params(s), env: Self.env)) }
        #expect(forced?.retryable == false, "a password turns opportunistic into required")
        #expect(try s.messages().count == 1)
    }

    @Test func anUntrustedCertificateOrAWrongPasswordSendsNothing() async throws {
        let s = try secureServer()
        defer { s.stop() }
        let action = EmailAction(settings: ProviderSettings(environment: [:]))
        var untrusted = params(s)
        untrusted["ca_file"] = nil
        let tls = await VaultFixture.failure { try await action.apply(NotifyFixture.call(untrusted, env: Self.env)) }
        #expect(tls?.retryable == false)
        #expect(tls?.message.hasPrefix("TLS with the SMTP server \(s.url.dropFirst(7)) failed (") == true)
        let login = await VaultFixture.failure { try await action.apply(NotifyFixture.call(params(s), env: ["SMTP_PASSWORD": "wrong-password"])) }
        #expect(login?.retryable == false, "\(login?.message ?? "")")
        #expect(login?.message.hasPrefix("the SMTP server \(s.url.dropFirst(7)) refused the login (") == true)
        NotifyFixture.expectClean(tls)
        NotifyFixture.expectClean(login)
        #expect(try s.messages().isEmpty)
    }

    @Test func recipientRefusalsAreClassifiedBySMTPCode() async throws {
        let s = try secureServer {
            $0.rejectRecipients = ["nobody@lab.example"]
            $0.deferRecipients = ["busy@lab.example"]
        }
        defer { s.stop() }
        let action = EmailAction(settings: ProviderSettings(environment: [:]))
        let rejected = await VaultFixture.failure { try await action.apply(NotifyFixture.call(params(s, ["to": ["nobody@lab.example"]]), env: Self.env)) }
        #expect(rejected?.retryable == false)
        #expect(rejected?.message.hasPrefix("the SMTP server \(s.url.dropFirst(7)) rejected the message with 550") == true)
        let deferred = await VaultFixture.failure { try await action.apply(NotifyFixture.call(params(s, ["to": ["busy@lab.example"]]), env: Self.env)) }
        #expect(deferred?.retryable == true)
        #expect(deferred?.message.hasPrefix("the SMTP server \(s.url.dropFirst(7)) deferred the message with 451") == true)
        let plain: [String: Value] = ["smtp_url": .string(s.url), "from": "qrun@lab.example", "to": ["oncall@lab.example"], "subject": "s", "text": "t"]
        s.stop()
        let down = await VaultFixture.failure { try await action.apply(NotifyFixture.call(plain, env: [:])) }
        #expect(down?.retryable == true)
        #expect(down?.message.hasPrefix("cannot reach the SMTP server") == true)
    }

    @Test func headerInjectionIsRefused() async throws {
        let s = try secureServer()
        defer { s.stop() }
        let action = EmailAction(settings: ProviderSettings(environment: [:]))
        let subject = await VaultFixture.failure {
            try await action.plan(NotifyFixture.call(params(s, ["subject": "hi\r\nBcc: attacker@evil.example"]), verb: .plan, env: Self.env))
        }
        #expect(subject?.message == "parameter 'subject' contains a line break; refusing (it could inject mail headers)")
        let to = await VaultFixture.failure {
            try await action.plan(NotifyFixture.call(params(s, ["to": ["oncall@lab.example\r\nBcc: attacker@evil.example"]]), verb: .plan, env: Self.env))
        }
        #expect(to?.message == "parameter 'to': an address with a line break is not a plain address like ops@example.org; refusing")
        let from = await VaultFixture.failure { try await action.plan(NotifyFixture.call(params(s, ["from": "Ops <ops@lab.example>"]), verb: .plan, env: Self.env)) }
        #expect(from?.message == "parameter 'from': 'Ops <ops@lab.example>' is not a plain address like ops@example.org; refusing")
        #expect(try s.messages().isEmpty)
    }
}
