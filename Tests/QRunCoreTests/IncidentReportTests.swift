import Foundation
import QRunTestSupport
import Testing

@testable import QRunCore

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("Post-incident review: triggers, containment, escaping, schema")
struct IncidentReportTests {
    @Test func theFirstAlertAndEveryLaterTriggerAreShown() throws {
        let f = try IncidentReportFixture()
        defer { f.cleanup() }
        let triggers = f.report.reviewTriggers
        #expect(triggers.map(\.source) == ["alert", "alert", "cli"])
        #expect(triggers.map(\.attached) == [false, true, true])
        #expect(triggers[0].alert?.fingerprint == "4f2a9c" && triggers[1].alert?.fingerprint == "4f2a9c-repeat")
        #expect(triggers[0].alert?.labels.map(\.name) == ["alertname", "severity", "token_id"], "labels sorted by name")
        #expect(triggers[2].headline == "person cli:alice (command line)")

        let json = f.report.json()
        #expect(json["trigger"]?["alert"]?["labels"]?["token_id"] == "ApiKey-1234")
        #expect(json["triggers"]?.arrayValue?.count == 3)
        let md = f.report.markdown()
        #expect(md.contains("| Triggered by | alert "), "\(md)")
        #expect(md.contains("; 2 later triggers attached |"))
        #expect(md.contains("fingerprint `4f2a9c-repeat`"))
        #expect(md.contains("`token_id=ApiKey-1234`"))
    }

    @Test func containmentTimesCountFromTheRunsCreation() throws {
        let f = try IncidentReportFixture()
        defer { f.cleanup() }
        // revoke (test.send) succeeded at +2.3 s; rotate failed: partly contained.
        #expect(f.report.containmentSteps.map(\.stepID) == ["revoke", "braket-only", "rotate"])
        #expect(f.report.timeToFirstContainment == .milliseconds(2300))
        #expect(f.report.timeToContain == nil)
        #expect(f.report.containmentStatus == "partial")
        #expect(f.report.markdown().contains("| Time to contain | not contained (rotate failed) |"))

        var contained = f.report
        if let i = contained.steps.firstIndex(where: { $0.stepID == "rotate" }) {
            contained.steps[i].status = .succeeded
            contained.steps[i].error = nil
        }
        #expect(contained.timeToContain == .milliseconds(2500), "the last containment step ends it; the skipped one does not count")
        #expect(contained.containmentStatus == "contained")

        var drill = contained
        drill.run.mode = .drill
        #expect(drill.timeToFirstContainment == nil && drill.timeToContain == nil, "a drill changes nothing, so contains nothing")
        #expect(drill.containmentStatus == "drill")
        #expect(drill.markdown().contains("| Time to contain | drill (nothing contained) |"))
        #expect(drill.html().contains("Drill: every step was planned; no change was made anywhere."))
    }

    @Test func providerActionsCarryTheirAttemptAndResultButNotCoreSteps() throws {
        let f = try IncidentReportFixture()
        defer { f.cleanup() }
        let actions = f.report.actions
        #expect(actions.map { "\($0.step)#\($0.attempt):\($0.status)" } == ["revoke#1:failed", "revoke#2:succeeded", "rotate#1:failed"])
        #expect(actions[0].error == "503 Service Unavailable" && actions[1].result == "revoked key ApiKey-1234")
    }

