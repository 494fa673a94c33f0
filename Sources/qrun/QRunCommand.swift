import ArgumentParser
import Foundation
import QRunCore
#if canImport(Glibc)
import Glibc
#endif

/// The `qrun` command line.
@main
struct QRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qrun",
        abstract: "Incident-response and credential-rotation runbooks: durable, audited, secret-safe.",
        discussion: """
            Exit status: 0 success; 1 the run failed; 2 invalid runbook or inputs; 3 the run is waiting \
            for approval; 4 the run was cancelled; 5 state problem (locked, corrupted, unsafe permissions); \
            64 bad command line.
            """,
        version: QRunVersion.string,
        subcommands: [
            ValidateCommand.self, PlanCommand.self, RunCommand.self, IncidentCommand.self, DrillCommand.self, DrillsCommand.self,
            ResumeCommand.self, RunsCommand.self, ApproveCommand.self, RejectCommand.self, CancelCommand.self,
            AuditCommand.self, ReportCommand.self, PreflightCommand.self, PluginsCommand.self, EvidenceCommand.self,
            ServeCommand.self, NewCommand.self, DocsCommand.self,
        ]
    )

    static func main() async {
        umask(0o077)
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let e as CLIError {
            FileHandle.standardError.write(Data("qrun: \(e.message)\n".utf8))
            Foundation.exit(e.code.rawValue)
        } catch let e as ExitCode {
            Foundation.exit(e.rawValue)
        } catch {
            if let cli = CLIError.wrap(error) {
                FileHandle.standardError.write(Data("qrun: \(cli.message)\n".utf8))
                Foundation.exit(cli.code.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// The version printed by `--version`.
enum QRunVersion {
    static let number = "0.2.0"
    static let string = "\(number) (commit \(SourceCommit.id))"
}
