import Foundation
import QRunTestSupport
import Testing

/// Only text written in the runbook (or given by an operator as a `type: secret` input) is ever
/// resolved as a secret reference; a string input that looks like one is sent as that text.
@Suite(.serialized)
struct SecretProvenanceTests {
    static let canary = "qpr0v3n4nc3-C4n4ry-8e1f06d2a9"
    static let fileCanary = "qpr0v3n4nc3-F1l3-77c0d3b2e5"

    static let runbook = """
        runbook: provenance
        version: 1
        inputs:
          base: { type: string, required: true }
          note: { type: string, required: true }
          other: { type: string, required: true }
          api: { type: secret }
        steps:
          - id: echo
            uses: http.request
            with:
              method: POST
              url: "${{ inputs.base }}/echo/provenance"
              headers: { X-Note: "${{ inputs.note }}", X-Other: "${{ inputs.other }}", X-Api: "${{ inputs.api }}" }
              body: { note: "${{ inputs.note }}", other: "${{ inputs.other }}" }
          - id: as-url
            needs: [echo]
            uses: http.request
            with: { method: POST, url: "${{ inputs.note }}" }
        """

    @Test func stringInputsThatLookLikeReferencesArriveAsPlainText() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("provenance")
        defer { ws.cleanup() }
        try ws.write(runbook: "provenance", Self.runbook)
        try ws.write(file: "secrets/canary", Self.fileCanary + "\n", mode: 0o600)
        // If the note were resolved, the URL step would post to this path on the echo server.
        let env = ["QRUN_PROVENANCE_CANARY": "\(server.baseURL)/echo/leaked-\(Self.canary)", "QRUN_PROVENANCE_API": "api-" + Self.canary]
        let run = try QRun.run(["run", "provenance", "--input", "base=\(server.baseURL)", "--input", "note=secret:env:QRUN_PROVENANCE_CANARY",
                                "--input", "other=secret:file:secrets/canary", "--input", "api=secret:env:QRUN_PROVENANCE_API"],
                               home: ws.home, env: env)
        let runID = try #require(run.jsonLines().first?["run_id"] as? String)
        let show = try QRun.run(["runs", "show", runID, "--json"], home: ws.home, env: env)
        let steps = (try show.json()["steps"] as? [[String: Any]]) ?? []
        func step(_ id: String) -> [String: Any] { steps.first { $0["id"] as? String == id } ?? [:] }

        let echoed = ((step("echo")["outputs"] as? [String: Any])?["body"] as? String) ?? ""
        #expect(step("echo")["status"] as? String == "succeeded", "\(run.stdout)")
        // The server received the literal text of the inputs (in the header and in the body: twice each) ...
        #expect(echoed.components(separatedBy: "secret:env:QRUN_PROVENANCE_CANARY").count - 1 >= 2, "\(echoed.prefix(600))")
        #expect(echoed.components(separatedBy: "secret:file:secrets/canary").count - 1 >= 2, "\(echoed.prefix(600))")
        // ... while the operator's `type: secret` input was resolved (and masked on the way back).
        #expect(!echoed.contains("secret:env:QRUN_PROVENANCE_API"))
        #expect(echoed.contains("[REDACTED]"))
        // The text is not a URL, so the step fails instead of posting the canary anywhere.
        #expect(step("as-url")["status"] as? String == "failed")
        let paths = try server.stats().keys.values.flatMap(\.paths)
        #expect(!paths.contains { $0.contains("leaked") }, "\(paths)")

