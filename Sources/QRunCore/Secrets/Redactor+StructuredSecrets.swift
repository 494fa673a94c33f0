import Foundation

extension Redactor {
    /// The shortest URL path or query that is registered as a secret of its own (shorter ones,
    /// such as `/` or `/api`, are routes rather than secrets and would mask unrelated text).
    public static let minimumURLPartLength = 8

    /// The parts of a structured secret that leak it on their own and are therefore masked too.
    ///
    /// For an absolute `http`, `https`, `ws` or `wss` URL (Slack, PagerDuty and most webhooks keep
    /// the secret in the path or the query, basic-auth URLs in the userinfo):
    /// - the path, and the path plus query, when at least ``minimumURLPartLength`` bytes long;
    /// - the query, and each query value of at least ``minimumURLPartLength`` bytes;
    /// - the userinfo password, and `user:password` (whose base64 form is the
    ///   `Authorization: Basic …` header a client sends for it).
    ///
    /// Other values derive nothing. The scheme and host are not secret and stay visible.
    public static func derivedSecrets(of value: String) -> [String] {
        guard value.count <= 8192, let url = URLComponents(string: value), let scheme = url.scheme?.lowercased(),
              ["http", "https", "ws", "wss"].contains(scheme), url.host != nil
        else { return [] }
        var out: [String] = []
        func add(_ part: String?, minimum: Int = minimumURLPartLength) {
            guard let part, part.utf8.count >= minimum else { return }
            out.append(part)
            if let decoded = part.removingPercentEncoding, decoded != part { out.append(decoded) }
        }
        let path = url.percentEncodedPath
        add(path)
        if let query = url.percentEncodedQuery {
            add(query)
            add(path + "?" + query)
            for item in query.split(separator: "&") {
                guard let eq = item.firstIndex(of: "=") else { add(String(item)); continue }
                add(String(item[item.index(after: eq)...]))
            }
        }
        if let password = url.percentEncodedPassword, !password.isEmpty {
            // A password of any length: it is a credential however short.
            add(password, minimum: 1)
            let user = url.percentEncodedUser ?? ""
            let pair = (user.removingPercentEncoding ?? user) + ":" + (password.removingPercentEncoding ?? password)
            out.append(pair)
        }
        return out
    }
}
