import Foundation
import QRunCore

/// Checks the URLs qrun sends Azure credentials and bearer tokens to.
///
/// Only `https` is accepted, except plain `http` to the loopback interface (`127.0.0.1`,
/// `localhost`, `::1`), which exists for local test servers and must be given explicitly.
/// Query strings, fragments and user info are refused: a bearer token must never travel to a
/// place the operator did not name exactly.
enum AzureEndpoint {
    /// Host names that are the local machine.
    static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]"]

    /// Parses `text` as a base URL (no trailing slash) for `what` (e.g. "the Graph endpoint").
    ///
    /// - Throws: ``ActionError`` (not retryable) naming `what` and `setting` when the URL is
    ///   malformed, not https, or carries a query, fragment or credentials.
    static func base(_ text: String, what: String, setting: String) throws(ActionError) -> URL {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let c = URLComponents(string: trimmed), let scheme = c.scheme?.lowercased(), let host = c.host, !host.isEmpty,
              let url = c.url else {
            throw .invalid("\(what) '\(text)' is not a URL; set \(setting) to a URL such as https://host")
        }
        guard c.query == nil, c.fragment == nil, c.user == nil, c.password == nil else {
            throw .invalid("\(what) '\(c.scheme ?? "")://\(host)…' must not carry a query, fragment or credentials; fix \(setting)")
        }
        switch scheme {
        case "https":
            return url
        case "http" where loopbackHosts.contains(host.lowercased()):
            return url
        default:
            throw .invalid("\(what) '\(trimmed)' must use https (plain http is allowed only to 127.0.0.1 for tests); fix \(setting)")
        }
    }

    /// Whether `url` points at the local machine.
    static func isLoopback(_ url: URL) -> Bool {
        loopbackHosts.contains((url.host ?? "").lowercased())
    }

    /// `base` with `path` appended literally (each segment already validated by the caller) and
    /// the given query items.
    static func url(_ base: URL, _ path: String, query: [(String, String)] = []) -> URL {
        var c = URLComponents(url: base, resolvingAgainstBaseURL: false)!
        c.percentEncodedPath = c.percentEncodedPath + path
        if !query.isEmpty {
            c.percentEncodedQuery = PercentEncoding.form(query)
        }
        return c.url!
    }

    /// Whether `text` is a GUID in its canonical 8-4-4-4-12 form (Graph object and key ids).
    static func isGUID(_ text: String) -> Bool {
        text.count == 36 && UUID(uuidString: text) != nil
    }
}
