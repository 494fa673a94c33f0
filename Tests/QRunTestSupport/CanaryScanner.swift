import Foundation

/// Finds a secret in bytes under every encoding a leak could take: raw, JSON-escaped,
/// URL-encoded (both hex cases, `+` for space), hex (both cases), base64 standard and URL-safe,
/// with or without padding, and the middle of the secret's base64 inside a longer base64 blob at
/// each of the three byte alignments. Written independently of qrun's redactor, so it checks it.
public struct CanaryScanner: Sendable {
    public let canary: String
    public let forms: [(name: String, bytes: [UInt8])]

    public init(_ canary: String) {
        self.canary = canary
        let raw = Array(canary.utf8)
        var f: [(String, String)] = [("raw", canary)]
        var json = ""
        for s in canary.unicodeScalars {
            switch s {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "/": json += "\\/"
            case "\n": json += "\\n"
            default: json += String(s)
            }
        }
        f.append(("json-escaped", json))
        f.append(("json-escaped-slash", json.replacingOccurrences(of: "\\/", with: "/")))
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        var upper = "", lower = "", plus = ""
        for b in raw {
            if unreserved.contains(b) {
                upper += String(UnicodeScalar(b)); lower += String(UnicodeScalar(b)); plus += String(UnicodeScalar(b))
            } else {
                upper += String(format: "%%%02X", b); lower += String(format: "%%%02x", b)
                plus += b == 0x20 ? "+" : String(format: "%%%02X", b)
            }
        }
        f += [("url-upper", upper), ("url-lower", lower), ("form", plus)]
        f.append(("hex", raw.map { String(format: "%02x", $0) }.joined()))
        f.append(("HEX", raw.map { String(format: "%02X", $0) }.joined()))
        let b64 = Data(raw).base64EncodedString()
        f.append(("base64", b64))
        f.append(("base64-unpadded", b64.replacingOccurrences(of: "=", with: "")))
        f.append(("base64url", b64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")))
        for k in 0...2 {
            let full = Array(Data(Array(repeating: UInt8(0x41), count: k) + raw + [0x42, 0x42, 0x42]).base64EncodedString())
            let start = (8 * k + 5) / 6
            let end = (8 * (k + raw.count)) / 6
            if end - start >= 8 {
                let mid = String(full[start..<end])
                f.append(("base64-embedded-\(k)", mid))
                f.append(("base64url-embedded-\(k)", mid.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")))
            }
        }
        forms = f.map { ($0.0, Array($0.1.utf8)) }
    }

    /// The names of the forms found in `data`.
    public func find(in data: Data) -> [String] {
        let bytes = [UInt8](data)
        return forms.filter { Self.contains(bytes, $0.bytes) }.map(\.name)
    }

    public func find(in text: String) -> [String] { find(in: Data(text.utf8)) }

    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, hay.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first, Array(hay[i..<(i + needle.count)]) == needle { return true }
            i += 1
        }
        return false
    }
}
