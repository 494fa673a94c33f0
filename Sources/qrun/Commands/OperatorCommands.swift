import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime

/// `qrun approve RUN_ID STEP`
typealias ApproveCommand = DecisionCommand<Approval>
/// `qrun reject RUN_ID STEP`
typealias RejectCommand = DecisionCommand<Rejection>

/// One of the two decisions on a step that waits for approval: what its command is called,
/// how its help reads, and what is recorded.
protocol DecisionVerb {
    /// The subcommand name.
    static var commandName: String { get }
    /// The decision as printed and in JSON output (`approved`, `rejected`).
    static var word: String { get }
    /// The one-line help.
    static var abstract: String { get }
    /// Whether the decision lets the step pass.
    static var approved: Bool { get }
}

/// `qrun approve`: the step passes.
enum Approval: DecisionVerb {
    static let commandName = "approve"
    static let word = "approved"
    static let abstract = "Approve a step that waits for approval."
    static let approved = true
}

/// `qrun reject`: the step fails.
enum Rejection: DecisionVerb {
    static let commandName = "reject"
    static let word = "rejected"
    static let abstract = "Reject a step that waits for approval (the step fails)."
    static let approved = false
}

/// `qrun approve|reject RUN_ID STEP [--comment TEXT] [--resume]`: the same arguments and output
/// for both verbs, only the decision differs.
struct DecisionCommand<Verb: DecisionVerb>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Verb.commandName, abstract: Verb.abstract)
    }
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run.") var runID: String
    @Argument(help: "The approval step.") var step: String
    @Option(name: .long, help: "Why (recorded in the audit log).") var comment: String?
    @Flag(name: .long, help: "Continue the run in this process when no other process is following it.") var resume = false

    func run() async throws {
        let ws = try Workspace(global)
        let db = try ws.database()
        // The step's timeout and who may decide come from the pinned text the run executes.
        let spec = try db.run(runID).flatMap { try ws.pinnedRunbook(for: $0).allSteps.first { $0.id == step } }
        let policy = spec.map(ApprovalPolicy.init(step:)) ?? ApprovalPolicy()
        let tally = try db.recordApproval(runID: runID, stepID: step, approved: Verb.approved, actor: ws.actor, comment: comment,
                                          timeout: spec?.timeout, policy: policy)
        let followed = ws.isRunOwned(runID)
        let word = Verb.word
        if global.json {
            Console.json(["run_id": .string(runID), "step": .string(step), "decision": .string(word), "followed": .bool(followed),
                          "decided": .bool(tally.decided), "approvals": .int(tally.approvals), "needed": .int(tally.needed)])
        } else if !tally.decided {
            Console.out("recorded approval \(tally.approvals) of \(tally.needed) for \(step) of run \(runID); the step waits for \(tally.needed - tally.approvals) more")
        } else {
            Console.out("\(word) \(step) of run \(runID)" + (followed ? "; the process following the run continues it" : resume ? "" : "; continue with: qrun resume \(runID)"))
        }
        if resume && !followed && tally.decided, let run = try db.run(runID) {
            let launcher = RunLauncher(workspace: ws, mode: OutputMode.choose(json: global.json))
            throw ExitCode(try await launcher.execute(run: run, runbook: try ws.pinnedRunbook(for: run), returnWhenWaiting: true, parallel: nil).rawValue)
        }
    }
}

/// `qrun cancel RUN_ID`
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a run: pending steps never start, running ones are interrupted; no on_failure steps run.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run.") var runID: String

    func run() async throws {
        let ws = try Workspace(global)
        let db = try ws.database()
        _ = try db.requestCancel(runID: runID, actor: ws.actor)
        let launcher = RunLauncher(workspace: ws, mode: global.json ? .json : .terminal)
        // Exit 0 when the run ended cancelled, 1 when it ended otherwise (it finished first),
        // whichever process settles it.
        if ws.isRunOwned(runID) {
            if !global.json { Console.out("cancel requested; the process running \(runID) is stopping it") }
            throw ExitCode(try await launcher.follow(runID: runID, untilEnd: true) == .cancelled ? 0 : 1)
        }
        // Nobody owns the run: settle it here so it does not linger as open.
        let run = try db.run(runID)!
        let runbook = try ws.pinnedRunbook(for: run)
        // A simulated drill is settled by simulated actions, like every execution of it.
        let executor = run.isSimulation
            ? try ws.simulationExecutor(runbook: runbook, faults: SimulationSetup(trigger: run.trigger).faults, observer: SilentObserver(),
                                           returnWhenWaiting: true)
            : try ws.executor(observer: SilentObserver(), returnWhenWaiting: true, parallel: nil)
        _ = try await executor.execute(runID: runID, runbook: runbook)
        throw ExitCode(try launcher.finish(runID: runID).rawValue == ExitStatus.cancelled.rawValue ? 0 : 1)
    }
}
