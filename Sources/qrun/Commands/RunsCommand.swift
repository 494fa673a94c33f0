import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime

/// `qrun runs list|show`
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "Run history and detail.", subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Recent runs, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: "How many (default 20).") var limit = 20
        @Option(name: .long, help: "Only runs with this status.") var status: String?

        func validate() throws {
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 100000") }
        }

        func run() async throws {
            let ws = try Workspace(global)
            var filter: RunStatus?
            if let status {
                guard let s = RunStatus(rawValue: status) else {
                    throw CLIError(.usage, "--status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter = s
            }
            let runs = ws.hasDatabase ? try ws.database().runs(limit: limit, status: filter) : []
            if global.json {
                Console.json(.object(["runs": .array(runs.map(RunSummary.listEntry))]))
                return
            }
            if runs.isEmpty { Console.out("no runs yet"); return }
            Console.out("RUN ID                     STATUS     MODE   RUNBOOK                   STARTED")
            for r in runs {
                Console.out([r.id.padding(toLength: 26, withPad: " ", startingAt: 0),
                             r.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0),
                             r.mode.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0),
                             "\(r.runbook) v\(r.runbookVersion)".padding(toLength: 25, withPad: " ", startingAt: 0),
                             Timestamp.format(r.createdAt)].joined(separator: " "))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One run: steps, attempts, approvals, triggers.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run.") var runID: String

        func run() async throws {
            let ws = try Workspace(global)
            guard ws.hasDatabase, let run = try ws.database().run(runID) else {
                throw CLIError(.usage, "no run with id \(runID); `qrun runs list` shows the runs")
            }
            let db = try ws.database()
            let steps = try db.steps(runID: runID)
            if global.json {
                Console.json(try RunSummary.detail(run: run, database: db))
                return
            }
            Console.out("run \(run.id): \(run.status.rawValue)  (\(run.runbook) v\(run.runbookVersion), \(run.mode.rawValue), sha256 \(run.runbookSHA256.prefix(12))…)")
            Console.out("started \(Timestamp.format(run.createdAt))" + (run.finishedAt.map { ", finished \(Timestamp.format($0))" } ?? ""))
            Console.out("inputs: \(run.inputs.jsonText)")
            Console.out("")
            for s in steps {
                var line = "  \(s.status.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) \(s.stepID) (\(s.action))"
                if s.attempt > 1 { line += " after \(s.attempt) attempts" }
                if let e = s.error { line += ": \(e)" }
                Console.out(line)
            }
            Console.out("")
            Console.out(RunSummary.text(run: run, steps: steps))
        }
    }
}
