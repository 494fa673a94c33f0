import Foundation
import QRunTestSupport
import Testing

/// `qrun run`, `incident`, `drill`, `validate` and `plan` as a user drives them.
@Suite
struct RunCommandTests {
    static let chain = """
        runbook: chain
        version: 1
        description: Three steps in a row.
        inputs:
          token_id: { type: string, required: true, pattern: "^[a-z0-9-]{3,20}$", description: The leaked key }
          provider: { type: enum, values: [ibm-quantum, braket], default: ibm-quantum }
          dry: { type: bool, default: false }
        steps:
          - id: one
            uses: core.noop
            with: { message: "key ${{ inputs.token_id }}" }
          - id: braket-only
            if: "${{ inputs.provider == 'braket' }}"
            uses: core.noop
          - id: two
            needs: [one, braket-only]
            uses: core.noop
            with: { message: "${{ steps.one.status }} then ${{ steps.braket-only.status }}" }
        """

    @Test func runJSONCarriesRunIDAndStatus() throws {
        let ws = try TestWorkspace("run")
        defer { ws.cleanup() }
        try ws.write(runbook: "chain", Self.chain)
        let out = try QRun.run(["run", "chain", "--input", "token_id=abc-1", "--json"], home: ws.home)
        #expect(out.status == 0, "\(out.stderr)")
        let o = try out.json()
        #expect((o["run_id"] as? String)?.isEmpty == false)
        #expect(o["status"] as? String == "succeeded")
        let steps = o["steps"] as? [[String: Any]] ?? []
        #expect(steps.map { $0["status"] as? String } == ["succeeded", "skipped", "succeeded"])
        // A skipped step satisfies needs; its status is readable downstream.
        #expect(steps.first { $0["id"] as? String == "two" }?["outputs"] != nil)
        let show = try QRun.run(["runs", "show", o["run_id"] as! String, "--json"], home: ws.home).json()
        let attempts = show["attempts"] as? [[String: Any]] ?? []
        #expect(attempts.count == 2)
    }

    @Test func withoutATerminalProgressIsJSONLinesEndingInTheSummary() throws {
        let ws = try TestWorkspace("lines")
        defer { ws.cleanup() }
        try ws.write(runbook: "chain", Self.chain)
        let out = try QRun.run(["run", "chain", "--input", "token_id=abc-1"], home: ws.home)
        #expect(out.status == 0)
        let lines = out.jsonLines()
        #expect(lines.count == out.stdout.split(separator: "\n").count, "every line is JSON")
        #expect(lines.first?["event"] as? String == "run.started")
        #expect(lines.contains { $0["event"] as? String == "step.skipped" && $0["step"] as? String == "braket-only" })
        #expect(lines.last?["event"] as? String == "run.summary")
        #expect(lines.last?["status"] as? String == "succeeded")
    }

    @Test func incidentTakesInputsAsKebabCaseFlags() throws {
        let ws = try TestWorkspace("incident")
        defer { ws.cleanup() }
        try ws.write(runbook: "chain", Self.chain)
        let out = try QRun.run(["incident", "chain", "--token-id", "abc-2", "--provider", "braket", "--dry", "--json"], home: ws.home)
        #expect(out.status == 0, "\(out.stderr)")
        let o = try out.json()
        #expect((o["inputs"] as? [String: Any])?["token_id"] as? String == "abc-2")
        #expect((o["inputs"] as? [String: Any])?["dry"] as? Bool == true)
        #expect((o["steps"] as? [[String: Any]] ?? []).allSatisfy { $0["status"] as? String == "succeeded" })

        let help = try QRun.run(["incident", "chain", "--help"], home: ws.home)
        #expect(help.status == 0)
        #expect(help.stdout.contains("--token-id <string>"))
        #expect(help.stdout.contains("The leaked key; required; pattern: ^[a-z0-9-]{3,20}$"))
        #expect(help.stdout.contains("--provider <enum(ibm-quantum, braket)>"))
        #expect(help.stdout.contains("default: ibm-quantum"))
    }