    @Test func theHTMLReviewIsSelfContainedAndEveryValueIsText() throws {
        let f = try IncidentReportFixture()
        defer { f.cleanup() }
        let html = f.report.html()
        let lower = html.lowercased()
        #expect(!lower.contains("<script"), "no script, hostile or not")
        #expect(!lower.contains("<img") && !lower.contains("<a "), "no markup from labels or annotations")
        #expect(lower.firstMatch(of: /<[a-z][^>]*\s(src|href)\s*=/) == nil, "no element loads or links anything")
        #expect(html.contains("&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), "the hostile alert name is shown, escaped")
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))

        let svgs = html.matches(of: /<svg[\s\S]*?<\/svg>/).map { String($0.output) }
        #expect(svgs.count == 2, "the DAG and the timeline")
        for svg in svgs {
            let parsed = try #require(SVGText(svg), "each SVG is well-formed XML:\n\(svg.prefix(300))")
            #expect(!parsed.elements.contains("script") && !parsed.elements.contains("img"))
        }
        let dag = try #require(SVGText(svgs[0]))
        #expect(dag.text.contains(IncidentReportFixture.hostileError), "the failed step's error is the node's title, as text")
        #expect(["snapshot", "gate", "revoke", "rotate", "notify", "page"].allSatisfy { dag.text.contains($0) })
        let gantt = try #require(SVGText(svgs[1]))
        #expect(gantt.text.contains("attached: alert \(IncidentReportFixture.hostileName)"), "an attach is marked on the timeline, as text")
        #expect(gantt.text.contains("first containment +2.300s"))
    }

    @Test func theMarkdownReviewEscapesLabelsAnnotationsAndErrors() throws {
        let f = try IncidentReportFixture()
        defer { f.cleanup() }
        let md = f.report.markdown()
        let prose = md.replacing(/(`+).*?\1/, with: "")
        #expect(!prose.contains("<script") && !prose.contains("<a href") && !prose.contains("<img"), "\(md)")
        #expect(prose.firstMatch(of: /[^\\]\]\(http/) == nil, "no link became markup")
        #expect(md.contains("&lt;a href=\"http://127.0.0.1:1/x\"&gt;click&lt;/a&gt;"))
        #expect(md.contains("- **Level 1**: `revoke` succeeded ← `gate` · `braket-only` skipped ← `gate`"), "\(md)")
        #expect(md.contains("- **on_failure, level 0**: `page` succeeded"))
    }

    @Test func aKnownSecretIsMaskedBeforeEscapingChangesItsText() throws {
        let f = try IncidentReportFixture()
        defer { f.cleanup() }
        // Escaped, this secret reads `s3cr&amp;t_&lt;x&gt;` in HTML and `s3cr&amp;t\_&lt;x&gt;` in Markdown: a pass over
        // the finished page would not find it.
        let secret = "s3cr&t_<x>-7Qw9Zr2Lm"
        var report = f.report
        if let i = report.steps.firstIndex(where: { $0.stepID == "rotate" }) { report.steps[i].error = "token \(secret) refused" }
        let redactor = Redactor()
        redactor.register(rawValue: secret)
        report.mask = { redactor.redact($0) }
        let pages = ["html": report.html(), "md": report.markdown()]
        for (format, page) in pages {
            #expect(!page.contains("s3cr") && !page.contains("7Qw9Zr2Lm"), "\(format) shows the secret")
            #expect(page.contains("refused"), "\(format) keeps the rest of the message")
        }
        var unmasked = report
        unmasked.mask = { $0 }
        #expect(unmasked.html().contains("s3cr&amp;t_&lt;x&gt;"), "the check can fail: without the mask the escaped secret is there")
    }

    @Test func aRunTooLargeToDrawGetsTheTablesInstead() throws {
        let f = try IncidentReportFixture()
        defer { f.cleanup() }
        var big = f.report
        let template = big.steps[0]
        big.steps = (0...IncidentReport.drawLimit).map { i in
            var s = template
            s.stepID = "noop-\(i)"
            return s
        }
        let html = big.html()
        #expect(!html.contains("<svg"), "no drawing of \(big.steps.count) boxes")
        #expect(html.contains("\(big.steps.count) steps are more than a drawing can show legibly"))
        #expect(html.contains("<code>noop-\(IncidentReport.drawLimit)</code>"), "the steps table still lists every step")
        #expect(f.report.html().contains("<svg"), "a run of ordinary size is drawn")
    }

    @Test func theJSONReviewConformsToTheDocumentedSchema() throws {
        let f = try IncidentReportFixture()
        defer { f.cleanup() }
        let schema = try JSONSchemaCheck(schemaFile: Self.schemaPath)
        let json = f.report.json()
        #expect(schema.violations(of: json) == [])
        #expect(json["schema_version"] == .int(IncidentReport.schemaVersion))
        #expect(json["containment"]?["time_to_first_containment_ms"] == 2300)
        #expect(json["dag"]?["levels"] == [["snapshot", "gate"], ["revoke", "braket-only"], ["rotate"], ["notify"], ["page"]])
        // The check can fail: a retyped and an undocumented field are both named.
        guard case .object(var o) = json else { Issue.record("not an object"); return }
        o["run_id"] = 7
        o["surprise"] = true
        #expect(schema.violations(of: .object(o)) == ["$.run_id: integer, expected string", "$: undocumented field surprise"])
    }

    static var schemaPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/report-schema.json").path
    }
}

/// An SVG fragment parsed as XML: its element names and its decoded text (content and titles).
struct SVGText {
    var elements: Set<String> = []
    var text = ""

    init?(_ svg: String) {
        final class Collector: NSObject, XMLParserDelegate {
            var elements: Set<String> = []
            var text = ""
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                elements.insert(name)
                text += " "
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let c = Collector()
        parser.delegate = c
        guard parser.parse() else { return nil }
        elements = c.elements
        text = c.text
    }
}
