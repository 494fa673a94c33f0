import Foundation

/// Where a text was cut off from a longer one (by an output limit, a tail, a snippet).
public struct TextCut: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The text is the beginning of a longer one: its end may be the first part of a secret.
    public static let end = TextCut(rawValue: 1)
    /// The text is the end of a longer one: its start may be the last part of a secret.
    public static let start = TextCut(rawValue: 2)
}

extension Redactor {
    /// The shortest fragment of a secret, at the edge where a text was cut, that is masked.
    /// Shorter ones carry too little of a secret to matter and would mask ordinary text.
    public static let minimumFragmentLength = 3

    /// `text` redacted as by ``redact(_:)-(String)``, and where it was cut (`cut`), a fragment at
    /// that edge that is the beginning (for ``TextCut/end``) or the end (for ``TextCut/start``) of
    /// a registered secret of at least ``minimumSubstringLength`` bytes is masked too, when it is
    /// ``minimumFragmentLength`` bytes or longer.
    ///
    /// Use it for text that was cut before qrun could see the whole of it (a child's output
    /// captured up to a limit). Fragments are matched in their raw form only.
    public func redact(_ text: String, cut: TextCut) -> String {
        var out = redact(text)
        guard !cut.isEmpty, !out.isEmpty else { return out }
        let secrets = registeredValues.filter { $0.utf8.count >= Self.minimumSubstringLength }
        guard !secrets.isEmpty else { return out }
        var bytes = Array(out.utf8)
        if cut.contains(.end) {
            let k = secrets.map { Self.longestSuffix(of: bytes, thatPrefixes: Array($0.utf8)) }.max() ?? 0
            if k >= Self.minimumFragmentLength { bytes = Array(bytes.dropLast(k)) + Array(Self.replacement.utf8) }
        }
        if cut.contains(.start) {
            let k = secrets.map { Self.longestPrefix(of: bytes, thatSuffixes: Array($0.utf8)) }.max() ?? 0
            if k >= Self.minimumFragmentLength { bytes = Array(Self.replacement.utf8) + Array(bytes.dropFirst(k)) }
        }
        out = String(decoding: bytes, as: UTF8.self)
        return out
    }

    /// At most `maxCharacters` characters of the start of `text`, secrets masked *before* the cut
    /// (so the cut never leaves part of one). `wasCut` says the text itself was already cut at
    /// its end (a capped capture): a secret's first part there is masked too.
    public func prefix(of text: String, maxCharacters: Int, wasCut: Bool = false) -> String {
        let masked = redact(text, cut: wasCut ? .end : [])
        return masked.count <= maxCharacters ? masked : String(masked.prefix(maxCharacters))
    }

    /// At most `maxBytes` UTF-8 bytes of the end of `data` (a tail), as text, secrets masked before
    /// the cut; the part of a secret the cut leaves at the start is masked too.
    public func suffix(of data: Data, maxBytes: Int, wasCutAtEnd: Bool = false) -> String {
        let whole = redact(String(decoding: data, as: UTF8.self), cut: wasCutAtEnd ? .end : [])
        let bytes = Array(whole.utf8)
        guard bytes.count > maxBytes else { return whole }
        var start = bytes.count - maxBytes
        // Start on a character boundary (skip UTF-8 continuation bytes).
        while start < bytes.count, bytes[start] & 0xC0 == 0x80 { start += 1 }
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    /// The largest `k < secret.count` such that the last `k` bytes of `text` are the first `k`
    /// bytes of `secret`.
    static func longestSuffix(of text: [UInt8], thatPrefixes secret: [UInt8]) -> Int {
        let window = min(text.count, secret.count - 1)
        guard window > 0 else { return 0 }
        var i = text.count - window
        while i < text.count {
            if text[i] == secret[0] {
                let k = text.count - i
                if text[i...].elementsEqual(secret[0..<k]) { return k }
            }
            i += 1
        }
        return 0
    }

    /// The largest `k < secret.count` such that the first `k` bytes of `text` are the last `k`
    /// bytes of `secret`.
    static func longestPrefix(of text: [UInt8], thatSuffixes secret: [UInt8]) -> Int {
        let window = min(text.count, secret.count - 1)
        guard window > 0 else { return 0 }
        var k = window
        while k > 0 {
            if text[k - 1] == secret[secret.count - 1], text[0..<k].elementsEqual(secret[(secret.count - k)...]) { return k }
            k -= 1
        }
        return 0
    }
}
