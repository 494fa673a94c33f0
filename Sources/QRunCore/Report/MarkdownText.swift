/// Markdown-safe text for the review: values in a report come from runs, providers and alerts, so
/// they are data and must never become markup (raw HTML, a link, a broken table, a code span that
/// ends early).
enum MarkdownText {
    /// Plain text: HTML and Markdown punctuation escaped, on one line, safe in a table cell.
    static func text(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\n", "\r", "\t": out += " "
            case "\\", "`", "*", "_", "[", "]", "|", "#", "!", "~": out += "\\\(ch)"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A code span that holds `s` literally: its fence is longer than any run of backticks in it,
    /// pipes are escaped for tables, and line breaks become spaces.
    static func code(_ s: String) -> String {
        let flat = s.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "|", with: "\\|")
        var longest = 0
        var run = 0
        for ch in flat {
            run = ch == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = longest > 0 || flat.hasPrefix(" ") || flat.hasSuffix(" ") ? " " : ""
        return fence + pad + flat + pad + fence
    }
}
