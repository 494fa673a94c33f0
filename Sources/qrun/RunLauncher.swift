import Foundation
import QRunCore
import QRunRuntime

/// Starts (or attaches to) a run and follows it to its end: what `run`, `incident` and `drill` share.
struct RunLauncher {
    let workspace: Workspace
    let mode: OutputMode

    /// Input values from `--input k=v` pairs.
    static func parseInputs(_ pairs: [String]) throws -> [String: Value] {
        var out: [String: Value] = [:]
        for pair in pairs {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                throw CLIError(.usage, "--input takes NAME=VALUE (no '=' after a name was found)")
            }
            let name = String(pair[..<eq]).replacingOccurrences(of: "-", with: "_")
            guard out[name] == nil else { throw CLIError(.usage, "input '\(name)' given twice") }
            out[name] = .string(String(pair[pair.index(after: eq)...]))
        }
        return out
    }

    /// `trigger`: fields the run's trigger records besides source and actor (a drill's kind).
    func start(runbookName: String, inputs given: [String: Value], runMode: RunMode, flags: Bool,
               returnWhenWaiting: Bool, parallel: Int?, trigger extra: [String: Value] = [:]) async throws -> ExitStatus {
        let runbook = try workspace.loadRunbook(runbookName)
        let starter = try workspace.starter()
        let request = try starter.request(runbook: runbook, given: given, supplier: .operatorAtTerminal, mode: runMode,
                                          trigger: TriggerContext(source: "cli", actor: workspace.actor, extra: extra), flags: flags)
        // This process owns the run from the moment it exists: a daemon sharing the state never
        // races it to execute the run.
        switch try starter.start(request, claim: true) {
        case .created(let run):
            return try await execute(run: run, runbook: runbook, returnWhenWaiting: returnWhenWaiting, parallel: parallel)
        case .attached(let r):
            let message = "an open run (\(r.id)) already holds concurrency key '\(request.concurrencyKey ?? "")'; this trigger was attached to it"
            if mode == .terminal { Console.out(message) } else { Console.err("qrun: \(message)") }
            if workspace.isRunOwned(r.id) {
                return try await follow(runID: r.id)
            }
            // Attached to a run nobody executes: the pinned text is the same version's text, so the
            // runbook loaded above is it (loadRunbook refused a different text for this version).
            let pinned = r.runbookSHA256 == runbook.source.sha256 ? runbook : try workspace.pinnedRunbook(for: r)
            return try await execute(run: r, runbook: pinned, returnWhenWaiting: returnWhenWaiting, parallel: parallel)
        }
    }

    func observer() -> RunObserver {
        switch mode {
        case .terminal: return TerminalProgress()
        case .jsonLines: return JSONLinesProgress()
        case .json: return SilentObserver()
        }
    }

    func execute(run: RunRecord, runbook: Runbook, returnWhenWaiting: Bool, parallel: Int?) async throws -> ExitStatus {
        if run.isSimulation { return try await simulate(run: run, runbook: runbook, returnWhenWaiting: returnWhenWaiting) }
        let executor = try workspace.executor(observer: observer(), returnWhenWaiting: returnWhenWaiting, parallel: parallel)
        let outcome = try await executor.execute(runID: run.id, runbook: runbook)
        return try finish(runID: outcome.runID)
    }

    /// Waits for a run another process is executing, then reports it. It stops waiting when the
    /// run pauses for approval, unless `untilEnd` (a cancel waits for the run to end).
    func follow(runID: String, untilEnd: Bool = false) async throws -> ExitStatus {
        let db = try workspace.database()
        while true {
            guard let r = try db.run(runID) else { throw CLIError(.state, "run \(runID) disappeared") }
            if r.status.isTerminal || (r.status == .waiting && !untilEnd) || !workspace.isRunOwned(runID) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        return try finish(runID: runID)
    }

    func finish(runID: String) throws -> ExitStatus {
        let db = try workspace.database()
        guard let run = try db.run(runID) else { throw CLIError(.state, "run \(runID) disappeared") }
        let steps = try db.steps(runID: runID)
        var summary = RunSummary.json(run: run, steps: steps).objectValue ?? [:]
        if run.isSimulation {
            summary["simulation"] = DrillReport.simulationJSON(run: run, steps: steps)
        }
        let card = run.plansOnly ? try DrillReport.scorecard(run: run, steps: steps, workspace: workspace) : nil
        if let card { summary["scorecard"] = DrillReport.scorecardJSON(card) }
        if let card {
            summary["readiness"] = ["ready": .int(card.ready), "steps": .int(card.steps.count),
                                    "not_ready": .array(card.steps.filter { !$0.ready }.map { .string($0.id) })]
        }
        switch mode {
        case .terminal:
            Console.out(RunSummary.text(run: run, steps: steps))
            if run.isSimulation {
                Console.out(DrillReport.simulationText(run: run, steps: steps))
            } else if let card {
                Console.out(DrillReport.text(card))
                Console.out(DrillReport.scorecardText(card))
            }
        case .json: Console.json(.object(summary))
        case .jsonLines:
            summary["event"] = "run.summary"
            Console.json(.object(summary), pretty: false)
        }
        // A drill whose scorecard found something missing (an approver nobody can answer as) is not ready.
        if let card, card.ready < card.steps.count, run.status == .succeeded { return .runFailed }
        return ExitStatus.of(run.status)
    }
}
