import Foundation
import Yams

/// The optional workspace config file, `qrun.yaml` at the workspace root:
///
/// ```yaml
/// providers:
///   vault: { address: "https://vault.example:8200", token: "secret:file:/etc/qrun/vault-token" }
///   ibm:   { iam_endpoint: "https://iam.cloud.ibm.com", api_key: "secret:env:IBMCLOUD_API_KEY" }
/// engine:
///   max_parallel: 16
/// ```
///
/// Provider values are plain scalars; credentials must be secret references (checked by the
/// provider module). Unknown top-level keys are refused so a typo never silently drops a setting.
public struct WorkspaceConfig: Sendable {
    public var providers: [String: [String: String]] = [:]
    public var maxParallel: Int?
    public var path: String?
    /// `serve:` — the daemon's settings.
    public var serve = ServeConfig()

    public init() {}

    /// Reads `path`; a missing file is an empty config.
    public static func load(path: String) throws(RunbookValidationError) -> WorkspaceConfig {
        var config = WorkspaceConfig()
        guard FileManager.default.fileExists(atPath: path) else { return config }
        config.path = path
        let start = SourceLocation(file: path, line: 1, column: 1)
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20,
              let text = String(data: data, encoding: .utf8) else {
            throw RunbookValidationError([RunbookIssue(start, "cannot read the workspace config (or it is over 1 MiB)")])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw RunbookValidationError([RunbookLoader(catalog: ActionRegistry()).issue(for: e, path: path, text: text)])
        } catch {
            throw RunbookValidationError([RunbookIssue(start, "cannot parse the workspace config: \(error)")])
        }
        guard let root else { return config }
        func at(_ n: Node) -> SourceLocation { SourceLocation(file: path, line: n.mark?.line ?? 1, column: n.mark?.column ?? 1) }
        guard case .mapping(let top) = root else {
            throw RunbookValidationError([RunbookIssue(at(root), "the workspace config is a map with keys providers and engine")])
        }
        var issues: [RunbookIssue] = []
        for (k, v) in top {
            switch k.string {
            case "providers":
                guard case .mapping(let providers) = v else { issues.append(RunbookIssue(at(v), "providers is a map of provider names to settings")); continue }
                for (pk, pv) in providers {
                    guard let name = pk.string, case .mapping(let settings) = pv else {
                        issues.append(RunbookIssue(at(pv), "each provider's settings are a map of keys to values"))
                        continue
                    }
                    var values: [String: String] = [:]
                    for (sk, sv) in settings {
                        guard let key = sk.string, case .scalar(let s) = sv else {
                            issues.append(RunbookIssue(at(sv), "provider settings are plain values"))
                            continue
                        }
                        values[key] = s.string
                    }
                    config.providers[name] = values
                }
            case "engine":
                guard case .mapping(let engine) = v else { issues.append(RunbookIssue(at(v), "engine is a map")); continue }
                for (ek, ev) in engine {
                    if ek.string == "max_parallel", let n = ev.int, (1...1024).contains(n) {
                        config.maxParallel = n
                    } else {
                        issues.append(RunbookIssue(at(ek), "unknown or invalid engine setting '\(ek.string ?? "?")'; engine takes max_parallel (1–1024)"))
                    }
                }
            case "serve":
                config.serve = ServeConfig.parse(v, at: at, issues: &issues)
            default:
                issues.append(RunbookIssue(at(k), "unknown key '\(k.string ?? "?")' in the workspace config; allowed keys are providers, engine, serve"))
            }
        }
        if !issues.isEmpty { throw RunbookValidationError(issues) }
        return config
    }
}
