import Crypto
import Foundation
import QRunCore

/// How a request proves who sent it.
enum RequestAuth {
    /// Why a request was refused (always answered 401 with this text).
    struct Refusal: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// The token of `Authorization: Bearer T`, or the password of `Authorization: Basic …`.
    static func presentedToken(_ header: String?, allowBasic: Bool) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let scheme = parts[0].lowercased()
        let rest = parts[1].trimmingCharacters(in: .whitespaces)
        if scheme == "bearer" { return rest }
        if scheme == "basic", allowBasic, let data = Data(base64Encoded: rest), let text = String(data: data, encoding: .utf8),
           let colon = text.firstIndex(of: ":") {
            return String(text[text.index(after: colon)...])
        }
        return nil
    }

    /// The Alertmanager endpoint: bearer, or basic auth with the token as password.
    static func checkAlertToken(_ header: String?, credentials: ServeCredentials) throws(Refusal) {
        guard let token = credentials.alertToken else {
            throw Refusal("this endpoint is disabled: qrun serve was started without QRUN_ALERT_TOKEN")
        }
        guard let presented = presentedToken(header, allowBasic: true) else {
            throw Refusal("send Authorization: Bearer <QRUN_ALERT_TOKEN> (or basic auth with it as the password)")
        }
        guard ServeCredentials.constantTimeEqual(Array(presented.utf8), Array(token.reveal().utf8)) else {
            throw Refusal("the alert token is not valid")
        }
    }

    /// An API principal by bearer token.
    static func principal(_ header: String?, credentials: ServeCredentials) throws(Refusal) -> String {
        guard !credentials.principals.isEmpty else {
            throw Refusal("the API is disabled: no principal is configured (QRUN_API_TOKEN or serve.principals in qrun.yaml)")
        }
        guard let presented = presentedToken(header, allowBasic: false) else {
            throw Refusal("send Authorization: Bearer <token of a principal>")
        }
        guard let name = credentials.principal(bearer: presented) else { throw Refusal("the token is not valid") }
        return name
    }

    /// The generic endpoint's signature: `X-Qrun-Signature: sha256=<hex>` of HMAC-SHA256 over
    /// `timestamp + "." + body`, with `X-Qrun-Timestamp` within `window` of `now` either way.
    /// Returns the replay key (what may be recorded only once).
    static func checkSignature(timestamp: String?, signature: String?, body: [UInt8], key: SecretValue?, now: Date,
                               window: TimeInterval = 300) throws(Refusal) -> String {
        guard let key else { throw Refusal("this endpoint is disabled: qrun serve was started without QRUN_ALERT_HMAC_KEY") }
        guard let timestamp, let signature else {
            throw Refusal("send X-Qrun-Timestamp (unix seconds) and X-Qrun-Signature: sha256=<hex HMAC-SHA256 of timestamp.body>")
        }
        guard timestamp.count <= 12, let seconds = Int64(timestamp), seconds >= 0 else {
            throw Refusal("X-Qrun-Timestamp must be unix seconds")
        }
        let skew = now.timeIntervalSince1970 - TimeInterval(seconds)
        guard abs(skew) <= window else {
            throw Refusal(skew > 0 ? "the signed timestamp is more than 5 minutes old" : "the signed timestamp is more than 5 minutes in the future")
        }
        guard signature.hasPrefix("sha256="), let given = hexBytes(signature.dropFirst(7)), given.count == 32 else {
            throw Refusal("X-Qrun-Signature must be sha256=<64 hex digits>")
        }
        var message = Array(timestamp.utf8)
        message.append(UInt8(ascii: "."))
        message += body
        let mac = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(key.reveal().utf8))))
        guard ServeCredentials.constantTimeEqual(mac, given) else { throw Refusal("the signature does not match the body and timestamp") }
        return "hmac:" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func hexBytes(_ s: Substring) -> [UInt8]? {
        guard s.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(s.count / 2)
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            guard let b = UInt8(s[i..<j], radix: 16) else { return nil }
            out.append(b)
            i = j
        }
        return out
    }
}
