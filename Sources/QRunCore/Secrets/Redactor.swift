import Foundation
import Synchronization

/// Masks every known secret value, in every encoding it is likely to appear in, with
/// `[REDACTED]`.
///
/// Every resolved ``SecretValue`` is registered here (the ``SecretResolver`` does it before it
/// returns the value), and everything qrun writes — logs, reports, step outputs, the store, a
/// child's captured output — goes through one of the `redact(_:)` overloads first.
///
/// ## What is masked
/// For every registered secret `s`, any occurrence of:
/// - **raw text** — the UTF-8 bytes of `s`;
/// - **JSON-escaped text** — `s` as it appears inside a JSON string literal from any encoder:
///   each character may be written literally, with its short escape (`\"`, `\\`, `\/`, `\b`,
///   `\f`, `\n`, `\r`, `\t`) or as `\uXXXX` in either hex case (surrogate pairs for characters
///   outside the BMP). This covers escaped and unescaped `/`, `\u000a`-style control characters
///   and ASCII-only (`ensure_ascii`) output;
/// - **URL-encoded text** — each byte may be written literally or as `%XX` in either hex case,
///   and a space also as `+`. This covers strict percent-encoding of everything but unreserved
///   characters, the `+`-for-space form encoding, and every encoder's choice of "safe"
///   characters, in upper, lower or mixed case;
/// - **hex** of the UTF-8 bytes, in lower, upper or mixed case;
/// - **base64** of the UTF-8 bytes, standard or URL-safe alphabet, with or without `=` padding;
/// - **base64 inside a longer blob**: when `s` is part of a larger byte string that is base64
///   encoded as a whole (a basic-auth header, a JSON document in a base64 field…), its encoding
///   depends on where it starts modulo 3. For each of the three alignments the redactor masks
///   the stable middle part — the characters whose 6 bits come only from bytes of `s` — when
///   that part is at least ``minimumEmbeddedBase64Length`` characters long (shorter ones would
///   match unrelated base64 too often). At most one character on each side, mixing at most
///   four bits of `s` with bits of its neighbours, stays visible.
///
/// Matching works on bytes and finds *all* occurrences of all forms, including overlapping
/// ones; the union of the matched ranges is replaced, each maximal run by one `[REDACTED]`.
/// So a longer form is never half-replaced by a shorter one, and two secrets that overlap are
/// both hidden. Because matching is byte-exact, a string that is canonically equivalent to a
/// secret but in a different Unicode normalization form is not masked.
///
/// ## Short secrets
/// Masking a very short value wherever it appears would destroy unrelated output (a secret `42`
/// would mask every `42` in a log), while masking it nowhere would leak it. The rule is:
/// - the empty string is ignored;
/// - a secret of **1 to 3 UTF-8 bytes** (under ``minimumSubstringLength``) is masked in all of
///   its forms, but **only as a whole token**: a match counts only if the bytes right before and
///   right after it are not ASCII letters or digits. `pin=123` and `"123"` are masked,
///   `port 8123` is not;
/// - a secret of **4 bytes or more** is masked wherever it appears, even inside a word.
///   Values of 4–7 bytes therefore over-mask: a secret `test` turns `testing` into
///   `[REDACTED]ing`. That is deliberate — over-masking is preferred to a leak — but provider
///   tokens should be long and random.
///
/// ## Concurrency
/// Registration and redaction may happen from any thread: the compiled patterns live behind a
/// `Synchronization.Mutex`. `redact(_:)` takes a snapshot of the patterns under the
/// lock and scans without holding it.
///
/// ## Limits
/// - Forms are not combined: the base64 of a JSON-escaped secret, or a secret escaped twice
///   (JSON inside a JSON string), is not recognised unless the secret has no character that
///   needs escaping (then every level shows it raw).
/// - Each call sees one buffer. A secret split across two chunks of a stream is not masked;
///   redact whole lines or whole captured outputs, not arbitrary chunks.
///
/// ## Performance
/// One left-to-right pass over the bytes. A table indexed by byte value lists the patterns that
/// can start there, each with the set of bytes that can come second, so most positions cost a
/// table lookup and a bit test. Measured in a release build (x86-64): 64 KiB with 20 registered
/// 40-byte tokens, about 0.3 ms; 64 KiB of URL- and JSON-heavy text against 20 webhook URLs
/// sharing a 35-byte prefix, under 2 ms.
public final class Redactor: Sendable {
    /// What every masked run is replaced with.
    public static let replacement = "[REDACTED]"

    /// Secrets shorter than this many UTF-8 bytes are masked only as whole tokens.
    public static let minimumSubstringLength = 4

    /// The shortest stable base64 middle part (for a secret embedded in a longer base64 blob)
    /// that is masked.
    public static let minimumEmbeddedBase64Length = 8

    private struct State: Sendable {
        var registered: Set<String> = []
        var engine = RedactionEngine()
    }

    private let state = Mutex(State())

