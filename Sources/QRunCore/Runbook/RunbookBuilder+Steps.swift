import Foundation
import Yams

extension RunbookBuilder {
    static let stepKeys = ["id", "uses", "with", "needs", "if", "retry", "timeout", "description"]
    static let retryKeys = ["max_attempts", "backoff", "initial", "max", "jitter"]

    mutating func buildSteps(_ node: Node, phase: StepSpec.Phase) -> [StepSpec] {
        let where_ = phase == .main ? "steps" : "on_failure"
        guard case .sequence(let seq) = node else {
            fail(node, "\(where_) must be a list of steps, each with id and uses")
            return []
        }
        var out: [StepSpec] = []
        for item in seq {
            if let step = buildStep(item, phase: phase) { out.append(step) }
        }
        return out
    }

    mutating func buildStep(_ item: Node, phase: StepSpec.Phase) -> StepSpec? {
        guard case .mapping(let m) = item else {
            fail(item, "a step must be a map with id and uses")
            return nil
        }
        let f = members(m, allowed: Self.stepKeys, context: "in a step")
        var ok = true
        var id = ""
        var idNode = item
        if let n = f["id"] {
            idNode = n
            if let s = scalarString(n), s.range(of: #"^[a-z0-9][a-z0-9-]{0,63}$"#, options: .regularExpression) != nil {
                id = s
            } else {
                fail(n, "step id must be lower-case letters, digits and '-' (e.g. revoke-token), at most 64 characters")
                ok = false
            }
        } else {
            fail(item, "step is missing 'id'")
            ok = false
        }
        let label = id.isEmpty ? "this step" : "step '\(id)'"
        var uses = ""
        if let n = f["uses"] {
            if let s = scalarString(n) {
                uses = s
                if let descriptor = catalog.descriptor(for: s) {
                    checkParameters(f["with"], descriptor: descriptor, step: label, usesNode: n)
                } else {
                    let hint = Suggest.closest(to: s, in: catalog.actionNames).map { "; did you mean '\($0)'?" } ?? ""
                    fail(n, "unknown action '\(s)' in \(label)\(hint)")
                    ok = false
                }
            } else {
                fail(n, "uses must be an action name like http.request")
                ok = false
            }
        } else {
            fail(item, "\(label) is missing 'uses' (the action to run)")
            ok = false
        }
        var with: [String: ParameterValue] = [:]
        if let w = f["with"] {
            if case .mapping(let wm) = w {
                for (k, v) in wm {
                    guard let key = scalarString(k) else { fail(k, "parameter names must be strings"); continue }
                    if let p = parameterValue(v) { with[key] = p } else { ok = false }
                }
            } else {
                fail(w, "with must be a map of parameters")
                ok = false
            }
        }
        var needs: [String] = []
        var needsLocations: [SourceLocation] = []
        if let n = f["needs"] {
            switch n {
            case .sequence(let s):
                for x in s {
                    if let v = scalarString(x) { needs.append(v); needsLocations.append(loc(x)) } else { fail(x, "needs entries must be step ids") }
                }
            case .scalar:
                if let v = scalarString(n) { needs.append(v); needsLocations.append(loc(n)) }
            default:
                fail(n, "needs must be a list of step ids")
            }
            var seen = Set<String>()
            for (i, dep) in needs.enumerated() where !seen.insert(dep).inserted {
                issues.append(RunbookIssue(needsLocations[i], "\(label) lists '\(dep)' twice in needs"))
            }
        }
        var condition: Template?
        if let n = f["if"] {
            if case .scalar = n, let s = scalarString(n) {
                if !s.contains("${{") {
                    condition = bareExpression(s, at: n)
                } else if let t = template(s, at: n) {
                    if t.isSingleExpression {
                        condition = t
                    } else {
                        fail(n, "the if of \(label) must be one expression, written bare (if: inputs.provider == 'vault') or as one ${{ … }} with nothing around it; text outside ${{ }} would make it always true")
                    }
                }
                if condition == nil { ok = false }
            } else {
                fail(n, "if must be an expression like ${{ inputs.provider == 'vault' }}; found \(kind(of: n))")
            }
        }
        var retry = RetryPolicy.none
        if let n = f["retry"] { retry = buildRetry(n) }
        var timeout: Duration?
        if let n = f["timeout"] {
            timeout = duration(n, what: "timeout of \(label)")
            if let t = timeout, t <= .zero { fail(n, "timeout of \(label) must be greater than zero; leave it out for no limit") }
        }
        let description = optionalString(f["description"], what: "description of \(label)")
        guard ok else { return nil }
        var step = StepSpec(id: id, phase: phase, uses: uses, with: with, needs: needs, condition: condition,
                            retry: retry, timeout: timeout, description: description, location: loc(idNode))
        step.needsLocations = needsLocations
        step.conditionLocation = f["if"].map { loc($0) }
        return step
    }

