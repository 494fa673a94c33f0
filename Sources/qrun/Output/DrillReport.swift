import Foundation
import QRunCore
import QRunRuntime

/// The readiness summary of a drill: which steps would work now, and what is missing.
enum DrillReport {
    static func score(_ steps: [StepRecord]) -> (ready: Int, considered: Int) {
        let considered = steps.filter { $0.status != .skipped && $0.phase == .main }
        return (considered.filter { $0.status == .succeeded }.count, considered.count)
    }

    /// The readiness line and one "not ready" line per step with a failed check.
    static func text(_ card: DrillScorecard) -> String {
        let considered = card.steps.count
        let pct = considered == 0 ? 100 : Int((Double(card.ready) / Double(considered) * 100).rounded())
        var lines = ["", "readiness: \(card.ready)/\(considered) steps ready (\(pct)%)"]
        for s in card.steps where !s.ready {
            let why = s.checks.filter { !$0.passed }.map(\.detail).joined(separator: "; ")
            lines.append("  not ready: \(s.id) (\(s.action)): \(why)")
        }
        return lines.joined(separator: "\n")
    }
}
