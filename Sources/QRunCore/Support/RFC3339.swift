import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Strict RFC 3339 timestamps for inputs (`since: 2026-11-25T06:00:00Z`).
enum RFC3339 {
    /// The UTC form (`YYYY-MM-DDTHH:MM:SSZ`) of an RFC 3339 date-time, or of a date alone
    /// (midnight UTC); nil for anything else, including impossible dates such as February 30th.
    static func normalise(_ text: String) -> String? {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard s.count <= 40, let m = s.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2}))?/) else {
            return nil
        }
        guard let year = Int(m.1), let month = Int(m.2), let day = Int(m.3), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, offset = 0
        if let h = m.4, let mi = m.5, let se = m.6, let zone = m.7 {
            guard let hh = Int(h), let mm = Int(mi), let ss = Int(se), hh < 24, mm < 60, ss <= 60 else { return nil }
            (hour, minute, second) = (hh, mm, min(ss, 59))
            if zone.count == 6 {
                let sign = zone.first == "-" ? -1 : 1
                guard let oh = Int(zone.dropFirst().prefix(2)), let om = Int(zone.suffix(2)), oh < 24, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        var t = tm()
        t.tm_year = Int32(year - 1900)
        t.tm_mon = Int32(month - 1)
        t.tm_mday = Int32(day)
        t.tm_hour = Int32(hour)
        t.tm_min = Int32(minute)
        t.tm_sec = Int32(second)
        var secs = timegm(&t)
        // timegm normalises 30 February to 2 March: such a date is refused, not moved.
        var back = tm()
        gmtime_r(&secs, &back)
        guard back.tm_mday == Int32(day), back.tm_mon == Int32(month - 1) else { return nil }
        secs -= time_t(offset)
        gmtime_r(&secs, &back)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(back.tm_year) + 1900, Int(back.tm_mon) + 1, Int(back.tm_mday),
                      Int(back.tm_hour), Int(back.tm_min), Int(back.tm_sec))
    }
}
