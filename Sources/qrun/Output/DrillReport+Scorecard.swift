import Foundation
import QRunCore
import QRunRuntime

/// The readiness scorecard of a plan-mode drill, for a person and as JSON.
extension DrillReport {
    static func scorecard(run: RunRecord, steps: [StepRecord], workspace: Workspace) throws -> DrillScorecard {
        let runbook = try workspace.pinnedRunbook(for: run)
        return DrillScorecard(runbook: runbook, records: steps, principals: Set(workspace.config.serve.principals.keys),
                              pastDurations: try workspace.database().pastStepDurations(runbook: run.runbook))
    }

    static func scorecardJSON(_ card: DrillScorecard) -> Value {
        .object([
            "ready": .int(card.ready), "steps": .int(card.steps.count),
            "estimated_time_to_contain_s": .double(card.estimatedTimeToContain),
            "unbounded_steps": .array(card.unbounded.map(Value.string)),
            "by_step": .array(card.steps.map { s in
                .object(["id": .string(s.id), "action": .string(s.action), "ready": .bool(s.ready),
                         "estimate_s": s.estimate.map(Value.double) ?? .null, "estimate_source": .string(s.estimateSource),
                         "checks": .array(s.checks.map {
                             .object(["check": .string($0.name), "passed": .bool($0.passed), "detail": .string($0.detail)])
                         })])
            }),
        ])
    }

    static func scorecardText(_ card: DrillScorecard) -> String {
        var lines = ["", "scorecard: \(card.ready)/\(card.steps.count) steps ready"]
        for s in card.steps {
            lines.append("  \(s.ready ? "ready    " : "NOT READY") \(s.id) (\(s.action))")
            for c in s.checks {
                lines.append("      \(c.passed ? "ok  " : "FAIL") \(c.name): \(c.detail)")
            }
        }
        let t = Duration.milliseconds(Int64(card.estimatedTimeToContain * 1000)).roundedToSeconds
        var estimate = "estimated time to contain: \(DurationParser.format(t))"
            + " (longest path of step timeouts and past runs; approval waits not counted)"
        if !card.unbounded.isEmpty {
            estimate += "\n  no bound for \(card.unbounded.joined(separator: ", ")): give each a timeout: (or run it once for real) to count it"
        }
        lines.append(estimate)
        return lines.joined(separator: "\n")
    }
}
