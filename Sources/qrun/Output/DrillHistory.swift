import Foundation
import QRunCore
import QRunRuntime

/// `qrun drills`: per runbook, its recent drills with readiness (plan-mode drills) or simulated
/// time to contain (simulated drills), each compared with the previous drill of its kind.
struct DrillHistory {
    /// One drill as listed.
    struct Entry {
        var run: RunRecord
        var kind: String
        var ready: Int
        var considered: Int
        var timeToContain: Duration?
        /// Against the previous drill of the same kind of the same runbook: `up`, `down`, `same`, nil for the first.
        var trend: String?

        var readiness: Double { considered == 0 ? 1 : Double(ready) / Double(considered) }
    }

    var entries: [Entry]

    init(runs: [RunRecord], steps: (String) throws -> [StepRecord]) rethrows {
        var out: [Entry] = []
        for r in runs {
            let s = try steps(r.id)
            let (ready, considered) = DrillReport.score(s)
            out.append(Entry(run: r, kind: r.isSimulation ? "simulate" : "plan", ready: ready, considered: considered,
                             timeToContain: r.isSimulation && r.status == .succeeded ? DrillReport.simulatedTimeToContain(s) : nil))
        }
        // Runs come newest first per runbook; each is compared with the next older one of its kind.
        for i in out.indices {
            let plan = out[i].kind == "plan"
            // A simulation that did not contain has no time; it is compared with none and skipped over.
            guard plan || out[i].timeToContain != nil,
                  let j = out[(i + 1)...].firstIndex(where: {
                      $0.run.runbook == out[i].run.runbook && $0.kind == out[i].kind && (plan || $0.timeToContain != nil)
                  }) else { continue }
            guard let a = plan ? out[i].readiness : out[i].timeToContain.map({ Double($0.milliseconds) }),
                  let b = plan ? out[j].readiness : out[j].timeToContain.map({ Double($0.milliseconds) }) else { continue }
            // Simulated times are measured on a dilated clock: within 5% is the same.
            let same = plan ? a == b : abs(a - b) <= max(a, b) * 0.05
            out[i].trend = same ? "same" : (a > b ? "up" : "down")
        }
        entries = out
    }

    var json: Value {
        .object(["drills": .array(entries.map { e in
            .object(["run_id": .string(e.run.id), "runbook": .string(e.run.runbook), "version": .int(e.run.runbookVersion),
                     "kind": .string(e.kind), "status": .string(e.run.status.rawValue), "started_at": .string(Timestamp.format(e.run.createdAt)),
                     "readiness": e.kind == "plan" ? .object(["ready": .int(e.ready), "steps": .int(e.considered)]) : .null,
                     "simulated_time_to_contain_ms": e.timeToContain.map { .int(Int($0.milliseconds)) } ?? .null,
                     "trend": e.trend.map(Value.string) ?? .null])
        })])
    }

    var text: String {
        if entries.isEmpty { return "no drills yet; rehearse with: qrun drill NAME --simulate, or qrun drill NAME" }
        var lines: [String] = []
        var last = ""
        for e in entries {
            if e.run.runbook != last {
                if !last.isEmpty { lines.append("") }
                lines.append("\(e.run.runbook)")
                last = e.run.runbook
            }
            let arrow = ["up": "↑", "down": "↓", "same": "="][e.trend ?? ""] ?? " "
            let what: String
            if e.kind == "plan" {
                let pct = Int((e.readiness * 100).rounded())
                what = "readiness \(e.ready)/\(e.considered) (\(pct)%)"
            } else if let t = e.timeToContain {
                what = "simulated time to contain \(DurationParser.format(t.roundedToSeconds))"
            } else {
                what = "simulation \(e.run.status.rawValue)"
            }
            let kind = e.kind.padding(toLength: 8, withPad: " ", startingAt: 0)
            lines.append("  \(Timestamp.format(e.run.createdAt))  \(kind) \(arrow) \(what)  \(e.run.id)")
        }
        return lines.joined(separator: "\n")
    }
}
