import Crypto
import Foundation
import QRunCore

/// The signature scheme of `notify.webhook`, version 1, for senders and receivers alike.
///
/// `X-QRun-Signature: v1=<hex>` where `<hex>` is the lower-case hex HMAC-SHA256, keyed with
/// the shared secret's UTF-8 bytes, of `"<timestamp>." + <raw body bytes>`, and `<timestamp>`
/// is the `X-QRun-Timestamp` header (Unix seconds). Receivers recompute it over the raw body
/// before parsing, compare in constant time, and refuse timestamps too far from their clock
/// (five minutes is what ``defaultTolerance`` suggests) so a captured request cannot be
/// replayed later.
public enum WebhookSignature {
    /// The scheme prefix in `X-QRun-Signature`.
    public static let version = "v1"
    /// A receiver's suggested clock-skew tolerance.
    public static let defaultTolerance: TimeInterval = 300

    /// `v1=<hex>` for `body` sent at `timestamp`.
    public static func sign(body: Data, timestamp: Int, secret: String) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "\(version)=" + Digest.hex(mac)
    }

    /// Whether `signature` is valid for `body` and `timestamp`, and `timestamp` is within
    /// `tolerance` of `now`. Compares in constant time.
    public static func isValid(signature: String, body: Data, timestamp: Int, secret: String,
                               now: Date = Date(), tolerance: TimeInterval = defaultTolerance) -> Bool {
        guard abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance else { return false }
        let expected = Array(sign(body: body, timestamp: timestamp, secret: secret).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        var diff: UInt8 = 0
        for i in expected.indices { diff |= expected[i] ^ given[i] }
        return diff == 0
    }
}
