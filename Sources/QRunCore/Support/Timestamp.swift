import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// UTC timestamps as fixed-width ISO 8601 text with milliseconds (`2026-11-25T08:01:02.345Z`),
/// which sort as text in the store.
public enum Timestamp {
    /// Formats a date.
    public static func format(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        var secs = time_t(floor(t))
        var ms = Int((t - floor(t)) * 1000)
        if ms >= 1000 { ms = 999 }
        var tm = tm()
        gmtime_r(&secs, &tm)
        // Written in place: the engine formats a few of these per step.
        return String(unsafeUninitializedCapacity: 24) { out in
            func put(_ v: Int, _ at: Int, _ width: Int) {
                var x = v
                for i in stride(from: at + width - 1, through: at, by: -1) {
                    out[i] = UInt8(ascii: "0") + UInt8(x % 10)
                    x /= 10
                }
            }
            put(Int(tm.tm_year) + 1900, 0, 4); out[4] = UInt8(ascii: "-")
            put(Int(tm.tm_mon) + 1, 5, 2); out[7] = UInt8(ascii: "-")
            put(Int(tm.tm_mday), 8, 2); out[10] = UInt8(ascii: "T")
            put(Int(tm.tm_hour), 11, 2); out[13] = UInt8(ascii: ":")
            put(Int(tm.tm_min), 14, 2); out[16] = UInt8(ascii: ":")
            put(Int(tm.tm_sec), 17, 2); out[19] = UInt8(ascii: ".")
            put(ms, 20, 3); out[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// Parses what ``format(_:)`` wrote (and second-precision `…Z` forms).
    public static func parse(_ text: String) -> Date? {
        if let date = parseFixed(text) { return date }
        let parts = text.split(whereSeparator: { "-T:.Z".contains($0) }).compactMap { Int($0) }
        guard parts.count >= 6, (1...9999).contains(parts[0]), parts[1...5].allSatisfy({ (0...99).contains($0) }) else { return nil }
        var tm = tm()
        tm.tm_year = Int32(parts[0] - 1900)
        tm.tm_mon = Int32(parts[1] - 1)
        tm.tm_mday = Int32(parts[2])
        tm.tm_hour = Int32(parts[3])
        tm.tm_min = Int32(parts[4])
        tm.tm_sec = Int32(parts[5])
        let secs = timegm(&tm)
        let ms = parts.count > 6 ? Double(parts[6]) / 1000 : 0
        return Date(timeIntervalSince1970: Double(secs) + ms)
    }

    /// The fixed-width form ``format(_:)`` writes (`2026-11-25T08:01:02.345Z`), read byte by
    /// byte: the store reads three of them per step row.
    private static func parseFixed(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { b -> Date? in
            guard b.count == 24, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x2E, b[23] == 0x5A else { return nil }
            func number(_ from: Int, _ count: Int) -> Int? {
                var v = 0
                for i in from..<(from + count) {
                    let d = Int(b[i]) - 0x30
                    guard (0...9).contains(d) else { return nil }
                    v = v * 10 + d
                }
                return v
            }
            guard let year = number(0, 4), year >= 1, let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                  let minute = number(14, 2), let second = number(17, 2), let ms = number(20, 3) else { return nil }
            var tm = tm()
            tm.tm_year = Int32(year - 1900)
            tm.tm_mon = Int32(month - 1)
            tm.tm_mday = Int32(day)
            tm.tm_hour = Int32(hour)
            tm.tm_min = Int32(minute)
            tm.tm_sec = Int32(second)
            return Date(timeIntervalSince1970: Double(timegm(&tm)) + Double(ms) / 1000)
        }
    }
}
