import Foundation
import QRunTestSupport

/// Runbooks and senders shared by the daemon's end-to-end tests.
enum ServeSupport {
    /// A containment an alert starts: one effect per token at the effect server, keyed by the
    /// step's idempotency key, so a doubled run or a repeated step shows as a second effect.
    static func containment(base: String, slowMilliseconds: Int? = nil, approval: String? = nil) -> String {
        let first = slowMilliseconds.map { "\(base)/slow/\($0)/revoke-${{ inputs.token_id }}" } ?? "\(base)/effect/revoke-${{ inputs.token_id }}"
        return """
        runbook: contain
        version: 1
        inputs:
          token_id: { type: string, required: true, pattern: "^[A-Za-z0-9_-]{1,64}$" }
        concurrency: { key: "contain/${{ inputs.token_id }}" }
        triggers:
          - alert: { match: { alertname: TokenLeak } }
            inputs: { token_id: "${{ alert.labels.token_id }}" }
        steps:
        \(approval.map { "  - id: gate\n    uses: core.approval\n    with: \($0)\n" } ?? "")  - id: revoke
            uses: http.request
        \(approval == nil ? "" : "    needs: [gate]\n")    with: { method: POST, url: "\(first)" }
          - id: notify
            needs: [revoke]
            uses: http.request
            with: { method: POST, url: "\(base)/effect/notify-${{ inputs.token_id }}" }
        """
    }

    /// An Alertmanager v4 webhook for `tokens` (one alert each), with fields a later
    /// Alertmanager might add.
    static func webhook(tokens: [String], status: String = "firing", alertname: String = "TokenLeak") -> String {
        let alerts = tokens.map { t in
            """
            {"status":"\(status)","labels":{"alertname":"\(alertname)","token_id":"\(t)","severity":"critical"},
             "annotations":{"summary":"token \(t) leaked"},"startsAt":"2026-12-06T10:00:00Z",
             "endsAt":"\(status == "resolved" ? "2026-12-06T11:00:00Z" : "0001-01-01T00:00:00Z")",
             "generatorURL":"http://127.0.0.1:9090/graph","fingerprint":"fp-\(t)","futureField":{"x":1}}
            """
        }
        return """
        {"receiver":"qrun","status":"\(status)","alerts":[\(alerts.joined(separator: ","))],"groupLabels":{},"commonLabels":{},
         "commonAnnotations":{},"externalURL":"http://127.0.0.1:9093","version":"4","groupKey":"{}:{}","truncatedAlerts":0,
         "someNewTopLevelField":true}
        """
    }

    /// Effects applied per path at the effect server.
    static func effects(_ server: EffectServer) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for (_, k) in try server.stats().keys {
            for p in Set(k.paths) { out[p, default: 0] += k.effects > 0 ? 1 : 0 }
        }
        return out
    }

    /// Runs of the workspace as `GET /v1/runs` lists them.
    static func runs(_ serve: ServeProcess) throws -> [[String: Any]] {
        try serve.api("/v1/runs?limit=1000").json()["runs"] as? [[String: Any]] ?? []
    }
}
