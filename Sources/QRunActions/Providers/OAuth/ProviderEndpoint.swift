import Foundation
import QRunCore

/// Validation of endpoints that credentials are sent to.
///
/// Credentials travel only over TLS: an `http://` endpoint is accepted for loopback hosts
/// (`127.0.0.1`, `::1`, `localhost`: test servers and local proxies) and refused everywhere else,
/// as RFC 7009 §5 and RFC 6749 §2.3.1 require.
public enum ProviderEndpoint {
    /// `text` as a base URL without a trailing slash.
    ///
    /// - Throws: ``ActionError`` (not retryable) naming `what` when the text is not an absolute
    ///   http(s) URL, or is plain http to a host other than loopback.
    public static func parse(_ text: String, what: String) throws(ActionError) -> URL {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
              scheme == "https" || scheme == "http" else {
            throw .invalid("\(what) '\(text)' is not an absolute http(s) URL")
        }
        if scheme == "http" && !isLoopback(host) {
            throw .invalid("\(what) '\(text)' must use https: qrun sends credentials only over TLS (plain http is allowed for 127.0.0.1 and localhost)")
        }
        return url
    }

    /// Whether `host` names this machine.
    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }

    /// `base` with `path` appended (`path` starts with `/`; its segments are already escaped).
    public static func url(_ base: URL, _ path: String, query: [(String, String)] = []) -> URL {
        var text = base.absoluteString + path
        if !query.isEmpty {
            text += "?" + PercentEncoding.form(query)
        }
        return URL(string: text)!
    }

    /// A path segment with everything but unreserved characters percent-encoded, so an id can
    /// never change the path it is placed in.
    public static func segment(_ text: String) -> String {
        PercentEncoding.uri(text)
    }
}
