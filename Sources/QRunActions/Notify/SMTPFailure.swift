import QRunCore

/// Turns a failed libcurl SMTP transfer into an ``ActionError`` that says whether a retry may help.
enum SMTPFailure {
    static func classify(_ o: SMTPOutcome, host: String, secrets: [String]) -> ActionError {
        let text = NotifyParameters.scrub(o.error, secrets)
        func fail(_ m: String, _ retryable: Bool) -> ActionError { ActionError(message: m, retryable: retryable) }
        switch o.curlCode {
        case 6, 7:
            return fail("cannot reach the SMTP server \(host) (\(text))", true)
        case 28:
            return fail("the SMTP server \(host) did not answer in time (\(text))", true)
        case 64:
            return fail("the SMTP server \(host) does not offer STARTTLS and TLS is required; nothing was sent", false)
        case 35, 60, 77, 83, 90, 91:
            return fail("TLS with the SMTP server \(host) failed (\(text)); check its certificate or ca_file — nothing was sent", false)
        case 67:
            return fail("the SMTP server \(host) refused the login (\(text)); check username and password", false)
        case 1, 3:
            return fail("the SMTP URL is not usable (\(text))", false)
        default:
            break
        }
        switch o.smtpCode {
        case 400..<500:
            return fail("the SMTP server \(host) deferred the message with \(o.smtpCode) (\(text)); retry later", true)
        case 500..<600:
            return fail("the SMTP server \(host) rejected the message with \(o.smtpCode) (\(text))", false)
        default:
            return fail("sending through \(host) failed (\(text))", true)
        }
    }
}
