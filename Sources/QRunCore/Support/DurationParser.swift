import Foundation

/// Parses and prints durations written as `500ms`, `2s`, `1m30s`, `24h`, `7d`.
public enum DurationParser {
    /// Parses a duration; nil when the text is not one. Zero is allowed; negative is not.
    public static func parse(_ text: String) -> Duration? {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty else { return nil }
        var total: Duration = .zero
        var i = s.startIndex
        var sawUnit = false
        while i < s.endIndex {
            var j = i
            while j < s.endIndex, s[j].isASCII, s[j].isNumber || s[j] == "." { j = s.index(after: j) }
            guard j > i, let number = Double(s[i..<j]), number.isFinite, number >= 0 else { return nil }
            var k = j
            while k < s.endIndex, s[k].isASCII, s[k].isLetter { k = s.index(after: k) }
            let unit = String(s[j..<k])
            let seconds: Double
            switch unit {
            case "ms": seconds = number / 1000
            case "s": seconds = number
            case "m": seconds = number * 60
            case "h": seconds = number * 3600
            case "d": seconds = number * 86400
            default: return nil
            }
            guard seconds < 10 * 365 * 86400 else { return nil }
            total += .milliseconds(Int64((seconds * 1000).rounded()))
            sawUnit = true
            i = k
        }
        return sawUnit ? total : nil
    }

    /// A compact human form, e.g. `1m30s`, `250ms`.
    public static func format(_ d: Duration) -> String {
        let ms = d.milliseconds
        if ms < 1000 { return "\(ms)ms" }
        if ms % 1000 != 0 && ms < 60_000 { return String(format: "%.1fs", Double(ms) / 1000) }
        var rest = ms / 1000
        var out = ""
        for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] as [(String, Int64)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out.isEmpty ? "0s" : out
    }
}

extension Duration {
    /// Whole milliseconds (truncated).
    public var milliseconds: Int64 {
        let (s, atto) = components
        return s * 1000 + atto / 1_000_000_000_000_000
    }

    /// Seconds as a double.
    public var secondsDouble: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
