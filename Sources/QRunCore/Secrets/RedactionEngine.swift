import Foundation

/// The compiled patterns of all registered secrets plus a first-byte index (in CSR layout:
/// the patterns that can start with byte `b` are `entries[offsets[b] ..< offsets[b + 1]]`).
struct RedactionEngine: Sendable {
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
    static func scan(
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
}
