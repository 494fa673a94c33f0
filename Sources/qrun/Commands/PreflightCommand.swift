import ArgumentParser
import Foundation
import QRunActions
import QRunCore

/// `qrun preflight [--strict] [--path DIR]… [--home DIR] [--json]`
///
/// Takes no workspace: it reads only the scanned home, the given paths and its own environment,
/// so `--home` here names the home directory to scan (default `$HOME`), not a qrun workspace.
struct PreflightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflight",
        abstract: "Scan for long-lived credentials before an agent starts; never prints a secret.",
        discussion: """
            Checks the SDK credential paths under the home directory (~/.qiskit, ~/.aws, ~/.azure, \
            ~/.config/gcloud, ~/.braket, ~/.config/pennylane, ~/.config/dwave, ~/.vault-token, ~/.netrc, \
            ~/.git-credentials, ~/.ssh keys without a passphrase, ~/.docker/config.json, ~/.kube/config, \
            ~/.config/gh/hosts.yml, shell profiles), .env files, Qiskit tokens in Python and notebooks, and \
            well-known token shapes under each --path (default: the current directory), and credential \
            environment variables. Examples and placeholders are never reported. Each finding has a location, a fix and \
            a fingerprint (sha256 prefix of the value) instead of the value.
            Exit status: 0 when nothing at or above --fail-on was found, or without --strict; 1 under --strict \
            when something was found; 64 bad command line (e.g. a --home or --path that does not exist).
            """)

    @Flag(name: .long, help: "Exit 1 when any finding at or above --fail-on exists (gate an agent's start).")
    var strict = false

    @Option(name: .customLong("path"), help: ArgumentHelp("A project directory to walk (repeatable; default: the current directory).", valueName: "DIR"))
    var paths: [String] = []

    @Option(name: .long, help: ArgumentHelp("Home directory whose SDK credential paths are checked (default: $HOME).", valueName: "DIR"))
    var home: String?

    @Option(name: .long, help: ArgumentHelp("Lowest severity that fails --strict: low, medium, high, critical.", valueName: "SEVERITY"))
    var failOn: String = "low"

    @Flag(name: .long, inversion: .prefixedNo, help: "Check this process's environment variables.")
    var env = true

    @Flag(name: .long, help: "Machine-readable JSON output (one document).")
    var json = false

    func validate() throws {
        if PreflightSeverity(parsing: failOn) == nil {
            throw ValidationError("--fail-on must be one of low, medium, high, critical, not '\(failOn)'")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let scannedHome = home ?? environment["HOME"], !scannedHome.isEmpty else {
            throw CLIError(.usage, "no home directory to scan: set HOME or pass --home DIR")
        }
        let roots = paths.isEmpty ? [FileManager.default.currentDirectoryPath] : paths
        for dir in [scannedHome] + roots where !FileManager.default.fileExists(atPath: dir) {
            throw CLIError(.usage, "\(dir) does not exist; nothing would be checked there")
        }
        let threshold = PreflightSeverity(parsing: failOn) ?? .low
        let report = PreflightScanner(home: scannedHome, roots: roots, environment: env ? environment : nil).scan()
        let blocking = report.blocking(at: threshold)
        let failed = strict && !blocking.isEmpty
        if json {
            var doc = report.value(failOn: threshold)
            doc["strict"] = .bool(strict)
            doc["passed"] = .bool(!failed)
            doc["scanned"] = ["home": .string(scannedHome), "paths": .array(roots.map(Value.string)), "environment": .bool(env)]
            Console.json(.object(doc))
        } else {
            printReport(report, home: scannedHome, roots: roots)
        }
        if failed {
            let noun = blocking.count == 1 ? "credential" : "credentials"
            Console.err("qrun: preflight failed: \(blocking.count) long-lived \(noun) at or above \(threshold.rawValue); remove them before starting the agent")
            throw ExitCode(ExitStatus.runFailed.rawValue)
        }
    }

    private func printReport(_ report: PreflightReport, home: String, roots: [String]) {
        Console.out("qrun preflight: \(report.summary)")
        for f in report.findings {
            var line = "  \(f.severity.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)) \(f.kind)  \(f.location)"
            if let preview = f.preview { line += "  key \(preview)" }
            Console.out(line + "  \(f.fingerprint)")
            Console.out("      fix: \(f.fix)")
        }
        let pathsText = roots.count == 1 ? roots[0] : "\(roots.count) paths"
        Console.out("scanned: home \(home), \(pathsText)\(env ? ", environment" : ""); \(report.filesScanned) files read")
        for n in report.notes { Console.out("note: \(n)") }
    }
}
