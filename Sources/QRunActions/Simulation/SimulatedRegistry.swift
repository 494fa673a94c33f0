import QRunCore

/// The registry of a simulated drill: every action of the real registry replaced by a
/// ``SimulatedAction`` with the same descriptor (less `verify`), so validation and the engine see
/// the same names and parameters, and nothing reaches a provider.
public enum SimulatedRegistry {
    public static func make(from real: ActionRegistry, runbook: Runbook, faults: [String: SimulationFault],
                            clock: any EngineClock) -> ActionRegistry {
        let names = outputNames(in: runbook)
        var r = ActionRegistry()
        for name in real.actionNames {
            guard var d = real.descriptor(for: name) else { continue }
            // Nothing was changed, so nothing can be proven: a review must not list a simulated
            // effect as verified.
            d.supportsVerify = false
            r.register(SimulatedAction(descriptor: d, faults: faults, outputNames: names, clock: clock))
        }
        return r
    }

    /// For each step, the output names that expressions of the runbook read
    /// (`steps.<id>.outputs.<name>`), so a simulated answer carries them.
    public static func outputNames(in runbook: Runbook) -> [String: [String]] {
        var out: [String: Set<String>] = [:]
        for step in runbook.allSteps {
            var refs = step.condition?.references ?? []
            for (_, v) in step.with { for (t, _) in v.templates { refs += t.references } }
            for ref in refs where ref.count > 3 {
                guard case .member("steps") = ref[0], case .member(let id) = ref[1], case .member("outputs") = ref[2],
                      case .member(let name) = ref[3] else { continue }
                out[id, default: []].insert(name)
            }
        }
        return out.mapValues { $0.sorted() }
    }
}
