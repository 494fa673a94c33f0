import Foundation
import QRunTestSupport
import Testing

/// `evidence.snapshot` from a runbook, then `qrun evidence verify|open|keygen`, with the built binary.
@Suite(.serialized)
struct EvidenceCommandTests {
    static func runbook(recipient: String?) -> String {
        """
        runbook: collect
        version: 1
        steps:
          - id: snapshot
            uses: evidence.snapshot
            with:
              paths: [project]
              max_bytes: 4096
        \(recipient.map { "      recipient: \"\($0)\"" } ?? "")
          - id: after
            needs: [snapshot]
            uses: core.noop
            with: { message: "manifest ${{ steps.snapshot.outputs.manifest_sha256 }}" }
        """
    }

    func workspace(recipient: String? = nil) throws -> (TestWorkspace, runID: String, manifestHash: String) {
        let ws = try TestWorkspace("evidence")
        try ws.write(runbook: "collect", Self.runbook(recipient: recipient))
        try ws.write(file: "project/agent.py", "import os\nprint(os.environ)\n")
        try ws.write(file: "project/data/params.json", "{\"shots\": 100}")
        let run = try QRun.run(["run", "collect", "--json"], home: ws.home, env: ["QRUN_EV_CLI_CANARY": "cli-canary-4411"])
        #expect(run.status == 0, "\(run.stderr) \(run.stdout)")
        let o = try run.json()
        let runID = try #require(o["run_id"] as? String)
        let steps = o["steps"] as? [[String: Any]] ?? []
        let outputs = try #require(steps.first { $0["id"] as? String == "snapshot" }?["outputs"] as? [String: Any])
        let hash = try #require(outputs["manifest_sha256"] as? String)
        #expect(hash.count == 64)
        #expect(outputs["directory"] as? String == ws.stateDirectory + "/evidence/\(runID)/snapshot")
        return (ws, runID, hash)
    }

    @Test func verifyPassesThenFailsNamingTheChangedFile() throws {
        let (ws, runID, hash) = try workspace()
        defer { ws.cleanup() }
        let dir = ws.stateDirectory + "/evidence/\(runID)/snapshot"
        let ok = try QRun.run(["evidence", "verify", runID], home: ws.home)
        #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
        #expect(ok.stdout.contains("evidence intact"))

        // the manifest hash is in the audit chain
        let audit = try QRun.run(["audit", "export", "--run", runID], home: ws.home)
        #expect(audit.status == 0)
        #expect(audit.stdout.contains(hash))
        // env names recorded, the canary's value nowhere
        let names = try String(contentsOfFile: dir + "/system/environment_names.json", encoding: .utf8)
        #expect(names.contains("QRUN_EV_CLI_CANARY"))
        for f in TestWorkspace.files(under: ws.stateDirectory) {
            #expect(!(FileManager.default.contents(atPath: f) ?? Data()).contains(Data("cli-canary-4411".utf8)), "\(f)")
        }
        #expect(!audit.stdout.contains("cli-canary-4411"))

        for rel in ["files/0-project/data/params.json", "system/processes.json", "manifest.json"] {
            let path = dir + "/" + rel
            let original = try #require(FileManager.default.contents(atPath: path))
            var changed = original
            changed[changed.count / 2] ^= 0x01
            try changed.write(to: URL(fileURLWithPath: path))
            let bad = try QRun.run(["evidence", "verify", runID], home: ws.home)
            #expect(bad.status == 1, "\(rel): \(bad.stdout)")
            #expect(bad.stdout.contains("CHANGED") && bad.stdout.contains(rel), "\(bad.stdout)")
            try original.write(to: URL(fileURLWithPath: path))
        }
        let json = try QRun.run(["evidence", "verify", runID, "--json"], home: ws.home)
        #expect(try json.json()["intact"] as? Bool == true)
    }

    @Test func keygenSealAndOpen() throws {
        let keyWS = try TestWorkspace("evkey")
        defer { keyWS.cleanup() }
        let key = keyWS.home + "/evidence.key"
        let gen = try QRun.run(["evidence", "keygen", "--output", key], home: keyWS.home)
        #expect(gen.status == 0, "\(gen.stderr)")
        let publicKey = gen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Data(base64Encoded: publicKey)?.count == 32)
        let mode = (try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        #expect(try QRun.run(["evidence", "keygen", "--output", key], home: keyWS.home).status == 64)

        let (ws, runID, _) = try workspace(recipient: publicKey)
        defer { ws.cleanup() }
        let dir = ws.stateDirectory + "/evidence/\(runID)/snapshot"
        let sealed = try #require(FileManager.default.contents(atPath: dir + "/files/0-project/agent.py"))
        #expect(!sealed.contains(Data("print(os.environ)".utf8)))
        #expect(try QRun.run(["evidence", "verify", runID], home: ws.home).status == 0)
        let out = ws.home + "/opened"
        let opened = try QRun.run(["evidence", "open", runID, "--key", key, "--output", out], home: ws.home)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(try String(contentsOfFile: out + "/snapshot/files/0-project/agent.py", encoding: .utf8) == "import os\nprint(os.environ)\n")

        var tampered = sealed
        tampered[tampered.count - 1] ^= 0x80
        try tampered.write(to: URL(fileURLWithPath: dir + "/files/0-project/agent.py"))
        let bad = try QRun.run(["evidence", "open", runID, "--key", key, "--output", ws.home + "/opened2"], home: ws.home)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("files/0-project/agent.py"), "\(bad.stderr)")
        let verify = try QRun.run(["evidence", "verify", runID], home: ws.home)
        #expect(verify.status == 1 && verify.stdout.contains("files/0-project/agent.py"))
    }
}
