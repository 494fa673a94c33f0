import Foundation
import QRunCore
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The review of a run an alert started through `qrun serve`, with a repeat of the alert and a
/// person at the terminal attaching to it: the trigger section names the alert with its labels,
/// annotations and status, and every later trigger; hostile label values stay text.
@Suite(.serialized)
struct ReviewAlertTests {
    @Test func theReviewNamesTheAlertItsLabelsAndEveryTriggerThatAttached() throws {
        let ws = try TestWorkspace("review-alert")
        defer { ws.cleanup() }
        // The step waits until the test has made both later triggers, so they attach to an open run.
        try ws.write(runbook: "contain", """
            runbook: contain
            version: 1
            inputs:
              token_id: { type: string, required: true }
            concurrency:
              key: "contain/${{ inputs.token_id }}"
            triggers:
              - alert: { match: { alertname: QPUTokenAbuse } }
                inputs: { token_id: "${{ alert.labels.token_id }}" }
            steps:
              - id: revoke
                uses: shell.exec
                with: { argv: ["/bin/sh", "-c", "while [ ! -e \(ws.home)/go ]; do sleep 0.05; done; echo revoked"], timeout: 60s }
            """)
        let serve = try ServeProcess(home: ws.home)
        let hostile = "<img src=x onerror=alert(1)>"
        func alert(_ id: String) -> String {
            #"{"status":"firing","labels":{"alertname":"QPUTokenAbuse","token_id":"tok-review-1","severity":"\#(hostile)"},"#
                + #""annotations":{"summary":"</text><script>alert(2)</script> jobs from an unknown agent"},"id":"\#(id)"}"#
        }
        let first = try serve.signedAlert(alert("a-1"))
        #expect(first.status == 200, "\(first.body)")
        let runID = try #require(((try first.json()["decisions"] as? [[String: Any]])?.first?["run_id"]) as? String)
        let repeatAlert = try serve.signedAlert(alert("a-2"))
        #expect(((try repeatAlert.json()["decisions"] as? [[String: Any]])?.first?["run_id"] as? String) == runID, "\(repeatAlert.body)")
        // A person attaching follows the run until it ends, so it runs beside the test.
        let person = try QRun.start(["run", "contain", "--input", "token_id=tok-review-1"], home: ws.home)
        let deadline = Date().addingTimeInterval(60)
        while ((try? serve.api("/v1/runs/\(runID)").json())?["triggers"] as? [Any])?.count ?? 0 < 3, Date() < deadline {
            usleep(50_000)
        }
        try ws.write(file: "go", "")
        let run = try serve.waitForRun(runID)
        #expect(run["status"] as? String == "succeeded", "\(run)")
        let followed = person.wait(timeout: 60)
        #expect(followed.stderr.contains("attached") || followed.stdout.contains("attached"), "\(followed.stdout) \(followed.stderr)")
        _ = serve.stop()

        let json = try Value.parseJSON(try QRun.run(["report", runID, "--format", "json"], home: ws.home).stdout)
        let schema = try JSONSchemaCheck(schemaFile: ReviewHTMLTests.repo + "/docs/report-schema.json")
        #expect(schema.violations(of: json) == [])
        let triggers = json["triggers"]?.arrayValue ?? []
        #expect(triggers.map { $0["source"]?.stringValue } == ["alert", "alert", "cli"], "\(triggers)")
        #expect(triggers.map { $0["attached"]?.boolValue } == [false, true, true])
        #expect(json["trigger"]?["alert"]?["labels"]?["token_id"] == "tok-review-1")
        #expect(json["trigger"]?["alert"]?["status"] == "firing")
        #expect(json["trigger"]?["summary"] == "alert QPUTokenAbuse (firing)")
        #expect(json["containment"]?["status"] == "contained")

        let md = try QRun.run(["report", runID], home: ws.home).stdout
        #expect(md.contains("| Triggered by | alert QPUTokenAbuse (firing); 2 later triggers attached |"), "\(md)")
        #expect(md.contains("`token_id=tok-review-1`") && md.contains("person cli:"), "\(md)")
        let html = try QRun.run(["report", runID, "--format", "html"], home: ws.home).stdout
        #expect(!html.lowercased().contains("<script") && !html.lowercased().contains("<img"), "labels and annotations stay text")
        #expect(html.contains("severity=&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("&lt;/text&gt;&lt;script&gt;alert(2)&lt;/script&gt; jobs from an unknown agent"))
    }
}