    @Test func badInputsAreRefusedWithASentenceAndNothingRecorded() throws {
        let ws = try TestWorkspace("badinput")
        defer { ws.cleanup() }
        try ws.write(runbook: "chain", Self.chain)
        let cases: [([String], String)] = [
            (["incident", "chain"], "--token-id is required (The leaked key)"),
            (["incident", "chain", "--token-id", "UPPER"], "--token-id does not match the pattern ^[a-z0-9-]{3,20}$"),
            (["incident", "chain", "--token-id", "abc", "--provider", "azure"], "--provider must be one of ibm-quantum, braket"),
            (["incident", "chain", "--token-id", "abc", "--tokne-id", "x"], "has no --tokne-id; did you mean --token-id?"),
            (["incident", "chain", "--token-id", "abc", "--dry", "maybe"], "--dry must be true or false"),
            (["incident", "chain", "stray"], "unexpected argument 'stray'"),
            (["run", "chain", "--input", "token_id"], "--input takes NAME=VALUE"),
            (["run", "chian", "--input", "token_id=abc"], "no runbook 'chian'"),
        ]
        for (args, phrase) in cases {
            let out = try QRun.run(args, home: ws.home)
            #expect(out.status != 0 && out.status != 1, "\(args) must be refused as bad input, got \(out.status)")
            #expect(out.stderr.contains(phrase), "\(args): expected '\(phrase)' in: \(out.stderr)")
            #expect(!out.stderr.contains("Fatal error") && !out.stderr.contains("Stack"), "no crash for \(args)")
        }
        let list = try QRun.run(["runs", "list", "--json"], home: ws.home)
        #expect(((try list.json()["runs"] as? [Any]) ?? [1]).isEmpty, "refused inputs start no run")
    }

    @Test func validatePrintsFileLineColumnAndExitsNonZero() throws {
        let ws = try TestWorkspace("validate")
        defer { ws.cleanup() }
        try ws.write(runbook: "chain", Self.chain)
        let bad = try ws.write(runbook: "bad", """
            runbook: bad
            version: 1
            steps:
              - id: one
                uses: core.nop
              - id: two
                neds: [one]
                uses: core.noop
            """)
        let out = try QRun.run(["validate"], home: ws.home)
        #expect(out.status == 2)
        #expect(out.stderr.contains("\(bad):5:11: error: unknown action 'core.nop' in step 'one'; did you mean 'core.noop'?"), "\(out.stderr)")
        #expect(out.stderr.contains("\(bad):7:5: error: unknown key 'neds' in a step; did you mean 'needs'?"), "\(out.stderr)")
        #expect(out.stdout.contains("ok    "))
        let good = try QRun.run(["validate", "chain"], home: ws.home)
        #expect(good.status == 0)
        let json = try QRun.run(["validate", bad, "--json"], home: ws.home)
        #expect(try json.json()["valid"] as? Bool == false)
    }

    @Test func changingARunbookWithoutBumpingItsVersionIsRefusedOnceRun() throws {
        let ws = try TestWorkspace("pin")
        defer { ws.cleanup() }
        try ws.write(runbook: "chain", Self.chain)
        #expect(try QRun.run(["run", "chain", "--input", "token_id=abc"], home: ws.home).status == 0)
        try ws.write(runbook: "chain", Self.chain.replacingOccurrences(of: "Three steps", with: "Three quick steps"))
        let out = try QRun.run(["run", "chain", "--input", "token_id=abc"], home: ws.home)
        #expect(out.status == 2)
        #expect(out.stderr.contains("version 1 has already been run with different text; bump `version:` to 2"), "\(out.stderr)")
        #expect(try QRun.run(["validate", "chain"], home: ws.home).status == 2)
        try ws.write(runbook: "chain", Self.chain.replacingOccurrences(of: "Three steps", with: "Three quick steps")
            .replacingOccurrences(of: "version: 1", with: "version: 2"))
        #expect(try QRun.run(["run", "chain", "--input", "token_id=abc"], home: ws.home).status == 0)
    }

    @Test func planShowsTheDAGWithoutRecordingAnything() throws {
        let ws = try TestWorkspace("plan")
        defer { ws.cleanup() }
        try ws.write(runbook: "chain", Self.chain)
        let out = try QRun.run(["plan", "chain", "--input", "token_id=abc", "--json"], home: ws.home)
        #expect(out.status == 0, "\(out.stderr)")
        let steps = try out.json()["steps"] as? [[String: Any]] ?? []
        #expect(steps.map { $0["id"] as? String } == ["one", "braket-only", "two"])
        #expect(steps.map { $0["layer"] as? Int } == [0, 0, 1])
        #expect(steps[1]["if"] as? Bool == false)
        #expect((steps[0]["with"] as? [String: Any])?["message"] as? String == "key abc")
        #expect(!FileManager.default.fileExists(atPath: ws.databasePath), "plan records nothing")
    }
}