    /// Creates a redactor with no registered secrets.
    public init() {}

    /// Registers a secret value; from now on every form of it is masked. Registering the same
    /// value again has no effect.
    public func register(_ secret: SecretValue) {
        register(rawValue: secret.reveal())
    }

    /// Registers a raw secret text (for values that do not come from a ``SecretResolver``,
    /// such as a token read from a provider's response). The empty string is ignored. See the
    /// type documentation for how values shorter than ``minimumSubstringLength`` bytes are
    /// treated.
    public func register(rawValue: String) {
        guard !rawValue.isEmpty else { return }
        state.withLock { state in
            guard state.registered.insert(rawValue).inserted else { return }
            state.engine.add(Array(rawValue.utf8))
        }
    }

    /// Whether no secret has been registered yet.
    public var isEmpty: Bool {
        state.withLock { $0.registered.isEmpty }
    }

    /// `text` with every occurrence of every form of every registered secret replaced by
    /// `[REDACTED]`.
    public func redact(_ text: String) -> String {
        Self.redact(text, with: snapshot())
    }

    /// `value` with every string redacted, recursively, including object keys.
    ///
    /// Numbers whose text form contains a secret (a numeric PIN, say) become the redacted
    /// string. When two keys of one object redact to the same text, the later ones (in sorted
    /// order of the original keys) get a `#2`, `#3`… suffix so that no entry is lost.
    public func redact(_ value: Value) -> Value {
        let engine = snapshot()
        if engine.isEmpty { return value }
        return Self.redact(value, with: engine)
    }

    /// `data` with every occurrence of every form of every registered secret replaced by the
    /// UTF-8 bytes of `[REDACTED]`. The search is byte-level, so binary data around the matches
    /// is preserved exactly.
    public func redact(_ data: Data) -> Data {
        let engine = snapshot()
        if engine.isEmpty { return data }
        let result: [UInt8]? = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            engine.redact(raw.assumingMemoryBound(to: UInt8.self))
        }
        guard let result else { return data }
        return Data(result)
    }

    private func snapshot() -> RedactionEngine {
        state.withLock { $0.engine }
    }

    private static func redact(_ text: String, with engine: RedactionEngine) -> String {
        if engine.isEmpty || text.isEmpty { return text }
        let result: [UInt8]?
        if let direct = text.utf8.withContiguousStorageIfAvailable({ engine.redact($0) }) {
            result = direct
        } else {
            result = Array(text.utf8).withUnsafeBufferPointer { engine.redact($0) }
        }
        guard let result else { return text }
        return String(decoding: result, as: UTF8.self)
    }

    private static func redact(_ value: Value, with engine: RedactionEngine) -> Value {
        switch value {
        case .null, .bool:
            return value
        case .int, .double:
            let text = value.interpolationText
            let redacted = redact(text, with: engine)
            return redacted == text ? value : .string(redacted)
        case .string(let s):
            return .string(redact(s, with: engine))
        case .array(let items):
            return .array(items.map { redact($0, with: engine) })
        case .object(let members):
            var result: [String: Value] = [:]
            result.reserveCapacity(members.count)
            for key in members.keys.sorted() {
                let base = redact(key, with: engine)
                var newKey = base
                var n = 2
                while result[newKey] != nil {
                    newKey = "\(base)#\(n)"
                    n += 1
                }
                result[newKey] = redact(members[key]!, with: engine)
            }
            return .object(result)
        }
    }
}

// MARK: - Matching engine

/// One compiled form of one secret.
private struct RedactionPattern: Sendable {
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

/// A set of bytes as four 64-bit words.
private struct RedactionByteSet: Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    static var all: RedactionByteSet { RedactionByteSet(words: (~0, ~0, ~0, ~0)) }

    mutating func insert(_ b: UInt8) {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    mutating func formUnion(_ other: RedactionByteSet) {
        words.0 |= other.words.0
        words.1 |= other.words.1
        words.2 |= other.words.2
        words.3 |= other.words.3
    }
}

/// A secret as text: for each Unicode scalar, its UTF-8 bytes, its short JSON escape if any,
/// and its UTF-16 code units (for `\uXXXX`).
private struct RedactionTextForm: Sendable {
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
private struct RedactionScratch {
    var current: [Int] = []
    var next: [Int] = []
}

/// The compiled patterns of all registered secrets plus a first-byte index (in CSR layout:
/// the patterns that can start with byte `b` are `entries[offsets[b] ..< offsets[b + 1]]`).
private struct RedactionEngine: Sendable {
    private var patterns: [RedactionPattern] = []
    private var offsets: [Int32] = Array(repeating: 0, count: 257)
    private var entries: [Int32] = []
    /// For each entry, the four words of the `RedactionByteSet` of bytes that can follow.
    private var masks: [UInt64] = []

    var isEmpty: Bool { patterns.isEmpty }

