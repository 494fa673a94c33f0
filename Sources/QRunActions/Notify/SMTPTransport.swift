import CCurl
import QRunCore
import Foundation

/// How STARTTLS is used on an `smtp://` connection (`smtps://` is always TLS).
public enum StartTLSPolicy: String, Sendable {
    /// Fail unless the session is encrypted.
    case required
    /// Upgrade when the server offers STARTTLS; otherwise send in clear text.
    case opportunistic
    /// Never upgrade.
    case never

    var curlMode: Int32 {
        switch self {
        case .never: return 0
        case .opportunistic: return 1
        case .required: return 2
        }
    }
}

/// One SMTP submission, as handed to libcurl.
struct SMTPSubmission: Sendable {
    var url: String
    var username: String?
    var password: String?
    var mailFrom: String
    var recipients: [String]
    var message: Data
    var tls: StartTLSPolicy
    var caFile: String?
    var timeout: Duration
}

/// What libcurl reported.
struct SMTPOutcome: Sendable {
    var curlCode: Int32
    var smtpCode: Int
    var usedTLS: Bool
    var error: String
}

/// Sends mail with libcurl's SMTP client (EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA, dot-stuffing),
/// with certificate and host-name verification always on. Runs the blocking transfer on its
/// own thread so it does not hold a cooperative-pool thread for up to the timeout.
enum SMTPTransport {
    static func send(_ s: SMTPSubmission) async -> SMTPOutcome {
        await withCheckedContinuation { (c: CheckedContinuation<SMTPOutcome, Never>) in
            let thread = Thread { c.resume(returning: perform(s)) }
            thread.name = "qrun-smtp"
            thread.start()
        }
    }

    static func perform(_ s: SMTPSubmission) -> SMTPOutcome {
        var owned: [UnsafeMutablePointer<CChar>] = []
        func c(_ text: String?) -> UnsafePointer<CChar>? {
            guard let text, let p = strdup(text) else { return nil }
            owned.append(p)
            return UnsafePointer(p)
        }
        defer {
            for p in owned {
                memset(p, 0, strlen(p))
                free(p)
            }
        }
        var rcpt: [UnsafePointer<CChar>?] = s.recipients.map { c($0) }
        var result = qrun_smtp_result()
        let message = [UInt8](s.message)
        rcpt.withUnsafeMutableBufferPointer { rcptBuffer in
            message.withUnsafeBufferPointer { body in
                body.baseAddress!.withMemoryRebound(to: CChar.self, capacity: body.count) { bodyChars in
                    var request = qrun_smtp_request(
                        url: c(s.url), username: c(s.username), password: c(s.password), mail_from: c(s.mailFrom),
                        rcpt: UnsafePointer(rcptBuffer.baseAddress), rcpt_count: rcptBuffer.count,
                        message: bodyChars, message_length: body.count, tls_mode: s.tls.curlMode,
                        ca_file: c(s.caFile), timeout_ms: Int(s.timeout.secondsDouble * 1000))
                    _ = qrun_smtp_send(&request, &result)
                }
            }
        }
        let error = withUnsafeBytes(of: result.error) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return SMTPOutcome(curlCode: result.curl_code, smtpCode: result.smtp_code, usedTLS: result.used_tls == 1, error: error)
    }
}
