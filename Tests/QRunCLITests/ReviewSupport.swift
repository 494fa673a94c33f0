import Foundation
import QRunTestSupport

/// A real run for the review tests, made with the built binary: evidence snapshot, an approval
/// given by the operator, a containment step that fails once (retryable) and then succeeds, one
/// that fails for good, a dependant cancelled by it, a conditional step skipped, an on_failure
/// page, and a second trigger attached through the concurrency key.
struct ReviewRun {
    let ws: TestWorkspace
    let runID: String

    static func runbook(home: String) -> String {
        """
        runbook: leaked-token
        version: 1
        description: Contain a leaked quantum-provider token (review example).
        inputs:
          token_id: { type: string, required: true }
          provider: { type: enum, values: [ibm-quantum, braket], default: ibm-quantum }
        concurrency:
          key: "leaked-token/${{ inputs.token_id }}"
        steps:
          - id: snapshot
            uses: evidence.snapshot
            with: { paths: ["\(home)/agent-home"], sockets: false }
          - id: approve
            uses: core.approval
            with: { message: "Contain ${{ inputs.token_id }}?", allow_self: true }
          - id: disable-key
            needs: [approve]
            uses: shell.exec
            with:
              argv:
                - /bin/sh
                - -c
                - >-
                  if [ -e disabled.marker ]; then echo disabled ${{ inputs.token_id }}; exit 0; fi;
                  touch disabled.marker; echo 'provider answered 503' >&2; exit 75
              cwd: "\(home)"
            retry: { max_attempts: 3, backoff: constant, initial: 400ms, max: 400ms }
          - id: stop-agent-sandbox
            needs: [approve]
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "sleep 0.3; echo sandbox stopped"] }
          - id: braket-cancel-tasks
            needs: [disable-key]
            if: "${{ inputs.provider == 'braket' }}"
            uses: shell.exec
            with: { argv: ["/bin/true"] }
          - id: rotate-guarded-secret
            needs: [disable-key]
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "sleep 0.2; echo 'vault is sealed' >&2; exit 3"] }
          - id: notify
            needs: [rotate-guarded-secret, stop-agent-sandbox, snapshot, braket-cancel-tasks]
            uses: core.noop
            with: { message: "contained ${{ inputs.token_id }}" }
        on_failure:
          - id: page
            uses: core.noop
            with: { message: "qrun ${{ run.id }} failed" }
        """
    }

    /// Makes the run; throws when any command does not answer as a user would expect.
    static func make(_ ws: TestWorkspace) throws -> ReviewRun {
        try ws.write(runbook: "leaked-token", runbook(home: ws.home))
        try ws.write(file: "agent-home/.qiskit/qiskit-ibm.json", "{\"default\": {\"channel\": \"ibm_quantum\"}}\n")
        try ws.write(file: "agent-home/notes.txt", "agent transcript\n")
        let args = ["run", "leaked-token", "--input", "token_id=ApiKey-1234", "--no-wait", "--json"]
        let first = try QRun.run(args, home: ws.home)
        guard first.status == 3, let runID = try first.json()["run_id"] as? String else {
            throw TestFailure("the run must wait for approval (exit 3): \(first.status) \(first.stdout) \(first.stderr)")
        }
        let again = try QRun.run(args, home: ws.home)
        guard again.status == 3, try again.json()["run_id"] as? String == runID else {
            throw TestFailure("a second trigger for the same token must attach: \(again.stdout) \(again.stderr)")
        }
        let approve = try QRun.run(["approve", runID, "approve", "--comment", "revoke now"], home: ws.home)
        guard approve.status == 0 else { throw TestFailure("approve: \(approve.stderr)") }
        let resume = try QRun.run(["resume", runID, "--json"], home: ws.home)
        guard resume.status == 1, try resume.json()["status"] as? String == "failed" else {
            throw TestFailure("the run must end failed (rotation refused): \(resume.status) \(resume.stdout) \(resume.stderr)")
        }
        return ReviewRun(ws: ws, runID: runID)
    }
}

/// Debian `chromium`, headless, kept to 127.0.0.1: no background networking, its profile in a
/// temporary folder.
enum HeadlessChromium {
    static let path = "/usr/bin/chromium"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: path) }

    static func run(_ extra: [String], page: String, profile: String) throws -> ProcessOutput {
        let args = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
                    "--metrics-recording-only", "--no-default-browser-check", "--run-all-compositor-stages-before-draw",
                    "--user-data-dir=\(profile)"] + extra + ["file://\(page)"]
        let p = try RunningProcess(executable: path, arguments: args, environment: ["PATH": "/usr/bin:/bin", "HOME": profile, "LANG": "C.UTF-8"],
                                   cwd: profile, stdin: nil)
        return p.wait(timeout: 120)
    }

    /// Width and height from a PNG's IHDR chunk, nil when `data` is not a PNG.
    static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], bytes[12..<16] == [0x49, 0x48, 0x44, 0x52] else {
            return nil
        }
        func be(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }
}
