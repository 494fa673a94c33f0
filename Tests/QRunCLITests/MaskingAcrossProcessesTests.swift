import Foundation
import QRunTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A secret resolved by one qrun process must stay masked in what a later process writes for the
/// same run (`--no-wait` then `approve --resume`; `kill -9` then `resume`), although the later
/// process never resolves it itself: the step that prints it does not reference it.
@Suite(.serialized)
struct MaskingAcrossProcessesTests {
    static let token = "qx7Pr0c3ssT0k3n-4a9c2e81f7d3b6"

    /// Step `use` hands the secret to a child that keeps it in a file; after a pause, step `leak`
    /// prints that file, as a careless tool would print a credential it found.
    static func runbook(pause: String) -> String {
        """
        runbook: across
        version: 1
        inputs:
          dir: { type: string, required: true }
        steps:
          - id: use
            uses: shell.exec
            with:
              argv: ["/bin/sh", "-c", "printf %s \\"$TOKEN\\" > \\"$DIR/kept\\""]
              env: { TOKEN: "secret:env:QRUN_ACROSS_TOKEN", DIR: "${{ inputs.dir }}" }
        \(pause)
          - id: leak
            needs: [pause]
            uses: shell.exec
            with:
              argv: ["/bin/sh", "-c", "cat \\"$DIR/kept\\"; echo; cat \\"$DIR/kept\\" | base64; cat \\"$DIR/kept\\" >&2"]
              env: { DIR: "${{ inputs.dir }}" }
        """
    }

    static let approvalPause = """
          - id: pause
            needs: [use]
            uses: core.approval
            with: { message: "continue?", allow_self: true }
        """

    /// Waits (bounded) for the file `go` that the test creates after the kill.
    static let gatePause = """
          - id: pause
            needs: [use]
            uses: shell.exec
            with:
              argv: ["/bin/sh", "-c", "touch \\"$DIR/paused\\"; i=0; \\
                while [ ! -f \\"$DIR/go\\" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done"]
              env: { DIR: "${{ inputs.dir }}" }
        """

    /// Scans every byte the runs left for the token in every encoding.
    static func expectNoToken(in ws: TestWorkspace, runID: String, outputs: [(String, String)], env: [String: String]) throws {
        var all = outputs
        for format in ["md", "html", "json"] {
            all.append(("report \(format)", try QRun.run(["report", runID, "--format", format], home: ws.home, env: env).stdout))
        }
        all.append(("audit export", try QRun.run(["audit", "export"], home: ws.home, env: env).stdout))
        let show = try QRun.run(["runs", "show", runID, "--json"], home: ws.home, env: env)
        all.append(("runs show", show.stdout))
        // The secret really reached the later step's output, masked.
        #expect(show.stdout.contains("[REDACTED]"), "the leak step must have printed the token: \(show.stdout.prefix(400))")
        let scanner = CanaryScanner(token)
        for file in TestWorkspace.files(under: ws.stateDirectory) {
            let found = scanner.find(in: try Data(contentsOf: URL(fileURLWithPath: file)))
            #expect(found.isEmpty, "token found in \(file) as \(found)")
        }
        for (label, text) in all {
            let found = scanner.find(in: text)
            #expect(found.isEmpty, "token found in \(label) as \(found)")
        }
    }

    @Test func approvingInANewProcessKeepsTheSecretMasked() throws {
        let ws = try TestWorkspace("across-approve")
        defer { ws.cleanup() }
        try ws.write(runbook: "across", Self.runbook(pause: Self.approvalPause))
        let env = ["QRUN_ACROSS_TOKEN": Self.token]
        let first = try QRun.run(["run", "across", "--input", "dir=\(ws.home)", "--no-wait", "--json"], home: ws.home, env: env)
        #expect(first.status == 3, "waiting exits 3: \(first.stderr)")
        let runID = try #require(try first.json()["run_id"] as? String)

        // `approve --resume` returns while the run still looks waiting to it; approve, then resume, each a new process.
        let approve = try QRun.run(["approve", runID, "pause"], home: ws.home, env: env)
        #expect(approve.status == 0, "\(approve.stderr)")
        let second = try QRun.run(["resume", runID, "--json"], home: ws.home, env: env)
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        try Self.expectNoToken(in: ws, runID: runID, outputs: [
            ("run stdout", first.stdout), ("run stderr", first.stderr), ("approve", approve.stdout + approve.stderr),
            ("resume stdout", second.stdout), ("resume stderr", second.stderr),
        ], env: env)
    }

    @Test func resumingAfterKillNineKeepsTheSecretMasked() throws {
        let ws = try TestWorkspace("across-kill")
        defer { ws.cleanup() }
        try ws.write(runbook: "across", Self.runbook(pause: Self.gatePause))
        let env = ["QRUN_ACROSS_TOKEN": Self.token]
        let runner = try QRun.start(["run", "across", "--input", "dir=\(ws.home)", "--json"], home: ws.home, env: env)
        var polls = 0
        while !FileManager.default.fileExists(atPath: ws.home + "/paused") && runner.isRunning && polls < 2000 {
            usleep(10_000)
            polls += 1
        }
        #expect(FileManager.default.fileExists(atPath: ws.home + "/paused"), "the run must reach the pause")
        runner.signal(SIGKILL)
        let killed = runner.wait()
        #expect(killed.killedBySignal)
        _ = FileManager.default.createFile(atPath: ws.home + "/go", contents: nil)

        let resumed = try QRun.run(["resume", "--all", "--json"], home: ws.home, env: env)
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        let list = try QRun.run(["runs", "list", "--json"], home: ws.home, env: env)
        let runID = try #require(list.stdout.range(of: #"\d{8}T\d{6}Z-[a-z0-9]{6}"#, options: .regularExpression).map { String(list.stdout[$0]) })
        try Self.expectNoToken(in: ws, runID: runID, outputs: [
            ("run stdout", killed.stdout), ("run stderr", killed.stderr), ("resume stdout", resumed.stdout), ("resume stderr", resumed.stderr),
        ], env: env)
    }
}
