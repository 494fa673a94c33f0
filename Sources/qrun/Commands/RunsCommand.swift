import ArgumentParser
import Foundation
import QRunCore

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
                Console.json(.object(["runs": .array(runs.map { r in
                    .object(["run_id": .string(r.id), "status": .string(r.status.rawValue), "runbook": .string(r.runbook),
                             "version": .int(r.runbookVersion), "mode": .string(r.mode.rawValue),
                             "created_at": .string(Timestamp.format(r.createdAt)),
                             "finished_at": r.finishedAt.map { .string(Timestamp.format($0)) } ?? .null])
                })]))
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
                var o = RunSummary.json(run: run, steps: steps).objectValue ?? [:]
                o["attempts"] = .array(try db.attempts(runID: runID).map { a in
                    .object(["step": .string(a.stepID), "attempt": .int(a.attempt), "verb": .string(a.verb), "status": .string(a.status),
                             "started_at": .string(Timestamp.format(a.startedAt)),
                             "finished_at": a.finishedAt.map { .string(Timestamp.format($0)) } ?? .null,
                             "error": a.error.map(Value.string) ?? .null, "summary": a.summary.map(Value.string) ?? .null])
                })
                o["approvals"] = .array(try db.approvals(runID: runID).map { a in
                    .object(["step": .string(a.stepID), "approved": .bool(a.approved), "actor": .string(a.actor),
                             "comment": a.comment.map(Value.string) ?? .null, "at": .string(Timestamp.format(a.decidedAt))])
                })
                o["triggers"] = .array(try db.triggers(runID: runID))
                Console.json(.object(o))
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
