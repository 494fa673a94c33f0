import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The shipped `agent-containment` runbook from the CLI: a real process tree (with a grandchild
/// that detached into its own session) is stopped, evidence is collected first and verifies, the
/// experiment files are checked, and a signed webhook tells the responders.
@Suite(.serialized)
struct AgentContainmentTests {
    static var shippedRunbook: String {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let path = here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("runbooks/agent-containment.yaml").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    static func alive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state != "Z"
    }

    @Test func stopsTheAgentKeepsVerifiedEvidenceAndNotifies() throws {
        let webhookSecret = "whsec-qc4n4ry-5a17e0"
        let receiver = try PythonServer("notify/webhook_receiver.py", env: ["WEBHOOK_SECRET": webhookSecret])
        defer { receiver.stop() }
        let ws = try TestWorkspace("agent")
        defer { ws.cleanup() }
        try ws.write(runbook: "agent-containment", Self.shippedRunbook)
        let work = try ws.write(file: "agent-work/circuit.qasm", "OPENQASM 3; qubit[2] q; h q[0]; cx q[0], q[1];\n")
        try ws.write(file: "agent-work/params.json", "{\"shots\": 1000}\n")
        let workdir = (work as NSString).deletingLastPathComponent
        let manifest = ws.home + "/experiments.manifest"

        // An experiment manifest made before the agent ran, then the agent tampers with one file.
        try ws.write(runbook: "baseline", """
            runbook: baseline
            version: 1
            inputs: { dir: { type: string, required: true }, manifest: { type: string, required: true } }
            steps:
              - id: record
                uses: integrity.manifest
                with: { mode: create, paths: ["${{ inputs.dir }}"], manifest: "${{ inputs.manifest }}" }
            """)
        let base = try QRun.run(["run", "baseline", "--input", "dir=\(workdir)", "--input", "manifest=\(manifest)", "--json"], home: ws.home)
        #expect(base.status == 0, "\(base.stdout) \(base.stderr)")
        try ws.write(file: "agent-work/params.json", "{\"shots\": 1000000}\n")

        // The agent: a process tree with a grandchild that called setsid.
        let pids = ws.home + "/pids"
        try FileManager.default.createDirectory(atPath: pids, withIntermediateDirectories: true)
        let tree = try RunningProcess(executable: "/bin/sh", arguments: [Fixtures.path("sandbox/tree.sh"), pids],
                                      environment: ["PATH": "/usr/bin:/bin"], cwd: nil, stdin: nil)
        var names = ["root", "child", "mid", "mid-child", "detached"]
        for _ in 0..<1500 where !names.allSatisfy({ FileManager.default.fileExists(atPath: "\(pids)/\($0)") }) { usleep(10_000) }
        let members = try names.map { try #require(Int32(String(contentsOfFile: "\(pids)/\($0)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))) }
        #expect(members.allSatisfy(Self.alive))
        names = []

        let env = ["QRUN_INCIDENT_WEBHOOK": "\(receiver.baseURL)/hooks/incident", "QRUN_WEBHOOK_SECRET": webhookSecret]
        let out = try QRun.run(["incident", "agent-containment", "--agent", "alpha", "--pidfile", "\(pids)/root", "--workdir", workdir,
                                "--experiments-manifest", manifest, "--json"], home: ws.home, env: env)
        _ = tree.wait(timeout: 10)
        #expect(out.status == 0, "\(out.stdout.suffix(2000)) \(out.stderr)")
        let o = try out.json()
        let runID = try #require(o["run_id"] as? String)
        let steps = Dictionary(uniqueKeysWithValues: ((o["steps"] as? [[String: Any]]) ?? []).map { ($0["id"] as! String, $0) })
        #expect(steps["snapshot"]?["status"] as? String == "succeeded")
        #expect(steps["kill-processes"]?["status"] as? String == "succeeded")
        #expect(steps["kill-cgroup"]?["status"] as? String == "skipped")
        #expect(steps["kill-containers"]?["status"] as? String == "skipped")
        let check = (steps["check-experiments"]?["outputs"] as? [String: Any]) ?? [:]
        #expect(check["intact"] as? Bool == false)
        #expect((check["modified"] as? [String])?.contains { $0.hasSuffix("params.json") } == true)

        // Every member of the tree is gone, the detached grandchild included.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, members.contains(where: Self.alive) { usleep(50_000) }
        #expect(!members.contains(where: Self.alive), "survivors: \(members.filter(Self.alive))")

        // Evidence was taken before the kill and verifies; one changed byte is caught.
        let verify = try QRun.run(["evidence", "verify", runID], home: ws.home)
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let snapshotOutputs = (steps["snapshot"]?["outputs"] as? [String: Any]) ?? [:]
        let evidenceDir = try #require(snapshotOutputs["directory"] as? String)
        let processes = try String(contentsOfFile: evidenceDir + "/system/processes.json", encoding: .utf8)
        #expect(processes.contains("sleep 300"), "the agent's processes were recorded before they were stopped")
        let evidenceFiles = TestWorkspace.files(under: evidenceDir).filter { !$0.hasSuffix("manifest.json") }
        let victim = try #require(evidenceFiles.first)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: victim))
        let tampered = try QRun.run(["evidence", "verify", runID], home: ws.home)
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains((victim as NSString).lastPathComponent), "\(tampered.stdout)")

        // The responders got one signed webhook carrying the evidence manifest's hash.
        let state = try receiver.getJSON("/_fake/state") as? [String: Any] ?? [:]
        let effects = state["effects"] as? [[String: Any]] ?? []
        #expect(effects.count == 1, "\(state)")
        #expect((state["rejections"] as? [Any])?.isEmpty ?? true, "signature and timestamp verified")
        let delivered = "\(effects.first ?? [:])"
        #expect(delivered.contains(snapshotOutputs["manifest_sha256"] as? String ?? "missing"))

        // The webhook secret reached nothing qrun wrote.
        let canary = CanaryScanner(webhookSecret)
        for file in TestWorkspace.files(under: ws.stateDirectory) {
            #expect(canary.find(in: try Data(contentsOf: URL(fileURLWithPath: file))).isEmpty, "\(file)")
        }
        #expect(canary.find(in: out.stdout + out.stderr).isEmpty)
    }
}
