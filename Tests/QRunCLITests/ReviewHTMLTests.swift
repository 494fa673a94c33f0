import Foundation
import QRunCore
import QRunTestSupport
import Testing

/// The post-incident review of a real run, end to end with the built binary: the HTML file opens
/// in a real headless Chromium and its rendered DOM holds the DAG, the timeline and the evidence;
/// the screenshot is a real picture; the JSON conforms to docs/report-schema.json; the Markdown
/// names every trigger. `QRUN_REVIEW_SCREENSHOT=PATH` keeps the screenshot (docs/review-example.png
/// is made this way).
@Suite(.serialized)
struct ReviewHTMLTests {
    @Test(.enabled(if: Prerequisite.required(HeadlessChromium.available), "Debian chromium is not installed (scripts/setup installs it)"))
    func theHTMLReviewOfARealRunRendersInHeadlessChromium() throws {
        let ws = try TestWorkspace("review")
        defer { ws.cleanup() }
        let run = try ReviewRun.make(ws)
        let page = ws.home + "/review.html"
        let report = try QRun.run(["report", run.runID, "--format", "html", "--output", page], home: ws.home)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let lower = html.lowercased()
        #expect(!lower.contains("<script"), "no script is needed to read it")
        #expect(lower.firstMatch(of: /<[a-z][^>]*\s(src|href)\s*=/) == nil, "no element loads or links anything")
        #expect(lower.firstMatch(of: /url\(\s*["']?(https?:|\/\/)/) == nil, "no external asset in the style sheet either")

        let profile = ws.home + "/chromium-profile"
        try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
        let dom = try HeadlessChromium.run(["--dump-dom"], page: page, profile: profile)
        #expect(dom.status == 0, "chromium --dump-dom: \(dom.stderr.suffix(2000))")
        #expect(dom.stdout.contains("<svg") && dom.stdout.contains("class=\"dag\""), "the DAG is an inline SVG in the rendered DOM")
        #expect(dom.stdout.contains("class=\"gantt\""), "the timeline is drawn")
        for step in ["snapshot", "disable-key", "rotate-guarded-secret", "notify", "page"] {
            #expect(dom.stdout.contains(">\(step)<"), "the DAG shows \(step)")
        }
        let json = try Value.parseJSON(try QRun.run(["report", run.runID, "--format", "json"], home: ws.home).stdout)
        let manifest = try #require(json["evidence"]?.arrayValue?.first?["manifest_sha256"]?.stringValue)
        #expect(dom.stdout.contains("id=\"evidence\"") && dom.stdout.contains(manifest), "the evidence section names the manifest hash")
        #expect(dom.stdout.contains("qiskit-ibm.json"), "and the preserved files")

        let shot = ws.home + "/review.png"
        let screenshot = try HeadlessChromium.run(["--screenshot=\(shot)", "--window-size=1200,1600"], page: page, profile: profile)
        #expect(screenshot.status == 0, "chromium --screenshot: \(screenshot.stderr.suffix(2000))")
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        let size = try #require(HeadlessChromium.pngSize(png), "the screenshot is a PNG")
        #expect(size.width == 1200 && size.height == 1600)
        // A blank page of the same size compresses to a few kilobytes; the review is many times that.
        let blank = ws.home + "/blank.html"
        try "<!doctype html><html><body></body></html>".write(toFile: blank, atomically: true, encoding: .utf8)
        let blankShot = ws.home + "/blank.png"
        _ = try HeadlessChromium.run(["--screenshot=\(blankShot)", "--window-size=1200,1600"], page: blank, profile: profile)
        let blankBytes = try Data(contentsOf: URL(fileURLWithPath: blankShot)).count
        #expect(png.count > 8 * blankBytes, "the screenshot is not blank: \(png.count) bytes against \(blankBytes) for an empty page")
        if let keep = ProcessInfo.processInfo.environment["QRUN_REVIEW_SCREENSHOT"] {
            for (from, to) in [(shot, keep), (page, keep + ".html")] {
                try? FileManager.default.removeItem(atPath: to)
                try FileManager.default.copyItem(atPath: from, toPath: to)
            }
        }
    }

