import Foundation
import Yams

extension RunbookBuilder {
    /// Checks `with` against the action's parameter list: unknown, missing, wrongly typed, secrets.
    mutating func checkParameters(_ withNode: Node?, descriptor: ActionDescriptor, step: String, usesNode: Node) {
        var given: [String: Node] = [:]
        if case .mapping(let m)? = withNode {
            for (k, v) in m {
                guard let key = scalarString(k) else { continue }
                given[key] = v
                checkCredentials(in: v, parameter: key, what: "parameter '\(key)' of \(descriptor.name) in \(step)")
                guard let spec = descriptor.parameter(key) else {
                    if !descriptor.acceptsUnknownParameters {
                        let names = descriptor.parameters.map(\.name)
                        let hint = Suggest.closest(to: key, in: names).map { "; did you mean '\($0)'?" }
                            ?? (names.isEmpty ? "; it takes no parameters" : "; it takes \(names.joined(separator: ", "))")
                        fail(k, "unknown parameter '\(key)' for action \(descriptor.name) in \(step)\(hint)")
                    } else {
                        checkSecretReferences(in: v, what: "parameter '\(key)' of \(descriptor.name) in \(step)", forbidden: false)
                    }
                    continue
                }
                checkParameter(v, spec: spec, what: "parameter '\(spec.name)' of \(descriptor.name) in \(step)")
            }
        }
        for spec in descriptor.parameters where spec.required && given[spec.name] == nil {
            fail(withNode ?? usesNode, "\(step) is missing required parameter '\(spec.name)' of \(descriptor.name); add it under with:")
        }
    }

    mutating func checkParameter(_ node: Node, spec: ParameterSpec, what: String) {
        let mustBeSecret = "\(what) must be a secret reference (secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD), never the secret itself"
        guard case .scalar = node else {
            if spec.secret == .required {
                fail(node, mustBeSecret)
                return
            }
            checkSecretReferences(in: node, what: what, forbidden: spec.secret == .forbidden)
            // Items may hold templates, whose type is known only at run time: then check the shape only.
            let shape: Value = { if case .sequence = node { return .array([]) }; return .object([:]) }()
            if !spec.accepts(staticValue(node) ?? shape) {
                fail(node, "\(what) must be \(article(spec.kind)); found \(describe(staticValue(node) ?? shape, secretForbidden: spec.secret == .forbidden))")
            }
            return
        }
        let v = scalarValue(node)
        if case .string(let s) = v {
            if s.hasPrefix(SecretReference.prefix) {
                if spec.secret == .forbidden {
                    fail(node, "\(what) cannot take a secret reference: its value is not treated as secret and would show in logs and reports; "
                         + "give a plain value, or pass the secret to a parameter that accepts one (docs/runbooks.md, column secret)")
                } else if let problem = InputCoercion.secretReferenceProblem(s) {
                    fail(node, "\(what) \(problem)")
                }
                return
            }
            if s.contains("${{") { return }
        }
        if spec.secret == .required {
            fail(node, mustBeSecret)
            return
        }
        guard !spec.accepts(v) else { return }
        if spec.kind == .duration, case .string(let s) = v {
            let found = spec.secret == .forbidden ? "'\(s)', which is not one" : "a string that is not one"
            fail(node, "\(what) must be a duration like 500ms, 30s, 5m or 24h; found \(found)")
        } else {
            fail(node, "\(what) must be \(article(spec.kind)); found \(describe(v, secretForbidden: spec.secret == .forbidden))")
        }
    }

    /// Reports secret references nested in a list or map: malformed ones, and any at all when forbidden.
    mutating func checkSecretReferences(in node: Node, what: String, forbidden: Bool) {
        switch node {
        case .scalar:
            guard let s = scalarString(node), s.hasPrefix(SecretReference.prefix) else { return }
            if forbidden {
                fail(node, "\(what) cannot hold a secret reference: its value is not treated as secret and would show in logs and reports; "
                 + "give a plain value, or pass the secret to a parameter that accepts one (docs/runbooks.md, column secret)")
            } else if let problem = InputCoercion.secretReferenceProblem(s) {
                fail(node, "\(what) holds a value that \(problem)")
            }
        case .sequence(let items):
            for item in items { checkSecretReferences(in: item, what: what, forbidden: forbidden) }
        case .mapping(let m):
            for (_, v) in m { checkSecretReferences(in: v, what: what, forbidden: forbidden) }
        case .alias:
            break
        }
    }

    /// The value of a literal tree; nil when a string in it holds a `${{ }}` template.
    func staticValue(_ node: Node) -> Value? {
        switch node {
        case .scalar:
            let v = scalarValue(node)
            if case .string(let s) = v, s.contains("${{") { return nil }
            return v
        case .sequence(let items):
            var out: [Value] = []
            for item in items {
                guard let v = staticValue(item) else { return nil }
                out.append(v)
            }
            return .array(out)
        case .mapping(let m):
            var out: [String: Value] = [:]
            for (k, v) in m {
                guard let key = scalarString(k), let value = staticValue(v) else { return nil }
                out[key] = value
            }
            return .object(out)
        case .alias:
            return nil
        }
    }

    /// What was found, for a type error. The value itself is shown only where it cannot be a secret.
    func describe(_ v: Value, secretForbidden: Bool) -> String {
        let kind: String
        switch v {
        case .null: return "nothing (null)"
        case .int: kind = "an integer"
        case .array(let items) where !items.isEmpty && secretForbidden:
            return "a list holding \(items.map(\.typeName).uniqued().joined(separator: ", ")) items"
        case .array: kind = "a list"
        case .object: kind = "a map"
        default: kind = "a \(v.typeName)"
        }
        guard secretForbidden, !v.interpolationText.isEmpty else { return kind }
        switch v {
        case .array, .object: return kind
        default: return "\(kind), '\(v.interpolationText)'"
        }
    }

    func article(_ kind: ParameterSpec.Kind) -> String {
        switch kind {
        case .int: return "an integer"
        case .any: return "any value"
        case .duration: return "a duration like 30s"
        case .intOrList: return "an integer or a list of integers"
        case .stringOrMap: return "a string or a map"
        default: return "a \(kind.rawValue)"
        }
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each kept once.
    fileprivate func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
