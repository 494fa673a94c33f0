import Foundation
import QRunCore

/// The readiness summary of a drill: which steps would work now, and what is missing.
enum DrillReport {
    static func score(_ steps: [StepRecord]) -> (ready: Int, considered: Int) {
        let considered = steps.filter { $0.status != .skipped && $0.phase == .main }
        return (considered.filter { $0.status == .succeeded }.count, considered.count)
    }

    static func text(run: RunRecord, steps: [StepRecord]) -> String {
        let (ready, considered) = score(steps)
        let pct = considered == 0 ? 100 : Int((Double(ready) / Double(considered) * 100).rounded())
        var lines = ["", "readiness: \(ready)/\(considered) steps ready (\(pct)%)"]
        for s in steps where s.phase == .main && s.status != .succeeded && s.status != .skipped {
            lines.append("  not ready: \(s.stepID) (\(s.action)): \(s.error ?? s.status.rawValue)")
        }
        return lines.joined(separator: "\n")
    }
}
