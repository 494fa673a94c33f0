import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime

/// `qrun resume RUN_ID` / `qrun resume --all`
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue interrupted runs from their last committed state, with the pinned runbook text.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run to continue.")
    var runID: String?

    @Flag(name: .long, help: "Continue every open run that no live process owns.")
    var all = false

    @Flag(name: .long, help: "Return (exit 3) when the run pauses for approval instead of waiting.")
    var noWait = false

    func validate() throws {
        if all == (runID != nil) { throw ValidationError("give a RUN_ID or --all, not both and not neither") }
    }

    func run() async throws {
        let ws = try Workspace(global)
        let db = try ws.database()
        let launcher = RunLauncher(workspace: ws, mode: OutputMode.choose(json: global.json))
        if let runID {
            guard let run = try db.run(runID) else {
                throw CLIError(.usage, "no run with id \(runID); `qrun runs list` shows the runs")
            }
            if run.status.isTerminal {
                throw ExitCode(try launcher.finish(runID: runID).rawValue)
            }
            let runbook = try ws.pinnedRunbook(for: run)
            try db.audit(AuditDraft(runID: runID, kind: "operator.resume", actor: ws.actor))
            let status = try await launcher.execute(run: run, runbook: runbook, returnWhenWaiting: noWait, parallel: nil)
            throw ExitCode(status.rawValue)
        }
        var worst = ExitStatus.ok
        var count = 0
        for run in try db.openRuns() where !ws.isRunOwned(run.id) {
            count += 1
            let runbook = try ws.pinnedRunbook(for: run)
            try db.audit(AuditDraft(runID: run.id, kind: "operator.resume", actor: ws.actor))
            let status = try await launcher.execute(run: run, runbook: runbook, returnWhenWaiting: true, parallel: nil)
            if status != .ok && (worst == .ok || status == .runFailed) { worst = status }
        }
        if count == 0 && launcher.mode == .terminal { Console.out("no interrupted runs to resume") }
        throw ExitCode(worst.rawValue)
    }
}
