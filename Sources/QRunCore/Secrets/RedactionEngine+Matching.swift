import Foundation

/// Matching one compiled pattern at one position.
extension RedactionEngine {
    /// The length of the longest match of `pattern` starting at `start`, or 0.
    static func match(
        _ pattern: RedactionPattern, in buf: UnsafeBufferPointer<UInt8>, at start: Int, scratch: inout RedactionScratch
    ) -> Int {
        let n = buf.count
        var end: Int
        switch pattern.kind {
        case .hex:
            let bytes = pattern.bytes
            guard n - start >= bytes.count else { return 0 }
            for k in 0..<bytes.count where RedactionBytes.asciiLower(buf[start + k]) != bytes[k] { return 0 }
            end = start + bytes.count
        case .base64(let padding):
            let bytes = pattern.bytes
            guard n - start >= bytes.count else { return 0 }
            for k in 0..<bytes.count where RedactionBytes.base64Canonical(buf[start + k]) != bytes[k] { return 0 }
            end = start + bytes.count
            var pad = 0
            while pad < padding, end < n, buf[end] == UInt8(ascii: "=") {
                end += 1
                pad += 1
            }
        case .text(let form):
            return matchText(form, in: buf, at: start, wholeToken: pattern.wholeToken, scratch: &scratch)
        }
        if pattern.wholeToken && !isTokenBoundary(buf, start: start, end: end) { return 0 }
        return end - start
    }

    /// The length of the match of the text form at `start`, or 0. Each scalar may appear as
    /// its literal bytes (each byte also as `%XX` in either case, a space also as `+`), as its
    /// short JSON escape, or as `\uXXXX` escapes. Except where the secret has a `%` or `\` and
    /// the text has the same character there, each step has at most one reading, so this walks
    /// a single path.
    static func matchText(
        _ form: RedactionTextForm, in buf: UnsafeBufferPointer<UInt8>, at start: Int, wholeToken: Bool,
        scratch: inout RedactionScratch
    ) -> Int {
        let n = buf.count
        var p = start
        for unit in form.units {
            guard p < n else { return 0 }
            let c = buf[p]
            if unit.isAmbiguous && c == unit.bytes[0] {
                return matchTextAllPaths(form, in: buf, at: start, wholeToken: wholeToken, scratch: &scratch)
            }
            if c == UInt8(ascii: "\\") {
                if unit.shortEscape != 0, p + 1 < n, buf[p + 1] == unit.shortEscape {
                    p += 2
                } else if let end = matchUnicodeEscapes(unit.utf16, in: buf, at: p) {
                    p = end
                } else {
                    return 0
                }
                continue
            }
            for b in unit.bytes {
                guard p < n else { return 0 }
                let c = buf[p]
                if c == b {
                    p += 1
                } else if c == UInt8(ascii: "%"), p + 2 < n, RedactionBytes.hexValue(buf[p + 1]) < 16, RedactionBytes.hexValue(buf[p + 2]) < 16,
                    RedactionBytes.hexValue(buf[p + 1]) << 4 | RedactionBytes.hexValue(buf[p + 2]) == b
                {
                    p += 3
                } else if b == 0x20, c == UInt8(ascii: "+") {
                    p += 1
                } else {
                    return 0
                }
            }
        }
        if wholeToken && !isTokenBoundary(buf, start: start, end: p) { return 0 }
        return p - start
    }

    /// The general matcher for the text form, used when a `%` or `\` of the secret meets the
    /// same character in the text (which may be the literal or the start of an escape). It
    /// simulates a small NFA: after each scalar, the set of text positions at which the scalar
    /// can have ended.
    static func matchTextAllPaths(
        _ form: RedactionTextForm, in buf: UnsafeBufferPointer<UInt8>, at start: Int, wholeToken: Bool,
        scratch: inout RedactionScratch
    ) -> Int {
        scratch.current.removeAll(keepingCapacity: true)
        scratch.current.append(start)
        for unit in form.units {
            scratch.next.removeAll(keepingCapacity: true)
            for position in scratch.current {
                if unit.shortEscape != 0, position + 1 < buf.count, buf[position] == UInt8(ascii: "\\"),
                    buf[position + 1] == unit.shortEscape
                {
                    insert(position + 2, into: &scratch.next)
                }
                if let end = matchUnicodeEscapes(unit.utf16, in: buf, at: position) {
                    insert(end, into: &scratch.next)
                }
                matchBytes(unit.bytes, 0, in: buf, at: position, into: &scratch.next)
            }
            if scratch.next.isEmpty { return 0 }
            swap(&scratch.current, &scratch.next)
        }
        var best = 0
        for end in scratch.current where end - start > best {
            if wholeToken && !isTokenBoundary(buf, start: start, end: end) { continue }
            best = end - start
        }
        return best
    }

    /// Adds every position at which `bytes[index...]` can end when written from `position`,
    /// each byte literally, as `%XX` (either case) or, for a space, as `+`.
    static func matchBytes(
        _ bytes: [UInt8], _ index: Int, in buf: UnsafeBufferPointer<UInt8>, at position: Int, into ends: inout [Int]
    ) {
        if index == bytes.count {
            insert(position, into: &ends)
            return
        }
        guard position < buf.count else { return }
        let expected = bytes[index]
        let actual = buf[position]
        if actual == expected {
            matchBytes(bytes, index + 1, in: buf, at: position + 1, into: &ends)
        }
        if actual == UInt8(ascii: "%"), position + 2 < buf.count {
            let high = RedactionBytes.hexValue(buf[position + 1])
            let low = RedactionBytes.hexValue(buf[position + 2])
            if high < 16, low < 16, high << 4 | low == expected {
                matchBytes(bytes, index + 1, in: buf, at: position + 3, into: &ends)
            }
        }
        if expected == 0x20, actual == UInt8(ascii: "+") {
            matchBytes(bytes, index + 1, in: buf, at: position + 1, into: &ends)
        }
    }

    /// The end of `\uXXXX` escapes (one per UTF-16 unit) at `position`, or `nil`.
    static func matchUnicodeEscapes(_ units: [UInt16], in buf: UnsafeBufferPointer<UInt8>, at position: Int)
        -> Int?
    {
        var p = position
        for unit in units {
            guard p + 5 < buf.count, buf[p] == UInt8(ascii: "\\"), buf[p + 1] == UInt8(ascii: "u") else { return nil }
            var value: UInt16 = 0
            for k in 2...5 {
                let digit = RedactionBytes.hexValue(buf[p + k])
                guard digit < 16 else { return nil }
                value = value << 4 | UInt16(digit)
            }
            guard value == unit else { return nil }
            p += 6
        }
        return p
    }

    static func insert(_ position: Int, into positions: inout [Int]) {
        if !positions.contains(position) { positions.append(position) }
    }

    static func isTokenBoundary(_ buf: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Bool {
        (start == 0 || !RedactionBytes.isAlphanumeric(buf[start - 1])) && (end == buf.count || !RedactionBytes.isAlphanumeric(buf[end]))
    }
}