        let scanners = [CanaryScanner(Self.canary), CanaryScanner(Self.fileCanary)]
        for file in TestWorkspace.files(under: ws.stateDirectory) {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            for s in scanners { #expect(s.find(in: data).isEmpty, "\(s.canary) in \(file)") }
        }
        for s in scanners { #expect(s.find(in: run.stdout + run.stderr + show.stdout).isEmpty) }
    }

    @Test func credentialLikeDeclaredEnvironmentValuesAreMasked() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("envmask")
        defer { ws.cleanup() }
        try ws.write(runbook: "envmask", """
            runbook: envmask
            version: 1
            env: [QRUN_DEPLOY_TOKEN, QRUN_REGION]
            steps:
              - id: send
                uses: http.request
                with:
                  method: POST
                  url: "\(server.baseURL)/echo/env"
                  body: { token: "${{ env.QRUN_DEPLOY_TOKEN }}", region: "${{ env.QRUN_REGION }}" }
            """)
        let token = "qenvT0k3n-d3cl4r3d-5b2f9a7c31"
        let env = ["QRUN_DEPLOY_TOKEN": token, "QRUN_REGION": "eu-central-1"]
        let run = try QRun.run(["run", "envmask"], home: ws.home, env: env)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let runID = try #require(run.jsonLines().first?["run_id"] as? String)
        let export = try QRun.run(["audit", "export"], home: ws.home, env: env)
        #expect(export.stdout.contains("eu-central-1"), "an ordinary env value stays visible")
        let scanner = CanaryScanner(token)
        for file in TestWorkspace.files(under: ws.stateDirectory) {
            #expect(scanner.find(in: try Data(contentsOf: URL(fileURLWithPath: file))).isEmpty, "token in \(file)")
        }
        let report = try QRun.run(["report", runID, "--format", "json"], home: ws.home, env: env)
        #expect(scanner.find(in: export.stdout + report.stdout + run.stdout).isEmpty)
    }

    @Test func theBasicAuthorizationOfASecretURLIsMasked() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("basic")
        defer { ws.cleanup() }
        try ws.write(runbook: "basic", """
            runbook: basic
            version: 1
            steps:
              - id: send
                uses: http.request
                with: { method: POST, url: "secret:env:QRUN_BASIC_URL", body: "hello" }
            """)
        let password = "qb4s1cP4ssw0rd-93ce1a"
        let url = server.baseURL.replacingOccurrences(of: "http://", with: "http://qrun:\(password)@") + "/echo/basic"
        let env = ["QRUN_BASIC_URL": url]
        let run = try QRun.run(["run", "basic"], home: ws.home, env: env)
        let runID = try #require(run.jsonLines().first?["run_id"] as? String)
        let show = try QRun.run(["runs", "show", runID, "--json"], home: ws.home, env: env)
        let basic = Data("qrun:\(password)".utf8).base64EncodedString()
        // The password in every form; the header's base64 as the server echoed it (raw: further encodings of
        // an encoding are beyond what the redactor promises).
        let passwordScanner = CanaryScanner(password)
        var texts = [run.stdout, show.stdout]
        for file in TestWorkspace.files(under: ws.stateDirectory) {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(passwordScanner.find(in: data).isEmpty, "the password in \(file)")
            texts.append(String(decoding: data, as: UTF8.self))
        }
        #expect(show.stdout.contains("Basic [REDACTED]"), "the server must have echoed the Authorization header")
        for text in texts {
            #expect(passwordScanner.find(in: text).isEmpty)
            #expect(!text.contains(basic))
        }
    }

    @Test func validateRefusesLiteralCredentialsAndEmbeddedReferencesAtTheirPlace() throws {
        let ws = try TestWorkspace("credvalidate")
        defer { ws.cleanup() }
        let credential = "ghp_Qc4n4ryL1t3r4lT0k3n0123456789abcdef"
        let path = try ws.write(runbook: "creds", """
            runbook: creds
            version: 1
            steps:
              - id: call
                uses: http.request
                with:
                  url: "http://127.0.0.1:9/x"
                  headers: { Authorization: "Bearer secret:env:API_TOKEN", X-Token: "token \(credential)" }
            """)
        let out = try QRun.run(["validate", "creds"], home: ws.home)
        #expect(out.status == 2, "\(out.stdout)\n\(out.stderr)")
        let what = "error: parameter 'headers' of http.request in step 'call'"
        #expect(out.stderr.contains("\(path):8:33: \(what) has a secret:env: reference inside a longer text"), "\(out.stderr)")
        #expect(out.stderr.contains("\(path):8:73: \(what) holds what looks like a literal credential"), "\(out.stderr)")
        #expect(!out.stderr.contains(String(credential.dropFirst(4))), "the credential must not be echoed")
    }
}
