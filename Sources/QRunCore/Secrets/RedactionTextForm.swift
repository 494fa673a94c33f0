import Foundation

/// A secret as text: for each Unicode scalar, its UTF-8 bytes, its short JSON escape if any,
/// and its UTF-16 code units (for `\uXXXX`).
struct RedactionTextForm: Sendable {
    struct Unit: Sendable {
        var bytes: [UInt8]
        /// The character after `\` in the short JSON escape, or 0.
        var shortEscape: UInt8
        var utf16: [UInt16]
        /// The scalar is `%` or `\`: the same character in the text may be the literal or the
        /// start of an escape.
        var isAmbiguous: Bool
    }

    var units: [Unit]

    /// The bytes at which scalar `index` can start: its first byte, `%` (percent-encoding),
    /// `\\` (JSON escapes) and, for a space, `+`.
    func firstBytes(of index: Int) -> Set<UInt8> {
        let first = units[index].bytes[0]
        var set: Set<UInt8> = [first, UInt8(ascii: "%"), UInt8(ascii: "\\")]
        if first == 0x20 { set.insert(UInt8(ascii: "+")) }
        return set
    }

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        units = text.unicodeScalars.map { scalar in
            let short: UInt8
            switch scalar {
            case "\"": short = UInt8(ascii: "\"")
            case "\\": short = UInt8(ascii: "\\")
            case "/": short = UInt8(ascii: "/")
            case "\u{08}": short = UInt8(ascii: "b")
            case "\u{0C}": short = UInt8(ascii: "f")
            case "\n": short = UInt8(ascii: "n")
            case "\r": short = UInt8(ascii: "r")
            case "\t": short = UInt8(ascii: "t")
            default: short = 0
            }
            return Unit(
                bytes: Array(String(scalar).utf8), shortEscape: short, utf16: Array(String(scalar).utf16),
                isAmbiguous: scalar == "%" || scalar == "\\")
        }
    }
}

/// Reusable buffers for the text-form matcher.
struct RedactionScratch {
    var current: [Int] = []
    var next: [Int] = []
}