    @Test(.enabled(if: Prerequisite.required(HeadlessChromium.available), "Debian chromium is not installed (scripts/setup installs it)"))
    func hostileStepOutputStaysTextInTheRenderedPage() throws {
        let ws = try TestWorkspace("review-hostile")
        defer { ws.cleanup() }
        try ws.write(runbook: "echo", """
            runbook: echo
            version: 1
            inputs:
              note: { type: string, required: true }
            steps:
              - id: fail
                uses: shell.exec
                with: { argv: ["/bin/sh", "-c", "echo \\"$0\\" >&2; exit 3", "${{ inputs.note }}"] }
            """)
        let payload = "</title></text></svg><script>document.title='pwned'</script><img src=x onerror=alert(1)>\"'><svg onload=alert(2)>"
        let run = try QRun.run(["run", "echo", "--input", "note=\(payload)", "--json"], home: ws.home)
        let runID = try #require(try run.json()["run_id"] as? String)
        let page = ws.home + "/review.html"
        #expect(try QRun.run(["report", runID, "--format", "html", "--output", page], home: ws.home).status == 0)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("&lt;/title&gt;&lt;/text&gt;&lt;/svg&gt;&lt;script&gt;"), "the output is shown, escaped")

        let profile = ws.home + "/chromium-profile"
        try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
        let dom = try HeadlessChromium.run(["--dump-dom"], page: page, profile: profile)
        #expect(dom.status == 0, "\(dom.stderr.suffix(2000))")
        let lower = dom.stdout.lowercased()
        #expect(!lower.contains("<script") && !lower.contains("<img"), "the browser built no element from the output")
        #expect(lower.components(separatedBy: "<svg").count - 1 == 2, "only the DAG and the timeline are SVG")
        #expect(dom.stdout.contains("<title>qrun review \(runID)</title>"), "and nothing ran")
        #expect(dom.stdout.contains("document.title='pwned'") || dom.stdout.contains("document.title=&#39;pwned&#39;"),
                "the text is there, as text")
    }

    @Test func theJSONReviewOfARealRunConformsAndTellsTheStory() throws {
        let ws = try TestWorkspace("review-json")
        defer { ws.cleanup() }
        let run = try ReviewRun.make(ws)
        let out = try QRun.run(["report", run.runID, "--format", "json"], home: ws.home)
        #expect(out.status == 0, "\(out.stderr)")
        let json = try Value.parseJSON(out.stdout)
        let schema = try JSONSchemaCheck(schemaFile: Self.repo + "/docs/report-schema.json")
        #expect(schema.violations(of: json) == [])

        let triggers = json["triggers"]?.arrayValue ?? []
        let person = try #require(triggers.first?["actor"]?.stringValue)
        #expect(person.hasPrefix("cli:") && triggers.map { $0["actor"]?.stringValue } == [person, person], "the operator, twice")
        #expect(triggers.map { $0["attached"]?.boolValue } == [false, true])
        let actions = json["actions"]?.arrayValue ?? []
        let disable = actions.filter { $0["step"] == "disable-key" }
        #expect(disable.map { $0["status"]?.stringValue } == ["failed", "succeeded"], "the retry is visible")
        #expect(disable.first?["error"]?.stringValue?.contains("provider answered 503") == true)
        #expect(disable.last?["request"]?["argv"]?.arrayValue?.first == "/bin/sh", "the redacted request")
        #expect(!actions.contains { $0["step"] == "approve" || $0["step"] == "notify" }, "core steps are not provider actions")
        #expect(json["containment"]?["status"] == "partial")
        #expect(json["containment"]?["uncontained_steps"] == ["rotate-guarded-secret"])
        #expect((json["containment"]?["time_to_first_containment_ms"]?.intValue ?? 0) > 0)
        let steps = json["steps"]?.arrayValue ?? []
        let statuses = Dictionary(uniqueKeysWithValues: steps.map { ($0["id"]?.stringValue ?? "", $0["status"]?.stringValue ?? "") })
        #expect(statuses == ["snapshot": "succeeded", "approve": "succeeded", "disable-key": "succeeded", "stop-agent-sandbox": "succeeded",
                             "braket-cancel-tasks": "skipped", "rotate-guarded-secret": "failed", "notify": "cancelled", "page": "succeeded"])
        #expect(json["approvals"]?.arrayValue?.first?["actor"] == .string(person))
        #expect(json["approvals"]?.arrayValue?.first?["comment"] == "revoke now")
        let evidence = try #require(json["evidence"]?.arrayValue?.first)
        #expect(evidence["intact"] == true && (evidence["files"]?.arrayValue?.count ?? 0) >= 2)
        let files = evidence["files"]?.arrayValue ?? []
        let qiskit = files.first { ($0["source"]?.stringValue ?? "").hasSuffix("qiskit-ibm.json") }
        #expect(qiskit?["sha256"]?.stringValue?.count == 64, "the preserved file with its SHA-256: \(files)")
        let verify = try QRun.run(["audit", "verify", "--expect-head", try #require(json["audit_chain"]?["head"]?.stringValue)], home: ws.home)
        #expect(verify.status == 0, "the head the review prints is the one audit verify accepts: \(verify.stdout) \(verify.stderr)")

        let md = try QRun.run(["report", run.runID], home: ws.home).stdout
        #expect(md.contains("| Triggered by | person \(person) (command line); 1 later trigger attached |"), "\(md)")
        #expect(md.contains("- attached "), "the attach is listed")
        #expect(md.contains("## Provider actions") && md.contains("## Evidence"))
    }

    @Test func planDrawsTheDAGInTheTerminalWithAJSONTwin() throws {
        let ws = try TestWorkspace("plan-dag")
        defer { ws.cleanup() }
        try ws.write(runbook: "leaked-token", ReviewRun.runbook(home: ws.home))
        let text = try QRun.run(["plan", "leaked-token", "--input", "token_id=ApiKey-1234"], home: ws.home)
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasPrefix("leaked-token v1: 7 steps on 4 levels, 1 on_failure (sha256 ") == true, "\(text.stdout)")
        #expect(lines.contains("  approve [gate]         core.approval"), "\(text.stdout)")
        #expect(lines.contains("  braket-cancel-tasks    shell.exec  <- disable-key"))
        #expect(lines.contains("                         if ${{ inputs.provider == 'braket' }}  => false: skipped"))
        #expect(lines.contains("On failure (runs only when a main step fails)"))
        let json = try QRun.run(["plan", "leaked-token", "--input", "token_id=ApiKey-1234", "--json"], home: ws.home).json()
        #expect(json["levels"] as? [[String]] == [["snapshot", "approve"], ["disable-key", "stop-agent-sandbox"],
                                                   ["braket-cancel-tasks", "rotate-guarded-secret"], ["notify"], ["page"]])
        #expect((json["edges"] as? [[String: String]])?.contains(["from": "disable-key", "to": "rotate-guarded-secret"]) == true)
        let steps = json["steps"] as? [[String: Any]] ?? []
        #expect(steps.first { $0["id"] as? String == "approve" }?["approval_gate"] as? Bool == true)
        #expect(steps.first { $0["id"] as? String == "braket-cancel-tasks" }?["condition"] as? String == "${{ inputs.provider == 'braket' }}")
    }

    static var repo: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}
