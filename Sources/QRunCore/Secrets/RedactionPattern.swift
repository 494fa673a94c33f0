import Foundation

/// One compiled form of one secret.
struct RedactionPattern: Sendable {
    enum Kind: Sendable {
        /// Raw, JSON-escaped or URL-encoded text, matched by `RedactionTextForm`.
        case text(RedactionTextForm)
        /// Hex digits, compared case-insensitively (`bytes` holds lower-case digits).
        case hex
        /// Base64 in the standard alphabet (`bytes`), matched in either alphabet, followed by
        /// up to `padding` optional `=`.
        case base64(padding: Int)
    }

    var kind: Kind
    var bytes: [UInt8]
    /// Only match when not preceded or followed by an ASCII letter or digit.
    var wholeToken: Bool

    /// The bytes at which a match can start.
    var firstBytes: Set<UInt8> {
        switch kind {
        case .text(let form):
            return form.firstBytes(of: 0)
        case .hex:
            return [bytes[0], RedactionBytes.asciiUpper(bytes[0])]
        case .base64:
            return RedactionBytes.base64Variants(bytes[0])
        }
    }

    /// The bytes that can follow `first` in a match, as a 256-bit set; all bits set when a
    /// match may end after one byte (then the second byte is not constrained).
    func secondBytes(after first: UInt8) -> RedactionByteSet {
        var set = RedactionByteSet()
        switch kind {
        case .hex:
            set.insert(bytes[1])
            set.insert(RedactionBytes.asciiUpper(bytes[1]))
        case .base64:
            guard bytes.count > 1 else { return RedactionByteSet.all }
            for b in RedactionBytes.base64Variants(bytes[1]) { set.insert(b) }
        case .text(let form):
            let unit = form.units[0]
            // The rest after a one-byte form of the first scalar.
            func afterFirstScalar() -> RedactionByteSet {
                guard form.units.count > 1 else { return RedactionByteSet.all }
                var next = RedactionByteSet()
                for b in form.firstBytes(of: 1) { next.insert(b) }
                return next
            }
            if first == unit.bytes[0] {
                if unit.bytes.count > 1 {
                    set.insert(unit.bytes[1])
                    set.insert(UInt8(ascii: "%"))
                } else {
                    set.formUnion(afterFirstScalar())
                }
            }
            if first == UInt8(ascii: "%") {
                let digits = Array("0123456789ABCDEF".utf8)
                let high = digits[Int(unit.bytes[0] >> 4)]
                set.insert(high)
                set.insert(RedactionBytes.asciiLower(high))
            }
            if first == UInt8(ascii: "\\") {
                set.insert(UInt8(ascii: "u"))
                if unit.shortEscape != 0 { set.insert(unit.shortEscape) }
            }
            if first == UInt8(ascii: "+") && unit.bytes[0] == 0x20 {
                set.formUnion(afterFirstScalar())
            }
        }
        return set
    }
}
