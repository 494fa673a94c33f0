import ArgumentParser
import QRunCore
import QRunRuntime

/// `qrun drills [RUNBOOK]`: how ready each runbook is, across its recent drills.
struct DrillsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drills",
        abstract: "Recent drills per runbook: readiness, simulated time to contain, and the trend.",
        discussion: "↑/↓/= compare each drill with the previous drill of its kind (plan-mode or simulated) of the same runbook.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Only this runbook's drills.")
    var runbook: String?

    @Option(name: .long, help: "Drills shown per runbook (default 5).")
    var last = 5

    func validate() throws {
        guard (1...1000).contains(last) else { throw ValidationError("--last must be from 1 to 1000") }
    }

    func run() async throws {
        let ws = try Workspace(global)
        var history = DrillHistory(runs: [], steps: { _ in [] })
        if ws.hasDatabase {
            let db = try ws.database()
            // One more than shown, so the oldest shown has a trend.
            let runs = try db.drillRuns(runbook: runbook, limitPerRunbook: last + 1)
            history = try DrillHistory(runs: runs, steps: { try db.steps(runID: $0) })
            var kept: [String: Int] = [:]
            history.entries = history.entries.filter { e in
                kept[e.run.runbook, default: 0] += 1
                return kept[e.run.runbook]! <= last
            }
        }
        if global.json { Console.json(history.json) } else { Console.out(history.text) }
    }
}
