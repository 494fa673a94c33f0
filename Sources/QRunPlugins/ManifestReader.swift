import Foundation
import QRunCore
import Yams

/// Walks a composed `plugin.yaml` node tree, collecting issues with their positions.
struct ManifestReader {
    let path: String
    var issues: [RunbookIssue] = []

    init(path: String) { self.path = path }

    static let topKeys = ["name", "version", "protocol", "executable", "timeout", "env_allow", "actions"]
    static let actionKeys = ["name", "summary", "parameters", "verbs"]
    static let parameterKeys = ["name", "type", "required", "secret", "description"]
    static let kinds: [String: ParameterSpec.Kind] = [
        "string": .string, "int": .int, "bool": .bool, "duration": .duration, "list": .list, "map": .map, "any": .any,
    ]
    static let secretPolicies: [String: ParameterSpec.SecretPolicy] = ["forbidden": .forbidden, "allowed": .allowed, "required": .required]

    /// The position of a parser error.
    static func issue(for error: YamlError, path: String) -> RunbookIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return RunbookIssue(SourceLocation(file: path, line: mark.line, column: mark.column), "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return RunbookIssue(SourceLocation(file: path, line: context.mark.line, column: context.mark.column),
                                "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in the same map; remove one of them")
        default:
            return RunbookIssue(SourceLocation(file: path, line: 1, column: 1), "cannot parse YAML: \(error)")
        }
    }

    func at(_ n: Node) -> SourceLocation { SourceLocation(file: path, line: n.mark?.line ?? 1, column: n.mark?.column ?? 1) }

    mutating func fail(_ n: Node, _ message: String) { issues.append(RunbookIssue(at(n), message)) }

    /// A plain scalar's text, or an issue.
    mutating func scalar(_ n: Node, _ what: String) -> String? {
        guard case .scalar(let s) = n else { fail(n, "\(what) must be a plain value"); return nil }
        return s.string
    }

    mutating func checkKeys(_ map: Node.Mapping, allowed: [String], in what: String) {
        for (k, _) in map where !allowed.contains(k.string ?? "") {
            fail(k, "unknown key '\(k.string ?? "?")' in \(what); allowed keys are \(allowed.joined(separator: ", "))")
        }
    }

    static func matches(_ s: String, _ pattern: String) -> Bool {
        s.range(of: pattern, options: .regularExpression) != nil
    }

    mutating func manifest(_ top: Node.Mapping, root: Node, directory: String) -> PluginManifest? {
        checkKeys(top, allowed: Self.topKeys, in: "the plugin manifest")
        var name = ""
        if let n = top["name"], let s = scalar(n, "name") {
            if Self.matches(s, "^[a-z0-9][a-z0-9-]{0,62}$") { name = s } else {
                fail(n, "plugin name '\(s)' must be lowercase letters, digits and dashes (at most 63)")
            }
        } else if top["name"] == nil { fail(root, "the plugin manifest needs a name") }
        let version = top["version"].flatMap { scalar($0, "version") } ?? ""
        if let p = top["protocol"] {
            if p.int != PluginProtocolVersion.supported {
                fail(p, "protocol must be \(PluginProtocolVersion.supported), the only plugin protocol this qrun speaks")
            }
        } else { fail(root, "the plugin manifest needs protocol: \(PluginProtocolVersion.supported)") }
        var executable = ""
        if let e = top["executable"], let s = scalar(e, "executable") {
            let full = ((directory as NSString).appendingPathComponent(s) as NSString).standardizingPath
            if s.isEmpty || s.hasPrefix("/") || !full.hasPrefix(directory + "/") {
                fail(e, "executable '\(s)' must be a path relative to the plugin folder and stay inside it")
            } else { executable = full }
        } else if top["executable"] == nil { fail(root, "the plugin manifest needs executable: the program's path relative to the plugin folder") }
        var timeout = PluginManifest.defaultTimeout
        if let t = top["timeout"], let s = scalar(t, "timeout") {
            if let d = DurationParser.parse(s), d > .zero, d <= .seconds(3600) { timeout = d } else {
                fail(t, "timeout '\(s)' must be a duration between 1s and 1h, like 60s or 5m")
            }
        }
        var allow: [String] = []
        if let a = top["env_allow"] {
            if case .sequence(let seq) = a {
                for item in seq {
                    guard let s = scalar(item, "each env_allow entry") else { continue }
                    if Self.matches(s, "^[A-Za-z_][A-Za-z0-9_]*$") { allow.append(s) } else {
                        fail(item, "env_allow entry '\(s)' is not an environment variable name")
                    }
                }
            } else { fail(a, "env_allow is a list of environment variable names") }
        }
        var actions: [PluginActionSpec] = []
        if let a = top["actions"] {
            if case .sequence(let seq) = a, !seq.isEmpty {
                for item in seq {
                    if let spec = action(item) {
                        if actions.contains(where: { $0.name == spec.name }) {
                            fail(item, "action '\(spec.name)' is declared twice")
                        } else { actions.append(spec) }
                    }
                }
            } else { fail(a, "actions is a non-empty list of actions") }
        } else { fail(root, "the plugin manifest needs actions: a list of the actions it provides") }
        guard issues.isEmpty else { return nil }
        return PluginManifest(name: name, version: version, directory: directory, manifestPath: path, executablePath: executable,
                              timeout: timeout, environmentAllowList: allow, actions: actions)
    }

    mutating func action(_ node: Node) -> PluginActionSpec? {
        guard case .mapping(let map) = node else { fail(node, "each action is a map with name, summary, parameters and verbs"); return nil }
        let before = issues.count
        checkKeys(map, allowed: Self.actionKeys, in: "an action")
        var name = ""
        if let n = map["name"], let s = scalar(n, "an action's name") {
            if Self.matches(s, "^[a-z0-9][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)+$") { name = s } else {
                fail(n, "action name '\(s)' must be dotted lowercase words, provider first, like k8s.pod.delete")
            }
        } else if map["name"] == nil { fail(node, "each action needs a name") }
        let summary = map["summary"].flatMap { scalar($0, "summary") } ?? ""
        if map["summary"] == nil { fail(node, "action '\(name)' needs a summary") }
        var verbs = Set<ActionVerb>()
        if let v = map["verbs"], case .sequence(let seq) = v {
            for item in seq {
                guard let s = scalar(item, "a verb") else { continue }
                if let verb = ActionVerb(rawValue: s) { verbs.insert(verb) } else { fail(item, "unknown verb '\(s)'; verbs are plan, apply and verify") }
            }
            if !verbs.contains(.apply) { fail(v, "action '\(name)' must answer apply") }
        } else { fail(map["verbs"] ?? node, "action '\(name)' needs verbs: a list of plan, apply, verify") }
        var params: [ParameterSpec] = []
        if let p = map["parameters"] {
            if case .sequence(let seq) = p {
                for item in seq {
                    if let spec = parameter(item) {
                        if params.contains(where: { $0.name == spec.name }) { fail(item, "parameter '\(spec.name)' is declared twice") } else { params.append(spec) }
                    }
                }
            } else { fail(p, "parameters is a list of parameters") }
        }
        guard issues.count == before else { return nil }
        return PluginActionSpec(name: name, summary: summary, parameters: params, verbs: verbs)
    }

    mutating func parameter(_ node: Node) -> ParameterSpec? {
        guard case .mapping(let map) = node else { fail(node, "each parameter is a map with name, type, required, secret, description"); return nil }
        let before = issues.count
        checkKeys(map, allowed: Self.parameterKeys, in: "a parameter")
        var name = ""
        if let n = map["name"], let s = scalar(n, "a parameter's name") {
            if Self.matches(s, "^[a-z_][a-z0-9_]*$") { name = s } else { fail(n, "parameter name '\(s)' must be lowercase letters, digits and underscores") }
        } else if map["name"] == nil { fail(node, "each parameter needs a name") }
        var kind = ParameterSpec.Kind.string
        if let t = map["type"], let s = scalar(t, "type") {
            if let k = Self.kinds[s] { kind = k } else { fail(t, "unknown type '\(s)'; types are string, int, bool, duration, list, map, any") }
        } else if map["type"] == nil { fail(node, "parameter '\(name)' needs a type") }
        var required = false
        if let r = map["required"] {
            if let b = r.bool { required = b } else { fail(r, "required is true or false") }
        }
        var secret = ParameterSpec.SecretPolicy.forbidden
        if let s = map["secret"], let text = scalar(s, "secret") {
            if let p = Self.secretPolicies[text] { secret = p } else { fail(s, "secret is forbidden, allowed or required, not '\(text)'") }
        }
        let description = map["description"].flatMap { scalar($0, "description") } ?? ""
        guard issues.count == before else { return nil }
        return ParameterSpec(name, kind, required: required, secret: secret, description: description)
    }
}

/// The protocol version manifests must declare.
enum PluginProtocolVersion {
    static let supported = 1
}