    /// Compiles every form of the secret with UTF-8 `bytes` (non-empty).
    mutating func add(_ bytes: [UInt8]) {
        let weak = bytes.count < Redactor.minimumSubstringLength
        patterns.append(RedactionPattern(kind: .text(RedactionTextForm(bytes)), bytes: bytes, wholeToken: weak))
        patterns.append(RedactionPattern(kind: .hex, bytes: RedactionBytes.hexDigits(bytes), wholeToken: weak))

        let full = RedactionBytes.base64Unpadded(bytes)
        patterns.append(RedactionPattern(kind: .base64(padding: (3 - bytes.count % 3) % 3), bytes: full, wholeToken: weak))
        if !weak {
            var seen: Set<[UInt8]> = [full]
            for shift in 0...2 {
                let inner = RedactionBytes.embeddedBase64(bytes, shift: shift)
                if inner.count >= Redactor.minimumEmbeddedBase64Length, seen.insert(inner).inserted {
                    patterns.append(RedactionPattern(kind: .base64(padding: 0), bytes: inner, wholeToken: false))
                }
            }
        }
        rebuildIndex()
    }

    private mutating func rebuildIndex() {
        var buckets = Array(repeating: [Int32](), count: 256)
        for (index, pattern) in patterns.enumerated() {
            for byte in pattern.firstBytes { buckets[Int(byte)].append(Int32(index)) }
        }
        entries = []
        masks = []
        for byte in 0..<256 {
            offsets[byte] = Int32(entries.count)
            for index in buckets[byte] {
                entries.append(index)
                let set = patterns[Int(index)].secondBytes(after: UInt8(byte))
                masks.append(contentsOf: [set.words.0, set.words.1, set.words.2, set.words.3])
            }
        }
        offsets[256] = Int32(entries.count)
    }

    /// The redacted bytes, or `nil` when nothing matched.
    func redact(_ buf: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        offsets.withUnsafeBufferPointer { offsets in
            entries.withUnsafeBufferPointer { entries in
                masks.withUnsafeBufferPointer { masks in
                    patterns.withUnsafeBufferPointer { patterns in
                        Self.scan(buf, offsets: offsets, entries: entries, masks: masks, patterns: patterns)
                    }
                }
            }
        }
    }

    /// One pass over `buf`: at each position, the longest match among the patterns indexed
    /// under the current byte whose second-byte set admits the next byte. Overlapping matches
    /// extend the current masked run.
    private static func scan(
        _ buf: UnsafeBufferPointer<UInt8>,
        offsets: UnsafeBufferPointer<Int32>,
        entries: UnsafeBufferPointer<Int32>,
        masks: UnsafeBufferPointer<UInt64>,
        patterns: UnsafeBufferPointer<RedactionPattern>
    ) -> [UInt8]? {
        let n = buf.count
        var out: [UInt8] = []
        var matched = false
        var copied = 0
        var runOpen = false
        var runEnd = 0
        var scratch = RedactionScratch()
        let replacement = Array(Redactor.replacement.utf8)

        for i in 0..<n {
            if runOpen && i >= runEnd {
                out.append(contentsOf: replacement)
                copied = runEnd
                runOpen = false
            }
            let byte = Int(buf[i])
            let lo = Int(offsets[byte])
            let hi = Int(offsets[byte + 1])
            guard lo < hi else { continue }
            let next = i + 1 < n ? Int(buf[i + 1]) : -1
            var best = 0
            for e in lo..<hi {
                if next >= 0 && (masks[4 * e + (next >> 6)] >> UInt64(next & 63)) & 1 == 0 { continue }
                let length = match(patterns[Int(entries[e])], in: buf, at: i, scratch: &scratch)
                if length > best { best = length }
            }
            guard best > 0 else { continue }
            if !runOpen {
                if !matched {
                    matched = true
                    out.reserveCapacity(n)
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[copied..<i]))
                runOpen = true
                runEnd = i + best
            } else if i + best > runEnd {
                runEnd = i + best
            }
        }
        guard matched else { return nil }
        if runOpen {
            out.append(contentsOf: replacement)
            copied = runEnd
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[copied..<n]))
        return out
    }

    /// The length of the longest match of `pattern` starting at `start`, or 0.
    private static func match(
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
    private static func matchText(
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
    private static func matchTextAllPaths(
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
    private static func matchBytes(
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
    private static func matchUnicodeEscapes(_ units: [UInt16], in buf: UnsafeBufferPointer<UInt8>, at position: Int)
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

    private static func insert(_ position: Int, into positions: inout [Int]) {
        if !positions.contains(position) { positions.append(position) }
    }

    private static func isTokenBoundary(_ buf: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> Bool {
        (start == 0 || !RedactionBytes.isAlphanumeric(buf[start - 1])) && (end == buf.count || !RedactionBytes.isAlphanumeric(buf[end]))
    }
}

// MARK: - Byte helpers

/// Byte-level helpers of the redaction engine (namespaced to stay out of the module scope).
private enum RedactionBytes {
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
