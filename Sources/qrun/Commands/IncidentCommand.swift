import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime

/// `qrun incident NAME --token-id X …`: runbook inputs as kebab-case flags.
struct IncidentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident",
        abstract: "Start a runbook with its inputs as flags: qrun incident credential-leak --token-id X.",
        discussion: "`qrun incident NAME --help` lists that runbook's inputs.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Runbook name or path.")
    var runbook: String

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The runbook's inputs as --<input-name> VALUE.", valueName: "inputs"))
    var rest: [String] = []

    func run() async throws {
        var global = self.global
        var flags = try Self.extractGlobals(rest, into: &global)
        let ws = try Workspace(global)
        let rb = try ws.loadRunbook(runbook)
        if flags.contains("--help") || flags.contains("-h") {
            Console.out(Self.help(for: rb, command: "incident"))
            return
        }
        var noWait = false
        if let i = flags.firstIndex(of: "--no-wait") { flags.remove(at: i); noWait = true }
        let inputs = try Self.parseFlags(flags, runbook: rb)
        let launcher = RunLauncher(workspace: ws, mode: OutputMode.choose(json: global.json))
        let status = try await launcher.start(runbookName: runbook, inputs: inputs, runMode: .apply, flags: true,
                                              returnWhenWaiting: noWait, parallel: nil)
        throw ExitCode(status.rawValue)
    }

    /// Takes qrun's own options (`--json`, `--home`, `--state-dir`) out of the passthrough
    /// arguments; they win over runbook inputs of the same name.
    static func extractGlobals(_ args: [String], into global: inout GlobalOptions) throws -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            func value(_ flag: String) throws -> String {
                if a.hasPrefix(flag + "=") { return String(a.dropFirst(flag.count + 1)) }
                guard i + 1 < args.count else { throw CLIError(.usage, "\(flag) needs a value") }
                i += 1
                return args[i]
            }
            if a == "--json" {
                global.json = true
            } else if a == "--home" || a.hasPrefix("--home=") {
                global.home = try value("--home")
            } else if a == "--state-dir" || a.hasPrefix("--state-dir=") {
                global.stateDir = try value("--state-dir")
            } else {
                out.append(a)
            }
            i += 1
        }
        return out
    }

    /// Parses `--flag VALUE`, `--flag=VALUE`, bare `--flag` for booleans, and `--input k=v`.
    static func parseFlags(_ args: [String], runbook: Runbook) throws -> [String: Value] {
        var out: [String: Value] = [:]
        var i = 0
        func set(_ name: String, _ value: Value) throws {
            guard out[name] == nil else { throw CLIError(.usage, "--\(name.replacingOccurrences(of: "_", with: "-")) given twice") }
            out[name] = value
        }
        while i < args.count {
            let arg = args[i]
            guard arg.hasPrefix("--"), arg.count > 2 else {
                throw CLIError(.usage, "unexpected argument '\(arg)'; inputs are flags like --\(runbook.inputs.first?.flagName ?? "name") VALUE (see: qrun incident \(runbook.name) --help)")
            }
            var flag = String(arg.dropFirst(2))
            var value: String?
            if let eq = flag.firstIndex(of: "=") {
                value = String(flag[flag.index(after: eq)...])
                flag = String(flag[..<eq])
            }
            if flag == "input" {
                guard let v = value ?? (i + 1 < args.count ? args[i + 1] : nil) else { throw CLIError(.usage, "--input takes NAME=VALUE") }
                if value == nil { i += 1 }
                for (k, v) in try RunLauncher.parseInputs([v]) { try set(k, v) }
                i += 1
                continue
            }
            let name = flag.replacingOccurrences(of: "-", with: "_")
            let spec = runbook.input(name)
            if value == nil {
                if spec?.kind == .bool, i + 1 >= args.count || args[i + 1].hasPrefix("--") {
                    value = "true"
                } else if i + 1 < args.count, !args[i + 1].hasPrefix("--") || spec == nil {
                    value = args[i + 1]
                    i += 1
                } else {
                    throw CLIError(.usage, "--\(flag) needs a value")
                }
            }
            try set(name, .string(value!))
            i += 1
        }
        return out
    }

    /// Help text listing the runbook's inputs as flags.
    static func help(for runbook: Runbook, command: String) -> String {
        var lines = ["USAGE: qrun \(command) \(runbook.name) " + runbook.inputs.map { i in
            let f = "--\(i.flagName) <\(i.kind == .bool ? "true|false" : i.name)>"
            return i.required ? f : "[\(f)]"
        }.joined(separator: " "), ""]
        if let d = runbook.description { lines += [d, ""] }
        lines.append("RUNBOOK: \(runbook.name) v\(runbook.version) (\(runbook.source.path))")
        lines.append("")
        lines.append("INPUTS:")
        for i in runbook.inputs {
            var l = "  --\(i.flagName) <\(i.kind)>"
            l = l.padding(toLength: max(l.count, 34), withPad: " ", startingAt: 0)
            var notes: [String] = []
            if let d = i.description { notes.append(d) }
            if i.required { notes.append("required") }
            if let d = i.defaultValue { notes.append("default: \(d.interpolationText)") }
            if let p = i.pattern { notes.append("pattern: \(p)") }
            lines.append(l + "  " + notes.joined(separator: "; "))
        }
        if runbook.inputs.isEmpty { lines.append("  (none)") }
        return lines.joined(separator: "\n")
    }
}
