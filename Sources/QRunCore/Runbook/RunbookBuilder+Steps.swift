import Foundation
import Yams

extension RunbookBuilder {
    static let stepKeys = RunbookKeys.step
    static let retryKeys = RunbookKeys.retry

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
            fail(item, "step is missing 'id'; add one such as id: revoke-token")
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
                    let hint = Suggest.closest(to: s, in: catalog.actionNames).map { "; did you mean '\($0)'?" }
                        ?? "; `qrun plugins list` and docs/runbooks.md list the actions there are"
                    fail(n, "unknown action '\(s)' in \(label)\(hint)")
                    ok = false
                }
            } else {
                fail(n, "uses must be an action name like http.request")
                ok = false
            }
        } else {
            fail(item, "\(label) is missing 'uses' (the action to run); add e.g. uses: core.noop")
            ok = false
        }
        var with: [String: ParameterValue] = [:]
        if let w = f["with"] {
            if case .mapping(let wm) = w {
                for (k, v) in wm {
                    guard let key = scalarString(k) else { fail(k, "parameter names must be strings; write the key as plain text"); continue }
                    if let p = parameterValue(v) { with[key] = p } else { ok = false }
                }
            } else {
                fail(w, "with must be a map of parameters, e.g. with: { apikey_id: \"${{ inputs.token_id }}\" }")
                ok = false
            }
        }
        var needs: [String] = []
        var needsLocations: [SourceLocation] = []
        if let n = f["needs"] {
            switch n {
            case .sequence(let s):
                for x in s {
                    if let v = scalarString(x) { needs.append(v); needsLocations.append(loc(x)) } else { fail(x, "needs entries must be step ids, e.g. needs: [snapshot, revoke]") }
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
            if let v = intValue(n), (1...100).contains(v) { policy.maxAttempts = v } else { fail(n, "max_attempts must be an integer from 1 to 100 (the first attempt included), e.g. max_attempts: 5") }
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
            if let b = boolValue(n) { policy.jitter = b } else { fail(n, "jitter must be true or false; write jitter: false to turn it off") }
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
            fail(node, "unexpected alias; write the value out instead of *name")
            return nil
        }
    }
}
