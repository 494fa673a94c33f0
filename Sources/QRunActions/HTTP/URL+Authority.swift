import Foundation

extension URL {
    /// The host as it is written inside a URL or a `Host` header: an IPv6 literal in brackets
    /// (`[::1]`), anything else as is.
    ///
    /// Foundation's `host` drops the brackets of an IPv6 literal, so text rebuilt from it
    /// (`"http://\(host):\(port)"`) reads `http://::1:8200`, which is no URL at all, and a
    /// SigV4 canonical `host` header built from it differs from what libcurl sends.
    public var bracketedHost: String {
        guard let host, !host.isEmpty else { return "" }
        return host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }

    /// `host` or `host:port` exactly as an HTTP client writes it in the `Host` header: the port
    /// only when the URL gives one other than its scheme's default.
    public var authority: String {
        guard let port else { return bracketedHost }
        let scheme = self.scheme?.lowercased()
        let isDefault = (scheme == "https" && port == 443) || (scheme == "http" && port == 80)
        return isDefault ? bracketedHost : "\(bracketedHost):\(port)"
    }
}
