import Foundation
import QRunTestSupport
import Testing

/// `qrun drill`: every step planned, credentials resolved, nothing changed at the servers.
@Suite
struct DrillTests {
    static let runbook = """
        runbook: rehearse
        version: 1
        inputs:
          base: { type: string, required: true }
          token_id: { type: string, required: true }
        steps:
          - id: revoke
            uses: http.request
            with:
              method: POST
              url: "${{ inputs.base }}/effect/revoke"
              headers: { Authorization: "secret:env:QRUN_DRILL_TOKEN" }
          - id: gate
            needs: [revoke]
            uses: core.approval
          - id: notify
            needs: [gate]
            uses: http.request
            with: { method: POST, url: "secret:env:QRUN_DRILL_WEBHOOK", body: "revoked ${{ inputs.token_id }}" }
          - id: wait
            uses: core.sleep
            with: { duration: 1h }
          - id: script
            uses: shell.exec
            with: { argv: ["definitely-not-installed-qrun"] }
        """

    @Test func drillChangesNothingAndReportsWhatIsMissing() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("drill")
        defer { ws.cleanup() }
        try ws.write(runbook: "rehearse", Self.runbook)
        let out = try QRun.run(["drill", "rehearse", "--base", server.baseURL, "--token-id", "t-1", "--json"], home: ws.home,
                               env: ["QRUN_DRILL_TOKEN": "drill-token-value"])
        #expect(out.status == 1, "missing credential and program make the drill fail")
        let o = try out.json()
        #expect(o["mode"] as? String == "drill")
        let steps = Dictionary(uniqueKeysWithValues: ((o["steps"] as? [[String: Any]]) ?? []).map { ($0["id"] as! String, $0) })
        #expect(steps["revoke"]?["status"] as? String == "succeeded")
        #expect(steps["gate"]?["status"] as? String == "succeeded", "approvals are planned, not awaited")
        #expect(steps["notify"]?["status"] as? String == "failed")
        let notifyError = steps["notify"]?["error"] as? String ?? ""
        #expect(notifyError.contains("QRUN_DRILL_WEBHOOK is not set"))
        #expect(steps["wait"]?["status"] as? String == "succeeded", "a drill does not sleep")
        let scriptError = steps["script"]?["error"] as? String ?? ""
        #expect(scriptError.contains("'definitely-not-installed-qrun' not found in PATH"))
        #expect(try server.stats().requests == 0, "a drill sends no request")

        let text = try QRun.run(["drill", "rehearse", "--base", server.baseURL, "--token-id", "t-1"], home: ws.home,
                                env: ["QRUN_DRILL_TOKEN": "x", "QRUN_DRILL_WEBHOOK": "\(server.baseURL)/effect/hook"])
        #expect(text.status == 1)
        #expect(try server.stats().requests == 0)
    }
}
