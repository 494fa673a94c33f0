import Foundation
import Yams

extension RunbookBuilder {
    // MARK: - Environment

    mutating func buildEnv(_ node: Node) -> [String] {
        guard case .sequence(let seq) = node else {
            fail(node, "env must be a list of environment variable names that expressions may read, e.g. [HOME, USER]")
            return []
        }
        var names: [String] = []
        for item in seq {
            guard let s = scalarString(item), s.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                fail(item, "env entries must be environment variable names like HOME")
                continue
            }
            names.append(s)
        }
        return names
    }

    // MARK: - Triggers

    mutating func buildTriggers(_ node: Node) -> [TriggerSpec] {
        guard case .sequence(let seq) = node else {
            fail(node, "triggers must be a list, e.g. triggers: [{ alert: { match: { alertname: QPUTokenAbuse } } }]")
            return []
        }
        var out: [TriggerSpec] = []
        for item in seq {
            guard case .mapping(let m) = item else { fail(item, "each trigger is a map with one of alert, event or schedule"); continue }
            let f = members(m, allowed: RunbookKeys.trigger, context: "in a trigger")
            var kind: TriggerSpec.Kind?
            let present = ["alert", "event", "schedule"].filter { f[$0] != nil }
            if present.count != 1 {
                fail(item, "a trigger needs exactly one of alert, event or schedule (found \(present.isEmpty ? "none" : present.joined(separator: ", ")))")
                continue
            }
            if let a = f["alert"] {
                var match: [String: String] = [:]
                if case .mapping(let am) = a {
                    let af = members(am, allowed: RunbookKeys.alert, context: "in alert")
                    if case .mapping(let mm)? = af["match"] {
                        for (k, v) in mm {
                            if let ks = scalarString(k), let vs = scalarString(v) { match[ks] = vs } else { fail(v, "alert match values must be strings; quote them, e.g. severity: \"critical\"") }
                        }
                    } else { fail(a, "alert needs 'match', a map of label names to values") }
                } else { fail(a, "alert must be a map with 'match', e.g. alert: { match: { alertname: QPUTokenAbuse } }") }
                kind = .alert(match: match)
            } else if let e = f["event"] {
                if let s = scalarString(e), s.range(of: #"^[a-z0-9][a-z0-9._-]*$"#, options: .regularExpression) != nil {
                    kind = .event(name: s)
                } else { fail(e, "event must be an event name like agent.onboarded") }
            } else if let s = f["schedule"] {
                if let text = scalarString(s) { kind = .schedule(text) } else { fail(s, "schedule must be a cron expression or an interval like 24h") }
            }
            var after: Duration?
            if let a = f["after"] { after = duration(a, what: "after") }
            var inputs: [String: Template] = [:]
            var inputLocations: [String: SourceLocation] = [:]
            if let i = f["inputs"] {
                if case .mapping(let im) = i {
                    for (k, v) in im {
                        guard let ks = scalarString(k) else { fail(k, "trigger input names must be plain strings; use the input's name as declared under inputs"); continue }
                        guard case .scalar = v, let vs = scalarString(v) else {
                            fail(v, "trigger input '\(ks)' must be a single value, e.g. \"${{ alert.labels.token_id }}\"")
                            continue
                        }
                        if let t = template(vs, at: v) {
                            inputs[ks] = t
                            inputLocations[ks] = loc(v)
                        }
                    }
                } else { fail(i, "trigger inputs must be a map of input names to values, e.g. inputs: { token_id: \"${{ alert.labels.token_id }}\" }") }
            }
            if let kind {
                var trigger = TriggerSpec(kind: kind, after: after, inputs: inputs, location: loc(item))
                trigger.inputLocations = inputLocations
                out.append(trigger)
            }
        }
        return out
    }
}
