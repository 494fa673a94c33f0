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
                    checkParameters(f["with"], descriptor: descriptor, step: label, stepNode: item)
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
            if let s = scalarString(n) {
                let wrapped = s.contains("${{") ? s : "${{ \(s) }}"
                condition = template(wrapped, at: n)
                if condition == nil { ok = false }
            } else {
                fail(n, "if must be an expression like ${{ inputs.provider == 'vault' }}")
            }
        }
        var retry = RetryPolicy.none
        if let n = f["retry"] { retry = buildRetry(n) }
        var timeout: Duration?
        if let n = f["timeout"] {
            timeout = duration(n, what: "timeout")
            if let t = timeout, t <= .zero { fail(n, "timeout must be greater than zero") }
        }
        let description = f["description"].flatMap { scalarString($0) }
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
                fail(n, "backoff must be constant, linear or exponential")
            }
        }
        if let n = f["initial"], let d = duration(n, what: "initial") { policy.initial = d }
        if let n = f["max"], let d = duration(n, what: "max") { policy.max = d }
        if let n = f["jitter"] {
            if let b = boolValue(n) { policy.jitter = b } else { fail(n, "jitter must be true or false") }
        }
        if policy.max < policy.initial, let n = f["max"] { fail(n, "retry max (\(DurationParser.format(policy.max))) is shorter than initial (\(DurationParser.format(policy.initial)))") }
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
    mutating func checkParameters(_ withNode: Node?, descriptor: ActionDescriptor, step: String, stepNode: Node) {
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
                    }
                    continue
                }
                checkParameter(v, spec: spec, action: descriptor.name, step: step)
            }
        }
        for spec in descriptor.parameters where spec.required && given[spec.name] == nil {
            fail(withNode ?? stepNode, "\(step) is missing required parameter '\(spec.name)' of \(descriptor.name)")
        }
    }

    mutating func checkParameter(_ node: Node, spec: ParameterSpec, action: String, step: String) {
        guard case .scalar = node else {
            let v: Value = { if case .sequence = node { return .array([]) }; return .object([:]) }()
            if !spec.accepts(v) { fail(node, "parameter '\(spec.name)' of \(action) must be \(article(spec.kind))") }
            return
        }
        let v = scalarValue(node)
        if case .string(let s) = v {
            if s.hasPrefix("secret:") {
                do {
                    _ = try SecretReference.parse(s)
                } catch {
                    fail(node, "\(error)")
                    return
                }
                if spec.secret == .forbidden {
                    fail(node, "parameter '\(spec.name)' of \(action) must not be a secret (it would be visible); pass secrets through env or stdin")
                }
                return
            }
            if s.contains("${{") { return }
            if spec.secret == .required {
                fail(node, "parameter '\(spec.name)' of \(action) must be a secret reference (secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD), never a literal")
                return
            }
        }
        if !spec.accepts(v) {
            fail(node, "parameter '\(spec.name)' of \(action) must be \(article(spec.kind)); found \(v.typeName) '\(v.interpolationText)'")
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
