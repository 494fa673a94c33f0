import ArgumentParser
import Foundation
import QRunActions
import QRunCore
import QRunRuntime

/// `qrun drill NAME …`: the whole DAG in plan mode, or with `--simulate` the real control flow
/// against simulated actions.
struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Rehearse a runbook: every step planned, every credential resolved, no side effects.",
        discussion: """
            Inputs may be given as --input NAME=VALUE or, as with incident, as --<input-name> VALUE flags.

            --simulate runs the real engine (retries, timeouts, approvals, on_failure) against simulated \
            actions: nothing outside qrun is called and no secret is resolved. With it:
              --fault STEP=error|timeout|slow   make a step fail every attempt, hang until its timeout, or answer late
              --approve STEP                    approve this approval step (then the others wait for qrun approve)
              --reject STEP                     reject this approval step
            Without --approve, every approval is approved by drill:simulated.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Runbook name or path.")
    var runbook: String

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("Runbook inputs: --input NAME=VALUE or --<input-name> VALUE.", valueName: "inputs"))
    var rest: [String] = []

    func run() async throws {
        var global = self.global
        let (drillArgs, inputArgs) = try Self.extractDrillOptions(try IncidentCommand.extractGlobals(rest, into: &global))
        let ws = try Workspace(global)
        let rb = try ws.loadRunbook(runbook)
        if inputArgs.contains("--help") || inputArgs.contains("-h") {
            Console.out(IncidentCommand.help(for: rb, command: "drill"))
            return
        }
        var trigger: [String: Value] = ["drill": "plan"]
        if drillArgs.simulate {
            let problems = drillArgs.setup.problems(in: rb)
            if !problems.isEmpty { throw CLIError(.usage, problems.joined(separator: "\n")) }
            trigger = drillArgs.setup.triggerFields
        } else if drillArgs.named {
            throw CLIError(.usage, "--fault, --approve and --reject need --simulate (a plan-mode drill calls no action's apply)")
        }
        let inputs = try IncidentCommand.parseFlags(inputArgs, runbook: rb)
        let mode = OutputMode.choose(json: global.json)
        let launcher = RunLauncher(workspace: ws, mode: mode)
        let status = try await launcher.start(runbookName: runbook, inputs: inputs, runMode: .drill, flags: true,
                                              returnWhenWaiting: false, parallel: nil, trigger: trigger)
        throw ExitCode(status.rawValue)
    }

    struct DrillArguments {
        var simulate = false
        var named = false
        var setup = SimulationSetup()
    }

    /// Takes `--simulate`, `--fault`, `--approve` and `--reject` out of the arguments; the rest are inputs.
    static func extractDrillOptions(_ args: [String]) throws -> (DrillArguments, [String]) {
        var d = DrillArguments()
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            func value(_ flag: String) throws -> String? {
                if a.hasPrefix(flag + "=") { return String(a.dropFirst(flag.count + 1)) }
                guard a == flag else { return nil }
                guard i + 1 < args.count else { throw CLIError(.usage, "\(flag) needs a value") }
                i += 1
                return args[i]
            }
            if a == "--simulate" {
                d.simulate = true
            } else if let f = try value("--fault") {
                switch SimulationFault.parse(f) {
                case .failure(let e): throw CLIError(.usage, e.description)
                case .success(let (step, fault)):
                    guard d.setup.faults[step] == nil else { throw CLIError(.usage, "--fault \(step) given twice") }
                    d.setup.faults[step] = fault
                }
                d.named = true
            } else if let s = try value("--approve") {
                d.setup.approvals.approve.insert(s)
                d.named = true
            } else if let s = try value("--reject") {
                d.setup.approvals.reject.insert(s)
                d.named = true
            } else {
                out.append(a)
            }
            i += 1
        }
        return (d, out)
    }
}