    mutating func buildRetry(_ node: Node) -> RetryPolicy {
        guard case .mapping(let m) = node else {
            fail(node, "retry must be a map like { max_attempts: 5, backoff: exponential, initial: 1s, max: 30s }")
            return .none
        }
        let f = members(m, allowed: Self.retryKeys, context: "in retry")
        var policy = RetryPolicy(maxAttempts: 3)
        if let n = f["max_attempts"] {
            if let v = intValue(n), (1...100).contains(v) { policy.maxAttempts = v } else { fail(n, "max_attempts must be an integer from 1 to 100") }
        }
        if let n = f["backoff"] {
            if let s = scalarString(n), let b = RetryPolicy.Backoff(rawValue: s) { policy.backoff = b } else {
                let hint = scalarString(n).flatMap { Suggest.closest(to: $0, in: ["constant", "linear", "exponential"]) }
                    .map { "; did you mean '\($0)'?" } ?? ""
                fail(n, "backoff must be constant, linear or exponential\(hint)")
            }
        }
        if let n = f["initial"], let d = duration(n, what: "retry initial") { policy.initial = d }
        if let n = f["max"], let d = duration(n, what: "retry max") { policy.max = d }
        if let n = f["jitter"] {
            if let b = boolValue(n) { policy.jitter = b } else { fail(n, "jitter must be true or false") }
        }
        if policy.max < policy.initial, let n = f["max"] ?? f["initial"] {
            fail(n, "retry max (\(DurationParser.format(policy.max))\(f["max"] == nil ? ", the default" : "")) is shorter than initial (\(DurationParser.format(policy.initial))); the delay never exceeds max, so raise max or lower initial")
        }
        return policy
    }

    mutating func parameterValue(_ node: Node) -> ParameterValue? {
        switch node {
        case .scalar:
            let v = scalarValue(node)
            guard case .string(let s) = v, s.contains("${{") else { return .literal(v) }
            guard let t = template(s, at: node) else { return nil }
            return .template(t, loc(node))
        case .sequence(let seq):
            var items: [ParameterValue] = []
            for x in seq {
                guard let p = parameterValue(x) else { return nil }
                items.append(p)
            }
            return .array(items)
        case .mapping(let m):
            var members: [String: ParameterValue] = [:]
            for (k, v) in m {
                guard let key = scalarString(k) else { fail(k, "map keys must be strings"); return nil }
                guard let p = parameterValue(v) else { return nil }
                members[key] = p
            }
            return .object(members)
        case .alias:
            fail(node, "unexpected alias")
            return nil
        }
    }

    /// Checks `with` against the action's parameter list: unknown, missing, wrongly typed, secrets.
    mutating func checkParameters(_ withNode: Node?, descriptor: ActionDescriptor, step: String, usesNode: Node) {
        var given: [String: Node] = [:]
        if case .mapping(let m)? = withNode {
            for (k, v) in m {
                guard let key = scalarString(k) else { continue }
                given[key] = v
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
                    fail(node, "\(what) cannot take a secret reference: its value is not treated as secret and would show in logs and reports")
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
                fail(node, "\(what) cannot hold a secret reference: its value is not treated as secret and would show in logs and reports")
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
