import Foundation
import QRunCore

/// Turns the alerts of one post into run requests: each alert is matched against the `alert`
/// triggers of every runbook (every listed label equal), the trigger's inputs are rendered from
/// the alert's labels and annotations (as data: never a reference, never an expression), and the
/// run is requested through the one ``RunStarter``. Resolved alerts are recorded against the run
/// their firing started. Nothing here writes; the caller records everything in one transaction.
public struct AlertRouter: Sendable {
    /// What became of one alert for one runbook (or of an alert no runbook matched).
    public struct Decision: Sendable {
        public enum Kind: String, Sendable {
            case requested, resolved, unmatched, refused
        }
        public var alertIndex: Int
        public var runbook: String?
        public var kind: Kind
        public var reason: String?
        /// Index into ``Plan/requests`` or ``Plan/resolved``.
        public var index: Int?
    }

    /// Everything one post asks for.
    public struct Plan: Sendable {
        public var requests: [RunRequest] = []
        public var resolved: [ResolvedAlert] = []
        public var decisions: [Decision] = []
    }

    public let starter: RunStarter

    public init(starter: RunStarter) {
        self.starter = starter
    }

    public func plan(alerts: [IncomingAlert], runbooks: [Runbook], principal: String, endpoint: String) -> Plan {
        var plan = Plan()
        for (i, alert) in alerts.enumerated() {
            var matched = false
            for runbook in runbooks {
                for trigger in runbook.triggers {
                    guard case .alert(let match) = trigger.kind, match.allSatisfy({ alert.labels[$0.key] == $0.value }) else { continue }
                    matched = true
                    let context = TriggerContext(source: "alert", actor: "alert:\(principal)", alert: alert.value,
                                                 extra: ["endpoint": .string(endpoint)])
                    do {
                        let given = try Self.inputs(of: trigger, alert: alert)
                        let request = try starter.request(runbook: runbook, given: given, supplier: .trigger, mode: .apply,
                                                          trigger: context, alertInstance: alert.instance)
                        if alert.isResolved {
                            plan.resolved.append(ResolvedAlert(runbook: runbook.name, instance: alert.instance, concurrencyKey: request.concurrencyKey,
                                                               trigger: context.value, actor: context.actor))
                            plan.decisions.append(Decision(alertIndex: i, runbook: runbook.name, kind: .resolved, index: plan.resolved.count - 1))
                        } else {
                            plan.requests.append(request)
                            plan.decisions.append(Decision(alertIndex: i, runbook: runbook.name, kind: .requested, index: plan.requests.count - 1))
                        }
                    } catch {
                        plan.decisions.append(Decision(alertIndex: i, runbook: runbook.name, kind: .refused, reason: Self.describe(error)))
                    }
                    break  // one run per runbook per alert, whichever of its triggers matched first
                }
            }
            if !matched { plan.decisions.append(Decision(alertIndex: i, runbook: nil, kind: .unmatched)) }
        }
        return plan
    }

    /// The trigger's inputs rendered over `alert.*`: a label's value is inserted as text, never
    /// evaluated.
    static func inputs(of trigger: TriggerSpec, alert: IncomingAlert) throws -> [String: Value] {
        let scope = ValueScope(roots: ["alert": alert.value])
        var out: [String: Value] = [:]
        for (name, template) in trigger.inputs {
            let v = try template.render(in: scope)
            // A label the alert does not carry renders as null: the input is then not given, so
            // the runbook's default or its `required` rule decides.
            if v == .null { continue }
            out[name] = v
        }
        return out
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case let e as RuntimeError: return e.message
        case let e as RunInputs.InputError: return e.description
        default: return "\(error)"
        }
    }
}
