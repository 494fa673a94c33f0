import Foundation
import QRunTestSupport
import Testing

/// Every cut qrun makes in a child's output (the `output_limit` capture, the 64 KiB stdout and
/// 16 KiB stderr limits of a step's outputs) falls in the middle of a secret here: no part of it
/// long enough to matter may be left in what qrun stores or prints.
@Suite(.serialized)
struct SecretFragmentTests {
    static let token = "qf7Xr2Lm9KpT4vWz8NbQ3sYc6HdJ1gFa5eRt0uZk"

    static let runbook = """
        runbook: fragments
        version: 1
        steps:
          - id: capture-limit
            uses: shell.exec
            with:
              # 1000 bytes of padding, then the token: a 1020-byte capture keeps its first 20 bytes.
              argv: ["/bin/sh", "-c", "pad=$(printf '%01000d' 0); printf '%s%s' \\"$pad\\" \\"$TOKEN\\"; printf '%s%s' \\"$pad\\" \\"$TOKEN\\" >&2"]
              env: { TOKEN: "secret:env:QRUN_FRAGMENT_TOKEN" }
              output_limit: 1020
          - id: stdout-limit
            uses: shell.exec
            with:
              # 65516 characters, then the token: the 64 KiB stdout output keeps its first 20.
              argv: ["/bin/sh", "-c", "printf '%065516d' 0; printf '%s' \\"$TOKEN\\""]
              env: { TOKEN: "secret:env:QRUN_FRAGMENT_TOKEN" }
          - id: stderr-tail
            uses: shell.exec
            with:
              # The token, then 16364 bytes: the 16 KiB stderr tail starts with its last 20 bytes.
              argv: ["/bin/sh", "-c", "printf '%s' \\"$TOKEN\\" >&2; printf '%016364d' 0 >&2"]
              env: { TOKEN: "secret:env:QRUN_FRAGMENT_TOKEN" }
        """

    /// Every substring of `token` of `length` characters.
    static func fragments(length: Int) -> [String] {
        let chars = Array(token)
        return (0...(chars.count - length)).map { String(chars[$0..<($0 + length)]) }
    }

    @Test func noFragmentOfASecretSurvivesATruncation() throws {
        let ws = try TestWorkspace("fragments")
        defer { ws.cleanup() }
        try ws.write(runbook: "fragments", Self.runbook)
        let env = ["QRUN_FRAGMENT_TOKEN": Self.token]
        let run = try QRun.run(["run", "fragments"], home: ws.home, env: env)
        #expect(run.status == 0, "\(run.stdout.suffix(500))\n\(run.stderr.suffix(500))")
        let runID = try #require(run.jsonLines().first?["run_id"] as? String)
        let show = try QRun.run(["runs", "show", runID, "--json"], home: ws.home, env: env)
        let steps = (try show.json()["steps"] as? [[String: Any]]) ?? []
        // The cuts happened where the test means them to.
        let capture = (steps.first { $0["id"] as? String == "capture-limit" }?["outputs"] as? [String: Any]) ?? [:]
        #expect(capture["stdout_truncated"] as? Bool == true)
        #expect((capture["stdout"] as? String ?? "").hasSuffix("0[REDACTED]"), "\(String((capture["stdout"] as? String ?? "").suffix(40)))")

        var texts = [("run stdout", run.stdout), ("run stderr", run.stderr), ("runs show", show.stdout)]
        texts.append(("audit export", try QRun.run(["audit", "export"], home: ws.home, env: env).stdout))
        texts.append(("report", try QRun.run(["report", runID, "--format", "json"], home: ws.home, env: env).stdout))
        for file in TestWorkspace.files(under: ws.stateDirectory) {
            texts.append((file, String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)))
        }
        let fragments = Self.fragments(length: 6)
        for (label, text) in texts {
            let found = fragments.filter { text.contains($0) }
            #expect(found.isEmpty, "fragments \(found.prefix(3)) of the token in \(label)")
        }
    }
}
