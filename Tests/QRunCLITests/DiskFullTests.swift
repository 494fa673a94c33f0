import Foundation
import QRunTestSupport
import Testing

/// The disk filling up mid-run: the last transaction is rolled back, the message says exactly
/// that (not "nothing was changed"), and once there is space again the run resumes and finishes.
/// The state directory is a small tmpfs in a private mount namespace, so nothing else is filled.
@Suite
struct DiskFullTests {
    static let chatty = """
        runbook: chatty
        version: 1
        steps:
          - id: s0
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "head -c 70000 /dev/urandom | base64 -w0"] }
          - id: s1
            needs: [s0]
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "head -c 70000 /dev/urandom | base64 -w0"] }
          - id: s2
            needs: [s1]
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "head -c 70000 /dev/urandom | base64 -w0"] }
          - id: s3
            needs: [s2]
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "head -c 70000 /dev/urandom | base64 -w0"] }
          - id: s4
            needs: [s3]
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "head -c 70000 /dev/urandom | base64 -w0"] }
          - id: s5
            needs: [s4]
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "head -c 70000 /dev/urandom | base64 -w0"] }
          - id: s6
            needs: [s5]
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "head -c 70000 /dev/urandom | base64 -w0"] }
          - id: s7
            needs: [s6]
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "head -c 70000 /dev/urandom | base64 -w0"] }
          - id: s8
            needs: [s7]
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "head -c 70000 /dev/urandom | base64 -w0"] }
          - id: s9
            needs: [s8]
            uses: shell.exec
            with: { argv: ["/bin/sh", "-c", "head -c 70000 /dev/urandom | base64 -w0"] }
        """

    @Test(.enabled(if: Prerequisite.required(FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"))))
    func aFullDiskMidRunIsReportedTruthfullyAndTheRunResumes() throws {
        let ws = try TestWorkspace("full")
        defer { ws.cleanup() }
        try ws.write(runbook: "chatty", Self.chatty)
        try FileManager.default.createDirectory(atPath: ws.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let script = """
            set -u
            mount -t tmpfs -o size=400k,mode=0700 qrun-full "$STATE" || exit 90
            "$QRUN" run chatty --json > "$OUT/first.json" 2> "$OUT/first.err"; echo $? > "$OUT/first.status"
            mount -o remount,size=20m "$STATE" || exit 91
            "$QRUN" resume --all --json > "$OUT/second.json" 2> "$OUT/second.err"; echo $? > "$OUT/second.status"
            "$QRUN" audit verify > "$OUT/verify.out" 2>&1; echo $? > "$OUT/verify.status"
            "$QRUN" runs list --json > "$OUT/list.json" 2>&1
            """
        let out = try RunningProcess(executable: "/usr/bin/unshare", arguments: ["--mount", "--propagation", "private", "/bin/sh", "-c", script],
                                     environment: QRun.environment(home: ws.home, extra: ["QRUN": QRun.binary, "STATE": ws.stateDirectory, "OUT": ws.home]),
                                     cwd: ws.home, stdin: nil).wait(timeout: 120)
        try #require(out.status == 0, "the namespace could not be set up: \(out.status) \(out.stderr)")
        func read(_ name: String) -> String { (try? String(contentsOfFile: "\(ws.home)/\(name)", encoding: .utf8)) ?? "" }
        let firstErr = read("first.err")
        #expect(read("first.status").trimmingCharacters(in: .whitespacesAndNewlines) == "5", "\(firstErr)")
        #expect(firstErr.contains("is full: the last change was not recorded"), "\(firstErr)")
        #expect(!firstErr.contains("nothing was changed"), "\(firstErr)")
        #expect(read("second.status").trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(read("second.err"))")
        #expect(read("verify.status").trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(read("verify.out"))")
        let list = try JSONSerialization.jsonObject(with: Data(read("list.json").utf8)) as? [String: Any]
        let runs = list?["runs"] as? [[String: Any]] ?? []
        #expect(runs.count == 1 && runs.first?["status"] as? String == "succeeded", "\(runs)")
    }
}
