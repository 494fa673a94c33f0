import Foundation

/// Percent-encoding for URLs and form bodies, in the two flavours providers check signatures
/// against: unreserved `A-Za-z0-9-_.~` literal, every other UTF-8 byte as `%XX` upper-case.
///
/// - ``uri(_:keepSlash:)``: RFC 3986 as SigV4 wants it, space as `%20`; also safe for a path
///   segment, since nothing in an id can then change the path it is placed in.
/// - ``form(_:)``: `application/x-www-form-urlencoded` exactly as botocore writes it, space as `+`.
public enum PercentEncoding {
    /// RFC 3986 encoding: unreserved characters literal, everything else (space too) as `%XX`;
    /// `/` kept when `keepSlash` (a canonical URI path).
    public static func uri(_ s: String, keepSlash: Bool = false) -> String {
        encode(s, spaceAsPlus: false, keepSlash: keepSlash)
    }

    /// Form encoding of one name or value: as ``uri(_:keepSlash:)`` but space as `+`.
    public static func form(_ s: String) -> String {
        encode(s, spaceAsPlus: true, keepSlash: false)
    }

    /// A form body or query string: `name=value` pairs, each side ``form(_:)``-encoded, joined by `&`.
    public static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(form($0.0))=\(form($0.1))" }.joined(separator: "&")
    }

    private static func encode(_ s: String, spaceAsPlus: Bool, keepSlash: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(b)))
            case UInt8(ascii: " ") where spaceAsPlus:
                out.append("+")
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }
}
