import Foundation

/// Byte-level helpers of the redaction engine (namespaced to stay out of the module scope).
enum RedactionBytes {
    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    static func asciiLower(_ b: UInt8) -> UInt8 {
        b >= 0x41 && b <= 0x5A ? b + 0x20 : b
    }

    static func asciiUpper(_ b: UInt8) -> UInt8 {
        b >= 0x61 && b <= 0x7A ? b - 0x20 : b
    }

    /// 0–15 for a hex digit, 255 otherwise.
    static func hexValue(_ b: UInt8) -> UInt8 {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return 255
        }
    }

    /// A standard-alphabet base64 character and its URL-safe counterpart.
    static func base64Variants(_ b: UInt8) -> Set<UInt8> {
        switch b {
        case UInt8(ascii: "+"): return [b, UInt8(ascii: "-")]
        case UInt8(ascii: "/"): return [b, UInt8(ascii: "_")]
        default: return [b]
        }
    }

    /// Maps the URL-safe base64 alphabet onto the standard one.
    static func base64Canonical(_ b: UInt8) -> UInt8 {
        switch b {
        case UInt8(ascii: "-"): return UInt8(ascii: "+")
        case UInt8(ascii: "_"): return UInt8(ascii: "/")
        default: return b
        }
    }

    static func hexDigits(_ bytes: [UInt8]) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return out
    }

    static func base64Unpadded(_ bytes: [UInt8]) -> [UInt8] {
        var encoded = Array(Data(bytes).base64EncodedString().utf8)
        while encoded.last == UInt8(ascii: "=") { encoded.removeLast() }
        return encoded
    }

    /// The characters of the base64 encoding of `bytes`, when `bytes` starts `shift` bytes into a
    /// longer encoded blob, that depend only on `bytes` (not on the neighbouring bytes).
    ///
    /// Character `j` of an encoding covers bits `6j ..< 6j + 6`; `bytes` covers bits
    /// `8 shift ..< 8 (shift + count)`. The stable characters are those whose bits lie entirely
    /// inside that range.
    static func embeddedBase64(_ bytes: [UInt8], shift: Int) -> [UInt8] {
        let encoded = base64Unpadded(Array(repeating: 0, count: shift) + bytes)
        let first = (8 * shift + 5) / 6
        let end = 8 * (shift + bytes.count) / 6
        guard first < end else { return [] }
        return Array(encoded[first..<end])
    }
}
