import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime
import QRunPlugins

/// `qrun plugins list|check`: the out-of-process plugins of the workspace (`HOME/plugins/`).
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List and check the workspace's out-of-process plugins (HOME/plugins/*/plugin.yaml).",
        subcommands: [PluginsListCommand.self, PluginsCheckCommand.self])

    /// The plugin folder of the workspace named by the global options.
    static func directory(_ global: GlobalOptions) throws -> String {
        (try Workspace(global).home as NSString).appendingPathComponent("plugins")
    }
}

/// `qrun plugins list [--json]`
struct PluginsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show each plugin's name, version, actions and folder; invalid manifests are reported with file:line:col.",
        discussion: "Exit status: 0 when every manifest is valid; 2 when one is not.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let dir = try PluginsCommand.directory(global)
        let found = PluginHost.scan(directory: dir)
        var rows: [Value] = []
        for item in found {
            var row: [String: Value] = ["path": .string(item.directory), "problems": .array(item.problems.map(Value.string))]
            if let m = item.manifest {
                row["name"] = .string(m.name)
                row["version"] = .string(m.version)
                row["actions"] = .array(m.actions.map { .string($0.name) })
            }
            rows.append(.object(row))
            if !global.json {
                if let m = item.manifest {
                    let version = m.version.isEmpty ? "" : " \(m.version)"
                    Console.out("\(m.name)\(version)  \(m.actions.map(\.name).joined(separator: ", "))  \(item.directory)")
                } else {
                    Console.out("(invalid)  \(item.directory)")
                }
                for p in item.problems { Console.err(p) }
            }
        }
        if global.json {
            Console.json(["directory": .string(dir), "plugins": .array(rows)])
        } else if found.isEmpty {
            Console.out("no plugins in \(dir)")
        }
        if found.contains(where: { $0.manifest == nil }) { throw ExitCode(ExitStatus.invalidInput.rawValue) }
    }
}

/// `qrun plugins check [--json]`
struct PluginsCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate every manifest and executable and send each action a plan request with empty parameters.",
        discussion: """
            An error response to the empty plan is fine (the parameters are missing); a plugin that cannot \
            start, times out, exits without a response or prints malformed output fails the check.
            Exit status: 0 when every plugin passes; 1 when one fails.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let dir = try PluginsCommand.directory(global)
        let reports = await PluginChecker.check(directory: dir, environment: ProcessInfo.processInfo.environment)
        let failed = reports.filter { !$0.passed }.count
        if global.json {
            let rows: [Value] = reports.map { r in
                .object([
                    "path": .string(r.directory), "name": r.name.map(Value.string) ?? .null, "passed": .bool(r.passed),
                    "problems": .array(r.problems.map(Value.string)),
                    "actions": .array(r.actions.map { a in .object(["name": .string(a.name), "passed": .bool(a.problem == nil), "problem": a.problem.map(Value.string) ?? .null]) }),
                ])
            }
            Console.json(["directory": .string(dir), "passed": .bool(failed == 0), "plugins": .array(rows)])
        } else {
            for r in reports {
                Console.out("\(r.passed ? "ok  " : "FAIL") \(r.name ?? "(invalid)")  \(r.directory)")
                for p in r.problems { Console.out("     \(p)") }
            }
            Console.out(reports.isEmpty ? "no plugins in \(dir)" : "\(reports.count - failed) of \(reports.count) plugins passed")
        }
        if failed > 0 { throw ExitCode(ExitStatus.runFailed.rawValue) }
    }
}
