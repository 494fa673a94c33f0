import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime

/// `qrun run NAME [--input k=v]…`
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Start a run of a runbook and follow it to the end.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Runbook name (runbooks/NAME.yaml) or path.")
    var runbook: String

    @Option(name: .customLong("input"), help: ArgumentHelp("An input value.", valueName: "NAME=VALUE"))
    var inputs: [String] = []

    @Flag(name: .long, help: "Return (exit 3) when the run pauses for approval instead of waiting.")
    var noWait = false

    @Option(name: .long, help: "Steps that may run at once when the runbook does not set max_parallel (default 16).")
    var parallel: Int?

    func validate() throws {
        if let p = parallel, !(1...1024).contains(p) { throw ValidationError("--parallel must be between 1 and 1024") }
    }

    func run() async throws {
        let ws = try Workspace(global)
        let launcher = RunLauncher(workspace: ws, mode: OutputMode.choose(json: global.json))
        let status = try await launcher.start(runbookName: runbook, inputs: try RunLauncher.parseInputs(inputs), runMode: .apply,
                                              flags: false, returnWhenWaiting: noWait, parallel: parallel)
        throw ExitCode(status.rawValue)
    }
}

/// `qrun drill NAME …`: the whole DAG in plan mode.
struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Rehearse a runbook: every step planned, every credential resolved, no side effects.",
        discussion: "Inputs may be given as --input NAME=VALUE or, as with incident, as --<input-name> VALUE flags.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Runbook name or path.")
    var runbook: String

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("Runbook inputs: --input NAME=VALUE or --<input-name> VALUE.", valueName: "inputs"))
    var rest: [String] = []

    func run() async throws {
        var global = self.global
        let flags = try IncidentCommand.extractGlobals(rest, into: &global)
        let ws = try Workspace(global)
        let rb = try ws.loadRunbook(runbook)
        if flags.contains("--help") || flags.contains("-h") {
            Console.out(IncidentCommand.help(for: rb, command: "drill"))
            return
        }
        let inputs = try IncidentCommand.parseFlags(flags, runbook: rb)
        let mode = OutputMode.choose(json: global.json)
        let launcher = RunLauncher(workspace: ws, mode: mode == .json ? .json : mode)
        let status = try await launcher.start(runbookName: runbook, inputs: inputs, runMode: .drill, flags: true,
                                              returnWhenWaiting: false, parallel: nil)
        throw ExitCode(status.rawValue)
    }
}
