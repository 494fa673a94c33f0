import Foundation
import QRunTestSupport
import Testing

/// Canary secrets go through every path a secret can take in a run (request headers and
/// bodies, a webhook URL, a child's granted environment and stdin, a server that echoes them back
/// in several encodings, an error message quoting the response); then every byte qrun wrote —
/// the state directory, its stdout and stderr, reports, the audit export — is scanned for each
/// canary in every encoding.
@Suite(.serialized)
struct CanarySecretTests {
    // Characters that differ between encodings: '/', '+', '"', '=', '&', a space.
    static let token = "qc4n4ry-T0k3n/+\"=&x 9f3a71"
    static let fileSecret = "qc4n4ry-F1le-7d2e90b4c3"
    static let webhookPath = "hook-qc4n4ry-W3bh00k-55aa1e"

    static let runbook = """
        runbook: canary
        version: 1
        inputs:
          base: { type: string, required: true }
          api_token: { type: secret, default: "secret:env:QRUN_CANARY_TOKEN" }
        steps:
          - id: call
            uses: http.request
            with:
              method: POST
              url: "${{ inputs.base }}/echo/call"
              headers:
                Authorization: "secret:env:QRUN_CANARY_TOKEN"
                X-Api-Key: "secret:file:secrets/api-key"
              body: { token: "secret:env:QRUN_CANARY_TOKEN", note: rotate }
          - id: webhook
            uses: http.request
            with: { method: POST, url: "secret:env:QRUN_CANARY_WEBHOOK", body: "secret:file:secrets/api-key" }
          - id: granted-child
            uses: shell.exec
            with:
              argv: ["/bin/sh", "-c", "echo token=$TOKEN; printf %s \\"$TOKEN\\" | base64; read line; echo stdin=$line; echo oops >&2; echo \\"$TOKEN\\" >&2"]
              env: { TOKEN: "secret:env:QRUN_CANARY_TOKEN" }
              stdin: "secret:file:secrets/api-key"
          - id: ungranted-child
            uses: shell.exec
            with: { argv: ["/usr/bin/env"] }
          - id: quoted-in-error
            needs: [call]
            uses: http.request
            with:
              method: POST
              url: "${{ inputs.base }}/echo/error"
              headers: { Authorization: "secret:env:QRUN_CANARY_TOKEN" }
              expect_status: 201
        """

    @Test func noCanaryInAnyByteQrunWrote() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("canary")
        defer { ws.cleanup() }
        try ws.write(runbook: "canary", Self.runbook)
        try ws.write(file: "secrets/api-key", Self.fileSecret + "\n", mode: 0o600)
        let env = ["QRUN_CANARY_TOKEN": Self.token, "QRUN_CANARY_WEBHOOK": "\(server.baseURL)/echo/\(Self.webhookPath)"]

        var outputs: [(String, String)] = []
        let run = try QRun.run(["run", "canary", "--input", "base=\(server.baseURL)"], home: ws.home, env: env)
        outputs.append(("run stdout", run.stdout))
        outputs.append(("run stderr", run.stderr))
        #expect(run.status == 1, "the quoted-in-error step must fail: \(run.stdout)")
        let runID = try #require(run.jsonLines().first?["run_id"] as? String)

        let show = try QRun.run(["runs", "show", runID, "--json"], home: ws.home, env: env)
        outputs.append(("runs show", show.stdout))
        let steps = (try show.json()["steps"] as? [[String: Any]]) ?? []
        func step(_ id: String) -> [String: Any] { steps.first { $0["id"] as? String == id } ?? [:] }
        // The secrets really went through: the server echoed them back and the child printed them,
        // masked on the way into the store.
        #expect(step("call")["status"] as? String == "succeeded")
        let echoed = ((step("call")["outputs"] as? [String: Any])?["body"] as? String) ?? ""
        #expect(echoed.contains("[REDACTED]"), "the echoed Authorization header must be masked: \(echoed.prefix(300))")
        #expect(step("webhook")["status"] as? String == "succeeded")
        let child = (step("granted-child")["outputs"] as? [String: Any]) ?? [:]
        #expect((child["stdout"] as? String ?? "").contains("token=[REDACTED]"))
        #expect((child["stdout"] as? String ?? "").contains("stdin=[REDACTED]"))
        // A child given no grant sees none of qrun's environment.
        let ungranted = ((step("ungranted-child")["outputs"] as? [String: Any])?["stdout"] as? String) ?? ""
        #expect(!ungranted.contains("QRUN_CANARY"))
        #expect(!ungranted.contains("[REDACTED]"))
        #expect(ungranted.contains("QRUN_STEP_ID=ungranted-child"))
        let failed = step("quoted-in-error")
        #expect(failed["status"] as? String == "failed")
        #expect((failed["error"] as? String ?? "").contains("HTTP 200"))

        for format in ["md", "html", "json"] {
            let r = try QRun.run(["report", runID, "--format", format], home: ws.home, env: env)
            #expect(r.status == 0)
            outputs.append(("report \(format)", r.stdout))
        }
        let export = try QRun.run(["audit", "export"], home: ws.home, env: env)
        outputs.append(("audit export", export.stdout))
        let list = try QRun.run(["runs", "list"], home: ws.home, env: env)
        outputs.append(("runs list", list.stdout))

        let canaries = [CanaryScanner(Self.token), CanaryScanner(Self.fileSecret), CanaryScanner(Self.webhookPath)]
        var scanned = 0
        for file in TestWorkspace.files(under: ws.stateDirectory) {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            scanned += data.count
            for c in canaries {
                let found = c.find(in: data)
                #expect(found.isEmpty, "\(c.canary) found in \(file) as \(found)")
            }
        }
        for (label, text) in outputs {
            scanned += text.utf8.count
            for c in canaries {
                let found = c.find(in: text)
                #expect(found.isEmpty, "\(c.canary) found in \(label) as \(found)")
            }
        }
        #expect(scanned > 50_000, "the scan must cover the database and outputs")
    }

    @Test func scannerFindsEveryEncodingItLooksFor() {
        // The scan is only as good as its detector: it must see each encoding it claims to.
        let c = CanaryScanner(Self.token)
        for form in c.forms {
            let text = "prefix " + String(decoding: form.bytes, as: UTF8.self) + " suffix"
            #expect(c.find(in: text).contains(form.name), "\(form.name)")
        }
        #expect(c.find(in: "nothing to see").isEmpty)
        let blob = Data(("xy" + Self.token + "zz").utf8).base64EncodedString()
        #expect(!c.find(in: blob).isEmpty, "embedded base64 must be found")
    }
}
