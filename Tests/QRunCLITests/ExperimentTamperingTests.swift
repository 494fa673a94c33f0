import Foundation
import QRunCore
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The shipped `experiment-tampering` runbook from the CLI, with a real process tree standing in
/// for the agent and the signed-webhook receiver for the responders: a changed experiment file is
/// detected, kept as evidence with its new hash, the agent is stopped and the webhook carries the
/// diff summary; an untouched folder stops nothing and tells nobody.
@Suite(.serialized)
struct ExperimentTamperingTests {
    static let webhookSecret = "whsec-qc4n4ry-7a3pe2"

    /// A workspace with the shipped runbook, an experiment folder and its manifest recorded by
    /// `integrity.manifest` (mode create), and a running process tree with its pidfiles.
    struct Setup {
        let ws: TestWorkspace
        let dir: String
        let manifest: String
        let pids: String
        let members: [Int32]
        let tree: RunningProcess

        init(_ label: String) throws {
            ws = try RunbookLibrary.workspace(label, ["experiment-tampering"])
            let circuit = try ws.write(file: "experiments/bell/circuit.qasm", "OPENQASM 3; qubit[2] q; h q[0]; cx q[0], q[1];\n")
            try ws.write(file: "experiments/bell/params.json", "{\"shots\": 1000}\n")
            dir = ((circuit as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
            manifest = ws.home + "/experiments.manifest"
            try ws.write(runbook: "baseline", """
                runbook: baseline
                version: 1
                inputs: { dir: { type: string, required: true }, manifest: { type: string, required: true } }
                steps:
                  - id: record
                    uses: integrity.manifest
                    with: { mode: create, paths: ["${{ inputs.dir }}"], manifest: "${{ inputs.manifest }}" }
                """)
            let base = try QRun.run(["run", "baseline", "--input", "dir=\(dir)", "--input", "manifest=\(manifest)", "--json"], home: ws.home)
            guard base.status == 0 else { throw TestFailure("baseline manifest: \(base.stdout) \(base.stderr)") }
            let pidDir = ws.home + "/pids"
            pids = pidDir
            try FileManager.default.createDirectory(atPath: pidDir, withIntermediateDirectories: true)
            tree = try RunningProcess(executable: "/bin/sh", arguments: [Fixtures.path("sandbox/tree.sh"), pidDir],
                                      environment: ["PATH": "/usr/bin:/bin"], cwd: nil, stdin: nil)
            let names = ["root", "child", "mid", "mid-child", "detached"]
            for _ in 0..<1500 where !names.allSatisfy({ FileManager.default.fileExists(atPath: "\(pidDir)/\($0)") }) { usleep(10_000) }
            var found: [Int32] = []
            for name in names {
                let text = try String(contentsOfFile: "\(pidDir)/\(name)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                guard let pid = Int32(text) else { throw TestFailure("no pid in \(name)") }
                found.append(pid)
            }
            members = found
        }

        func run(_ receiver: PythonServer, command: String = "incident") throws -> ProcessOutput {
            let env = ["QRUN_INCIDENT_WEBHOOK": "\(receiver.baseURL)/hooks/incident", "QRUN_WEBHOOK_SECRET": ExperimentTamperingTests.webhookSecret]
            return try QRun.run([command, "experiment-tampering", "--agent", "alpha", "--experiments-dir", dir, "--manifest", manifest,
                                 "--pidfile", "\(pids)/root", "--json"], home: ws.home, env: env)
        }

        func stop() {
            for pid in members { kill(pid, SIGKILL) }
            _ = tree.wait(timeout: 10)
            ws.cleanup()
        }
    }

    @Test func aChangedFileIsKeptTheAgentIsQuarantinedAndTheDiffIsSent() throws {
        let receiver = try PythonServer("notify/webhook_receiver.py", env: ["WEBHOOK_SECRET": Self.webhookSecret])
        defer { receiver.stop() }
        let s = try Setup("tamper")
        defer { s.stop() }
        #expect(s.members.allSatisfy(AgentContainmentTests.alive))
        let tampered = "{\"shots\": 1000000}\n"
        try s.ws.write(file: "experiments/bell/params.json", tampered)

        // A drill plans every step and changes nothing: the agent runs on, nobody is told.
        let drill = try s.run(receiver, command: "drill")
        #expect(drill.status == 0, "drill: \(drill.stdout.suffix(2000)) \(drill.stderr)")
        #expect(s.members.allSatisfy(AgentContainmentTests.alive), "the drill stopped the agent")
        #expect(((try receiver.getJSON("/_fake/state") as? [String: Any])?["effects"] as? [Any] ?? []).isEmpty, "the drill notified")

        let out = try s.run(receiver)
        #expect(out.status == 0, "\(out.stdout.suffix(2000)) \(out.stderr)")
        let steps = CredentialLeak.byID(try out.json()["steps"])
        #expect(CredentialLeak.status(steps) == ["verify": "succeeded", "snapshot": "succeeded", "quarantine-processes": "succeeded",
                                                 "quarantine-cgroup": "skipped", "quarantine-containers": "skipped", "notify": "succeeded"])
        let check = steps["verify"]?["outputs"] as? [String: Any] ?? [:]
        #expect(check["intact"] as? Bool == false && check["modified"] as? [String] == ["experiments/bell/params.json"], "\(check)")

        // The evidence holds the changed file as it is now, by hash.
        let evidence = try #require((steps["snapshot"]?["outputs"] as? [String: Any])?["directory"] as? String)
        let manifest = try String(contentsOfFile: evidence + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains(Digest.sha256Hex(Data(tampered.utf8))), "the changed file's sha256 is in the evidence manifest")

        // The agent is quarantined: every member of its tree is gone.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, s.members.contains(where: AgentContainmentTests.alive) { usleep(50_000) }
        #expect(!s.members.contains(where: AgentContainmentTests.alive), "survivors: \(s.members.filter(AgentContainmentTests.alive))")

        // One signed webhook with the diff summary.
        let state = try receiver.getJSON("/_fake/state") as? [String: Any] ?? [:]
        let effects = state["effects"] as? [[String: Any]] ?? []
        #expect(effects.count == 1 && (state["rejections"] as? [Any])?.isEmpty ?? true, "\(state)")
        let payload = effects.first?["payload"] as? [String: Any] ?? [:]
        #expect(payload["event"] as? String == "experiments.tampered")
        #expect(payload["modified"] as? String == "experiments/bell/params.json", "\(payload)")
        #expect(payload["summary"] as? String == "1 of 2 experiment files modified, 0 missing, 0 added", "\(payload)")
    }

    @Test func anUntouchedFolderQuarantinesNothing() throws {
        let receiver = try PythonServer("notify/webhook_receiver.py", env: ["WEBHOOK_SECRET": Self.webhookSecret])
        defer { receiver.stop() }
        let s = try Setup("intact")
        defer { s.stop() }

        let out = try s.run(receiver)
        #expect(out.status == 0, "\(out.stdout.suffix(2000)) \(out.stderr)")
        let steps = CredentialLeak.byID(try out.json()["steps"])
        #expect(CredentialLeak.status(steps) == ["verify": "succeeded", "snapshot": "skipped", "quarantine-processes": "skipped",
                                                 "quarantine-cgroup": "skipped", "quarantine-containers": "skipped", "notify": "skipped"])
        #expect((steps["verify"]?["outputs"] as? [String: Any])?["intact"] as? Bool == true)
        #expect(s.members.allSatisfy(AgentContainmentTests.alive), "the agent keeps running")
        let state = try receiver.getJSON("/_fake/state") as? [String: Any] ?? [:]
        #expect((state["effects"] as? [Any] ?? []).isEmpty, "nobody is told")
    }
}
