import Foundation
import QRunCore
import QRunRuntime

/// The summary of a simulated drill: what each step did on the simulated time line.
extension DrillReport {
    /// From the first step's start to the last main step's end, on the simulation's clock: how
    /// long the real containment would take with these retries, timeouts and slow answers
    /// (nil until a main step ended).
    static func simulatedTimeToContain(_ steps: [StepRecord]) -> Duration? {
        let main = steps.filter { $0.phase == .main && $0.status != .skipped }
        guard let start = steps.compactMap(\.startedAt).min(), let end = main.compactMap(\.finishedAt).max() else { return nil }
        return .milliseconds(Int64((end.timeIntervalSince(start) * 1000).rounded()))
    }

    static func simulationJSON(run: RunRecord, steps: [StepRecord]) -> Value {
        let setup = SimulationSetup(trigger: run.trigger)
        return .object([
            "faults": .object(setup.faults.mapValues { .string($0.rawValue) }),
            "approvals": setup.approvals.value,
            "simulated_time_to_contain_ms": simulatedTimeToContain(steps).map { .int(Int($0.milliseconds)) } ?? .null,
            "on_failure_ran": .array(steps.filter { $0.phase != .main && $0.status != .skipped && $0.status != .pending }.map { .string($0.stepID) }),
            "steps": .array(steps.map { s in
                .object(["id": .string(s.stepID), "phase": .string(s.phase == .main ? "main" : "on_failure"), "status": .string(s.status.rawValue),
                         "attempts": .int(s.attempt), "fault": setup.faults[s.stepID].map { .string($0.rawValue) } ?? .null,
                         "error": s.error.map(Value.string) ?? .null])
            }),
        ])
    }

    static func simulationText(run: RunRecord, steps: [StepRecord]) -> String {
        let setup = SimulationSetup(trigger: run.trigger)
        var lines = ["", "simulation: every action was simulated; nothing outside qrun was called and no secret was resolved"]
        if !setup.faults.isEmpty {
            lines.append("faults: " + setup.faults.keys.sorted().map { "\($0)=\(setup.faults[$0]!.rawValue)" }.joined(separator: ", "))
        }
        for s in steps where s.status != .skipped && s.status != .pending {
            var line = "  \(s.stepID): \(s.status.rawValue.replacingOccurrences(of: "_", with: " "))"
            if s.attempt > 1 { line += " after \(s.attempt) attempts" }
            if s.phase != .main { line += " (on_failure)" }
            if let f = setup.faults[s.stepID] { line += " [fault: \(f.rawValue)]" }
            if s.status != .succeeded, let e = s.error { line += ": \(e)" }
            lines.append(line)
        }
        if let t = simulatedTimeToContain(steps) {
            let verb = run.status == .succeeded ? "simulated time to contain" : "simulated time until the run gave up"
            lines.append("\(verb): \(DurationParser.format(t.roundedToSeconds))")
        }
        return lines.joined(separator: "\n")
    }
}

extension Duration {
    /// Whole seconds (at least one when not zero), for a person.
    var roundedToSeconds: Duration {
        let ms = milliseconds
        if ms == 0 { return .zero }
        return .seconds(max(1, (ms + 500) / 1000))
    }
}
