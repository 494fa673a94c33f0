import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime

/// `qrun audit verify|export`
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The tamper-evident audit chain.", subcommands: [Verify.self, Export.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check the hash chain; exit 1 on any modified, removed, reordered or inserted event.",
            discussion: "Removing the newest events leaves a shorter valid chain; keep the printed head (seq and hash) elsewhere and pass it with --expect-head to catch that.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: ArgumentHelp("A head recorded earlier: the chain must still contain it.", valueName: "SEQ:HASH"))
        var expectHead: String?

        func run() async throws {
            let ws = try Workspace(global)
            guard ws.hasDatabase else { throw CLIError(.usage, "no state database at \(ws.state.databasePath) yet") }
            let db = try ws.auditDatabase()
            let anchor = try expectHead.map(Self.parseHead)
            var result = try db.verifyAudit()
            if let (seq, hash) = anchor {
                let at = try db.auditEvents(afterSeq: seq - 1).first
                if at?.seq != seq || at?.hash != hash {
                    result.problems.append("event \(seq) no longer has the recorded hash: the chain was truncated or rewritten after it")
                }
            }
            if global.json {
                Console.json(["intact": .bool(result.isIntact), "events": .int(result.events), "head_seq": .int(Int(result.headSeq)),
                              "head_hash": .string(result.headHash), "problems": .array(result.problems.map(Value.string))])
            } else if result.isIntact {
                Console.out("audit chain intact: \(result.events) events; head \(result.headSeq):\(result.headHash)")
            } else {
                Console.out("audit chain BROKEN (\(result.problems.count) problem\(result.problems.count == 1 ? "" : "s") in \(result.events) events):")
                for p in result.problems { Console.out("  \(p)") }
            }
            if !result.isIntact { throw ExitCode(1) }
        }

        /// `SEQ:HASH` as printed by `audit verify`; surrounding space and upper-case hex are accepted.
        static func parseHead(_ text: String) throws -> (Int64, String) {
            let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":", maxSplits: 1)
            let hash = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces).lowercased() : ""
            guard parts.count == 2, let seq = Int64(parts[0].trimmingCharacters(in: .whitespaces)), seq >= 1,
                  hash.count == 64, hash.allSatisfy({ $0.isHexDigit }) else {
                throw CLIError(.usage, "--expect-head takes SEQ:HASH as `qrun audit verify` prints it (a sequence number from 1, a colon, 64 hex digits); got '\(text.prefix(100))'")
            }
            return (seq, hash)
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Write the audit events as JSON lines (for a SIEM).")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: "Only events of this run.") var run: String?
        @Option(name: .long, help: "Only events after this sequence number (incremental export).") var after: Int64 = 0
        @Option(name: .shortAndLong, help: "Write to this file (0600) instead of stdout.") var output: String?

        func run() async throws {
            let ws = try Workspace(global)
            guard ws.hasDatabase else { throw CLIError(.usage, "no state database at \(ws.state.databasePath) yet") }
            let events = try ws.auditDatabase().auditEvents(runID: run, afterSeq: after)
            var text = ""
            for e in events { text += e.json.jsonText + "\n" }
            if let output {
                let ok = FileManager.default.createFile(atPath: output, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
                if !ok { throw CLIError(.usage, "cannot write \(output)") }
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
