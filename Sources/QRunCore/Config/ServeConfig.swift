import Foundation
import Yams

/// The `serve:` section of `qrun.yaml`:
///
/// ```yaml
/// serve:
///   listen: 127.0.0.1:8470
///   grace: 30s                      # how long in-flight steps may take to finish on SIGTERM
///   principals:                     # who may use the API, each with a token (a secret reference)
///     alice: { token: "secret:env:QRUN_TOKEN_ALICE" }
///     bob:   { token: "secret:file:/etc/qrun/bob.token" }
/// ```
///
/// Tokens are never written in the file: only secret references are accepted.
public struct ServeConfig: Sendable {
    public var listen: String?
    public var grace: Duration?
    /// Principal name → secret reference of its bearer token.
    public var principals: [String: String] = [:]

    public init() {}

    static func parse(_ node: Node, at: (Node) -> SourceLocation, issues: inout [RunbookIssue]) -> ServeConfig {
        var c = ServeConfig()
        guard case .mapping(let m) = node else {
            issues.append(RunbookIssue(at(node), "serve is a map with keys listen, grace, principals"))
            return c
        }
        for (k, v) in m {
            switch k.string {
            case "listen":
                guard let s = v.string, !s.isEmpty else { issues.append(RunbookIssue(at(v), "serve.listen is HOST:PORT, e.g. 127.0.0.1:8470")); continue }
                c.listen = s
            case "grace":
                guard let s = v.string, let d = DurationParser.parse(s), d <= .seconds(3600) else {
                    issues.append(RunbookIssue(at(v), "serve.grace is a duration up to 1h, e.g. 30s"))
                    continue
                }
                c.grace = d
            case "principals":
                guard case .mapping(let pm) = v else { issues.append(RunbookIssue(at(v), "serve.principals maps names to {token: secret reference}")); continue }
                for (pk, pv) in pm {
                    guard let name = pk.string, name.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"#, options: .regularExpression) != nil else {
                        issues.append(RunbookIssue(at(pk), "a principal name is letters, digits, '_', '.', '@' or '-' (up to 64)"))
                        continue
                    }
                    guard case .mapping(let fields) = pv, fields.count == 1, let tk = fields.first, tk.key.string == "token",
                          let ref = tk.value.string else {
                        issues.append(RunbookIssue(at(pv), "principal '\(name)' takes exactly one key, token, a secret reference such as \"secret:env:QRUN_TOKEN_\(name.uppercased())\""))
                        continue
                    }
                    guard (try? SecretReference.parse(ref)) != nil else {
                        issues.append(RunbookIssue(at(tk.value), "the token of principal '\(name)' must be a secret reference (secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD), never the token itself"))
                        continue
                    }
                    c.principals[name] = ref
                }
            default:
                issues.append(RunbookIssue(at(k), "unknown serve setting '\(k.string ?? "?")'; serve takes listen, grace, principals"))
            }
        }
        return c
    }
}
