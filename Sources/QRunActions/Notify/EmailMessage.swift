import Foundation
import QRunCore

/// A plain-text e-mail as RFC 5322 bytes: validated addresses, a subject encoded per RFC 2047
/// when it is not ASCII, a base64 UTF-8 body, and a Message-ID derived from the step's
/// idempotency key so a duplicate delivery is recognisable.
struct EmailMessage {
    var from: String
    var to: [String]
    var subject: String
    var text: String
    var messageID: String
    var extraHeaders: [(String, String)]

    /// Builds the message, refusing anything that could inject headers (CR or LF in the
    /// subject or an address) or is not a bare `local@domain` address.
    init(from: String, to: [String], subject: String, text: String, idempotencyKey: String,
         extraHeaders: [(String, String)] = []) throws(EmailError) {
        try Self.check(address: from, field: "from")
        guard !to.isEmpty else { throw EmailError("parameter 'to' needs at least one address") }
        for a in to { try Self.check(address: a, field: "to") }
        guard !Self.hasLineBreak(subject) else {
            throw EmailError("parameter 'subject' contains a line break; refusing (it could inject mail headers)")
        }
        for (k, v) in extraHeaders where Self.hasLineBreak(k + v) {
            throw EmailError("header \(k) contains a line break; refusing")
        }
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.extraHeaders = extraHeaders
        messageID = Self.messageID(idempotencyKey: idempotencyKey, from: from)
    }

    /// `<qrun.<first 32 hex of SHA-256(key)>@<sender's domain>>`: the same for every attempt of
    /// a step, different for every step.
    static func messageID(idempotencyKey: String, from: String) -> String {
        let hash = Digest.sha256Hex(idempotencyKey)
        let domain = from.split(separator: "@").last.map(String.init) ?? "qrun.invalid"
        return "<qrun.\(hash.prefix(32))@\(domain)>"
    }

    static func check(address: String, field: String) throws(EmailError) {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        let forbidden = Set(" \t<>,;\"()[]\\".unicodeScalars)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.count <= 254, !hasLineBreak(address),
              !address.unicodeScalars.contains(where: { forbidden.contains($0) || !$0.isASCII || $0.value < 0x20 }) else {
            let shown = hasLineBreak(address) ? "an address with a line break" : "'\(address)'"
            throw EmailError("parameter '\(field)': \(shown) is not a plain address like ops@example.org; refusing")
        }
    }

    /// Whether `text` holds CR, LF or NUL. Checked on scalars: Swift treats "\r\n" as one Character.
    static func hasLineBreak(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\u{0}" }
    }

    /// The subject as a header value: ASCII as is, otherwise an RFC 2047 base64 encoded-word.
    var encodedSubject: String {
        if subject.allSatisfy({ $0.isASCII }) { return subject }
        return "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
    }

    /// The whole message with CRLF line ends. `date` is the `Date` header.
    func rendered(date: Date) -> Data {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var lines = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(encodedSubject)",
            "Date: \(f.string(from: date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
        ]
        lines += extraHeaders.map { "\($0.0): \($0.1)" }
        lines.append("")
        let body = Data(text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        lines.append(body)
        return Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }
}

/// A refused e-mail parameter.
struct EmailError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
