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
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var x = v
            for i in stride(from: width - 1, through: 0, by: -1) {
                digits[i] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
            }
            out += digits
        }
        put(Int(tm.tm_year) + 1900, 4); out.append(UInt8(ascii: "-"))
        put(Int(tm.tm_mon) + 1, 2); out.append(UInt8(ascii: "-"))
        put(Int(tm.tm_mday), 2); out.append(UInt8(ascii: "T"))
        put(Int(tm.tm_hour), 2); out.append(UInt8(ascii: ":"))
        put(Int(tm.tm_min), 2); out.append(UInt8(ascii: ":"))
        put(Int(tm.tm_sec), 2); out.append(UInt8(ascii: "."))
        put(ms, 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses what ``format(_:)`` wrote (and second-precision `…Z` forms).
    public static func parse(_ text: String) -> Date? {
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
}
