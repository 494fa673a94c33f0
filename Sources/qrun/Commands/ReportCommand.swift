import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime

/// `qrun report RUN_ID [--format md|html|json]`
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write the post-incident review of a run.",
        discussion: """
            The review holds the timeline (absolute and relative times), the DAG with each step's outcome, attempts and \
            durations, every trigger, the pinned runbook's version and SHA-256, every provider call with its redacted request \
            and result, what stays exposed, the evidence manifest (every hash re-checked), time to first containment and to \
            contain, and the audit chain's head to keep elsewhere. html is one self-contained file (inline SVG, no script); \
            json follows docs/report-schema.md.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case md, html, json
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The run.") var runID: String
    @Option(name: .long, help: "md, html or json (default md).") var format: Format = .md
    @Option(name: .shortAndLong, help: "Write to this file (0600) instead of stdout.") var output: String?

    func run() async throws {
        let ws = try Workspace(global)
        guard ws.hasDatabase, let run = try ws.database().run(runID) else {
            throw CLIError(.usage, "no run with id \(runID); `qrun runs list` shows the runs")
        }
        let db = try ws.database()
        let steps = try db.steps(runID: runID), events = try db.auditEvents(runID: runID)
        let evidence = ReviewEvidenceLoader.complete(ReviewEvidence.recorded(steps: steps, events: events))
        var report = IncidentReport(run: run, runbook: try? ws.pinnedRunbook(for: run), steps: steps,
                                    attempts: try db.attempts(runID: runID), approvals: try db.approvals(runID: runID),
                                    triggers: try db.triggers(runID: runID), events: events,
                                    chain: try db.verifyAudit(), evidence: evidence)
        let redactor = ws.redactor
        report.mask = { redactor.redact($0) }
        let text: String
        switch global.json ? .json : format {
        case .md: text = report.markdown()
        case .html: text = report.html()
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            text = String(decoding: try encoder.encode(report.json()), as: UTF8.self)
        }
        let clean = ws.redactor.redact(text)
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data((clean + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CLIError(.usage, "cannot write \(output)")
            }
        } else {
            Console.out(clean)
        }
    }
}
