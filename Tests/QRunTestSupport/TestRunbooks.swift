/// Shared helpers for writing runbooks in tests.
public enum TestRunbooks {
    /// A runbook with an approval gate between two effects, and an on_failure effect.
    public static func gated(name: String = "gated", version: Int = 1, key: Bool = false) -> String {
        """
        runbook: \(name)
        version: \(version)
        inputs:
          base: { type: string, required: true }
          token_id: { type: string, default: tok-1 }
        \(key ? "concurrency: { key: \"\(name)/${{ inputs.token_id }}\" }" : "")
        steps:
          - id: before
            uses: http.request
            with: { method: POST, url: "${{ inputs.base }}/effect/before" }
          - id: gate
            needs: [before]
            uses: core.approval
            with: { message: "Revoke ${{ inputs.token_id }}?", allow_self: true }
          - id: after
            needs: [gate]
            uses: http.request
            with: { method: POST, url: "${{ inputs.base }}/effect/after" }
        on_failure:
          - id: page
            uses: http.request
            with: { method: POST, url: "${{ inputs.base }}/effect/page" }
        """
    }
}
