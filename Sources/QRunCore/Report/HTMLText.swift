/// HTML- and SVG-safe text for the review. Values in a report come from runs, providers and
/// alerts: they are data and must never become markup, an attribute break-out or a script, in
/// element content, in attributes (always quoted) and inside inline SVG alike.
enum HTMLText {
    /// Escapes `& < > " '`; control characters other than tab and line breaks (which HTML and
    /// XML reject) become U+FFFD.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u.value == 0xFFFE || u.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    /// At most `limit` characters, with an ellipsis when cut (before escaping, so no entity is cut).
    static func clipped(_ s: String, _ limit: Int) -> String {
        s.count <= limit ? s : String(s.prefix(max(1, limit - 1))) + "…"
    }
}
