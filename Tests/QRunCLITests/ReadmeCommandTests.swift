import Foundation
import QRunTestSupport
import Testing

/// Every `qrun …` command shown in the README's shell blocks works as written against the shipped
/// runbooks, with the provider endpoints stood in by the test fakes: no command is refused as bad
/// usage (64) or invalid input (2), none crashes, none hangs. Placeholders (`RUN_ID`, `<keyId>`,
/// `AKIA…`) are filled with real values of the same kind; `incident` gets `--no-wait` so it stops
/// at its approval gate instead of waiting for a person.
@Suite(.serialized)
struct ReadmeCommandTests {
    static func readme() throws -> String {
        try String(contentsOfFile: Fixtures.path("../../README.md"), encoding: .utf8)
    }

    /// The `qrun` commands of the README's `sh` blocks, in order, comments removed.
    static func commands(_ text: String) -> [String] {
        var out: [String] = []
        var inBlock = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inBlock = line == "```sh" ? !inBlock : false; continue }
            guard inBlock else { continue }
            let code = line.range(of: " #").map { String(line[..<$0.lowerBound]) } ?? String(line)
            for part in code.components(separatedBy: " ; ") {
                let cmd = part.trimmingCharacters(in: .whitespaces)
                if cmd.hasPrefix("qrun ") { out.append(cmd) }
            }
        }
        return out
    }

    @Test func everyReadmeCommandWorksAsWritten() async throws {
        let commands = Self.commands(try Self.readme())
        #expect(commands.count >= 20, "the README shows its commands: \(commands)")
        let fakes = try await ProviderFakes([.vault, .braket, .azure, .ibm])
        defer { fakes.stop() }
        let ws = try CredentialLeak.workspace("readme", fakes)
        defer { ws.cleanup() }
        try FileManager.default.createDirectory(atPath: ws.home + "/project", withIntermediateDirectories: true)
        let binDir = (QRun.binary as NSString).deletingLastPathComponent
        var env = fakes.environment
        env["PATH"] = "\(binDir):/usr/local/bin:/usr/bin:/bin"
        let leakedAWS = try #require(fakes.leakedAWSKey)
        var runs: [String] = []
        var cancelled: String?

        /// A run waiting at its approval gate (for approve, reject and cancel, one each).
        func waitingRun(_ n: Int) throws -> String {
            let out = try QRun.run(["incident", "credential-leak", "--provider", "ibm-quantum", "--token-id", "ApiKey-wait-\(n)",
                                    "--no-wait", "--json"], home: ws.home, env: env)
            guard out.status == 3, let id = try out.json()["run_id"] as? String else {
                throw TestFailure("could not start a waiting run: \(out.status) \(out.stderr)")
            }
            return id
        }
        for (i, written) in commands.enumerated() {
            var cmd = written
                .replacingOccurrences(of: "AKIA…", with: leakedAWS)
                .replacingOccurrences(of: "<keyId>", with: "b0f3c2a1-keyid")
                .replacingOccurrences(of: "<object id>", with: ProviderFakes.azureTargetObjectID)
                .replacingOccurrences(of: "<token accessor>", with: fakes.leakedVaultAccessor)
                .replacingOccurrences(of: "--format md|html|json", with: "--format html")
                .replacingOccurrences(of: " KEY ", with: " ~/.qrun-evidence.key ")
                .replacingOccurrences(of: " DIR", with: " ~/opened-\(i)")
            if cmd.hasPrefix("qrun incident") && !cmd.contains("--help") { cmd += " --no-wait" }
            if cmd.contains("RUN_ID") {
                let verb = cmd.split(separator: " ")[1]
                let id: String
                if ["approve", "reject", "cancel"].contains(verb) {
                    id = try waitingRun(i)
                    if verb == "cancel" { cancelled = id }
                } else if verb == "resume" {
                    // Resuming a run that waits for a person would wait with it; an ended run is reported.
                    id = try #require(cancelled, "the README cancels a run before it resumes one")
                } else {
                    id = try #require(runs.first, "an earlier command made a run")
                }
                cmd = cmd.replacingOccurrences(of: "RUN_ID", with: id).replacingOccurrences(of: "STEP", with: "approve")
            }
            if cmd.hasPrefix("qrun serve") && !cmd.contains("--check") {
                // The daemon runs until stopped: it must become ready, then stop cleanly on SIGTERM.
                let serve = try ServeProcess(home: ws.home, env: env.merging(ServeProcess.credentials) { a, _ in a })
                let stopped = serve.stop()
                #expect(stopped.status == 0, "\(written): \(stopped.stderr.suffix(600))")
                continue
            }
            let out = try RunningProcess(executable: "/bin/sh", arguments: ["-c", cmd], environment: QRun.environment(home: ws.home, extra: env),
                                         cwd: ws.home, stdin: nil).wait(timeout: 90)
            #expect(!out.killedBySignal, "\(written) did not finish: \(out.stderr)")
            #expect(out.status != 2 && out.status != 64 && out.status < 6, "\(written) → `\(cmd)` exited \(out.status): \(out.stderr.prefix(800))")
            #expect(!out.stderr.contains("Usage:"), "\(written): \(out.stderr.prefix(400))")
            if cmd.hasPrefix("qrun incident"), !cmd.contains("--help") {
                #expect(out.status == 3, "an incident stops at its approval gate: \(written) \(out.stderr.prefix(600))")
                if let id = out.jsonLines().last?["run_id"] as? String { runs.append(id) }
            }
        }
        #expect(runs.count == 5, "every incident command made a run: \(runs)")
    }
}
