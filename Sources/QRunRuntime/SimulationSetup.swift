import QRunActions
import QRunCore

/// What a simulated drill was asked to rehearse (faults and approval answers), as its trigger
/// records it (`{"drill": "simulate", "faults": {STEP: KIND}, "approvals": {…}}`), so a resumed
/// simulation rehearses the same thing.
public struct SimulationSetup: Sendable {
    public var faults: [String: SimulationFault]
    public var approvals: SimulatedApprovals

    public init(faults: [String: SimulationFault] = [:], approvals: SimulatedApprovals = SimulatedApprovals()) {
        self.faults = faults
        self.approvals = approvals
    }

    /// Reads the setup back from a run's trigger.
    public init(trigger: Value) {
        var faults: [String: SimulationFault] = [:]
        for (step, kind) in trigger["faults"]?.objectValue ?? [:] {
            if let f = kind.stringValue.flatMap(SimulationFault.init(rawValue:)) { faults[step] = f }
        }
        let a = trigger["approvals"]
        func names(_ key: String) -> Set<String> { Set(a?[key]?.arrayValue?.compactMap(\.stringValue) ?? []) }
        self.init(faults: faults, approvals: SimulatedApprovals(approve: names("approve"), reject: names("reject")))
    }

    /// The trigger fields of a simulated drill.
    public var triggerFields: [String: Value] {
        ["drill": "simulate", "faults": .object(faults.mapValues { .string($0.rawValue) }), "approvals": approvals.value]
    }

    /// Checks every step named against the runbook: an unknown one is a usage error with a suggestion.
    public func problems(in runbook: Runbook) -> [String] {
        let steps = runbook.allSteps
        let ids = steps.map(\.id)
        var out: [String] = []
        func check(_ id: String, flag: String, approvalOnly: Bool) {
            guard let step = steps.first(where: { $0.id == id }) else {
                // A near spelling, else the one step whose id begins with what was typed.
                let begins = ids.filter { $0.hasPrefix(id) }
                let near = Suggest.closest(to: id, in: ids) ?? (begins.count == 1 ? begins[0] : nil)
                let hint = near.map { "; did you mean '\($0)'?" } ?? "; its steps: \(ids.joined(separator: ", "))"
                out.append("\(flag) \(id): runbook \(runbook.name) has no step '\(id)'\(hint)")
                return
            }
            if approvalOnly, step.uses != "core.approval" {
                out.append("\(flag) \(id): step '\(id)' is not an approval step (it uses \(step.uses))")
            }
        }
        for id in faults.keys.sorted() { check(id, flag: "--fault", approvalOnly: false) }
        for id in approvals.approve.sorted() { check(id, flag: "--approve", approvalOnly: true) }
        for id in approvals.reject.sorted() { check(id, flag: "--reject", approvalOnly: true) }
        for id in approvals.approve.intersection(approvals.reject).sorted() { out.append("step '\(id)' is given to both --approve and --reject") }
        return out
    }
}
