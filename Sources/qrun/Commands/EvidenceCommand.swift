import ArgumentParser
import Foundation
import QRunActions
import QRunCore
import QRunRuntime

/// `qrun evidence verify|open|keygen`
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Check, open and seal the evidence collected by evidence.snapshot.",
        subcommands: [Verify.self, Open.self, Keygen.self])

    /// The evidence directories of a run, from its `evidence.snapshot` step outputs: (step, directory, recorded manifest hash).
    static func directories(_ ws: Workspace, runID: String) throws -> [(step: String, directory: String, hash: String?)] {
        guard ws.hasDatabase else { throw CLIError(.usage, "no state database at \(ws.state.databasePath) yet") }
        let db = try ws.database()
        guard try db.run(runID) != nil else { throw CLIError(.usage, "no run \(runID)") }
        var out: [(String, String, String?)] = []
        for step in try db.steps(runID: runID) where step.action == "evidence.snapshot" {
            guard let dir = step.outputs?["directory"]?.stringValue else { continue }
            out.append((step.stepID, dir, step.outputs?["manifest_sha256"]?.stringValue))
        }
        return out
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Re-check every hash of a run's evidence; exit 1 naming each changed, missing or added item.",
            discussion: "Each stored file is compared with its manifest entry, and each manifest with the manifest_sha256 recorded in the run's step outputs (and so in the audit chain).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run id.") var runID: String

        func run() async throws {
            let ws = try Workspace(global)
            let dirs = try EvidenceCommand.directories(ws, runID: runID)
            guard !dirs.isEmpty else { throw CLIError(.usage, "run \(runID) has no collected evidence (no finished evidence.snapshot step)") }
            var problems: [(String, EvidenceVerifier.Problem)] = []
            for d in dirs {
                for p in EvidenceVerifier.verify(directory: d.directory, expectedManifestSHA256: d.hash) { problems.append((d.step, p)) }
            }
            if global.json {
                Console.json(["intact": .bool(problems.isEmpty), "directories": .int(dirs.count), "problems": .array(problems.map { step, p in
                    .object(["step": .string(step), "path": .string(p.path), "kind": .string(p.kind), "detail": .string(p.detail)])
                })])
            } else if problems.isEmpty {
                Console.out("evidence intact: \(dirs.count) director\(dirs.count == 1 ? "y" : "ies") of run \(runID)")
            } else {
                Console.out("evidence CHANGED (\(problems.count) item\(problems.count == 1 ? "" : "s")):")
                for (step, p) in problems { Console.out("  \(step): \(p)") }
            }
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "open", abstract: "Decrypt a run's sealed evidence into a folder (files 0600), checking every hash.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run id.") var runID: String
        @Option(name: .long, help: ArgumentHelp("The recipient's private key file (from `qrun evidence keygen`).", valueName: "FILE")) var key: String
        @Option(name: .long, help: ArgumentHelp("Folder to write the opened evidence to, one subfolder per step.", valueName: "DIR")) var output: String

        func run() async throws {
            let ws = try Workspace(global)
            let dirs = try EvidenceCommand.directories(ws, runID: runID)
            guard !dirs.isEmpty else { throw CLIError(.usage, "run \(runID) has no collected evidence") }
            do {
                let privateKey = try EvidenceSeal.privateKey(file: key)
                var total = 0
                for d in dirs {
                    total += try EvidenceVerifier.open(directory: d.directory, privateKey: privateKey,
                                                       output: (output as NSString).appendingPathComponent(d.step))
                }
                Console.out("opened \(total) files of run \(runID) into \(output)")
            } catch {
                throw CLIError(.runFailed, error.message)
            }
        }
    }

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen", abstract: "Write a new X25519 private key (0600) and print its public key for evidence.recipient.")
        @Option(name: .long, help: ArgumentHelp("Where to write the private key; must not exist.", valueName: "FILE")) var output: String

        func run() async throws {
            guard !FileManager.default.fileExists(atPath: output) else { throw CLIError(.usage, "\(output) already exists; not overwriting a key") }
            let pair = EvidenceSeal.generate()
            let ok = FileManager.default.createFile(atPath: output, contents: Data((pair.privateBase64 + "\n").utf8), attributes: [.posixPermissions: 0o600])
            guard ok else { throw CLIError(.usage, "cannot write \(output)") }
            Console.out(pair.publicBase64)
        }
    }
}
