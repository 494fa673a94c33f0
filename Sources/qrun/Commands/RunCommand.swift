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
