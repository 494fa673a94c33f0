import Foundation

extension IncidentReport {
    /// Runs with more steps get no DAG or Gantt drawing (a page tall as a building helps nobody).
    static let drawLimit = 400

    /// The review as one self-contained HTML page: inline CSS, the DAG and the timeline as inline
    /// SVG, no script, no external asset. Every value from the run is escaped (``HTMLText``).
    public func html() -> String {
        let triggers = reviewTriggers
        var h = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        h += "<title>qrun review \(esc(run.id))</title><style>\n\(Self.htmlStyle)\n</style></head>\n<body><main>\n"
        h += "<h1>Post-incident review <span class=\"badge b-\(esc(run.status.rawValue))\">\(esc(run.status.rawValue))</span></h1>\n"
        h += "<p class=\"sub\">Run <code>\(esc(run.id))</code> of runbook <code>\(esc(run.runbook))</code> v\(run.runbookVersion)"
        h += " · started \(esc(Timestamp.format(run.createdAt)))</p>\n"
        if run.mode == .drill { h += "<p class=\"drill\">Drill: every step was planned; no change was made anywhere.</p>\n" }
        h += htmlFacts(triggers)
        let tooMany = "<p>\(steps.count) steps are more than a drawing can show legibly (\(Self.drawLimit) at most): the steps table below and the"
        if steps.count <= Self.drawLimit {
            h += "<section id=\"dag\"><h2>DAG</h2><div class=\"figure\">\(SVGDAG(report: self).render())</div>\(htmlLegend())</section>\n"
            h += "<section id=\"timeline\"><h2>Timeline</h2><div class=\"figure\">\(SVGGantt(timeline: Timeline(self), mask: mask).render())</div>"
        } else {
            h += "<section id=\"dag\"><h2>DAG</h2>\(tooMany) JSON review (<code>dag.levels</code>, <code>dag.edges</code>) hold it.</p></section>\n"
            h += "<section id=\"timeline\"><h2>Timeline</h2>\(tooMany) event log hold it.</p>"
        }
        h += "<div class=\"legend\"><span><i style=\"background:#2e9e55;border-color:#2e9e55\"></i>attempt succeeded</span>"
        h += "<span><i style=\"background:#d93a32;border-color:#d93a32\"></i>attempt failed</span>"
        h += "<span><i style=\"background:#e08a00;border-color:#e08a00\"></i>interrupted (repeated under the same key)</span>"
        h += "<span>dotted line: waiting for a retry or an approval</span></div></section>\n"
        h += htmlEvidence()
        h += htmlExposed()
        h += htmlTriggers(triggers)
        h += htmlSteps()
        h += htmlActions()
        h += htmlApprovals()
        h += htmlEvents()
        h += htmlChain()
        return h + "</main></body></html>\n"
    }

    private func htmlFacts(_ triggers: [ReviewTrigger]) -> String {
        func fact(_ label: String, _ value: String, _ cls: String = "") -> String {
            "<div class=\"fact \(cls)\"><b>\(label)</b><span>\(value)</span></div>"
        }
        let later = triggers.count - 1
        var f = "<div class=\"facts\">"
        f += fact("Time to first containment", timeToFirstContainment.map { "<span class=\"ok\">\(DurationParser.format($0))</span>" }
            ?? "<span class=\"warn\">\(esc(containmentWords))</span>")
        f += fact("Time to contain", timeToContain.map { "<span class=\"ok\">\(DurationParser.format($0))</span>" }
            ?? "<span class=\"\(containmentStatus == "drill" ? "warn" : "bad")\">\(esc(containmentWords))</span>")
        f += fact("Finished", run.finishedAt.map {
            "\(esc(Timestamp.format($0))) <span class=\"sub\">(\(Timeline.relative(offsetMS($0))))</span>"
        } ?? "not yet")
        f += fact("Audit chain", chain.isIntact ? "<span class=\"ok\">intact</span>, \(chain.events) events" : "<span class=\"bad\">BROKEN</span>")
        let attached = later > 0 ? "; <b style=\"display:inline\">\(later)</b> later trigger\(later == 1 ? "" : "s") attached" : ""
        f += fact("Triggered by", esc(triggers[0].headline) + attached, "wide")
        f += fact("Runbook (pinned)", "<code>\(esc(run.runbook))</code> v\(run.runbookVersion) · sha256 <code>\(esc(run.runbookSHA256))</code>",
                  "wide")
        f += fact("Inputs", "<code>\(esc(run.inputs.jsonText))</code>", "full")
        return f + "</div>\n"
    }

    private func htmlLegend() -> String {
        var l = "<div class=\"legend\">"
        for (status, word) in SVGPalette.legend {
            let c = SVGPalette.step(status)
            l += "<span><i style=\"background:\(c.fill);border-color:\(c.stroke)\"></i>\(c.symbol) \(word)</span>"
        }
        return l + "<span>tags: <b>if</b> conditional · <b>gate</b> approval · red dashed edge: blocked by a failure</span></div>"
    }

    private func htmlTriggers(_ triggers: [ReviewTrigger]) -> String {
        var h = "<section id=\"triggers\"><h2>Triggered by</h2><ul class=\"triggers\">"
        for t in triggers {
            h += "<li><b>\(t.attached ? "attached" : "started the run")</b> <span class=\"mono\">\(esc(t.at))</span>: \(esc(t.headline))"
            if let a = t.alert {
                if let f = a.fingerprint { h += " · fingerprint <code>\(esc(f))</code>" }
                if let s = a.startsAt { h += " · firing since \(esc(s))" }
                if !a.labels.isEmpty {
                    h += "<br>labels: " + a.labels.map { "<span class=\"kv mono\">\(esc($0.name))=\(esc($0.value))</span>" }.joined()
                }
                if !a.annotations.isEmpty {
                    h += "<br>annotations: " + a.annotations.map { "<b>\(esc($0.name))</b>: \(esc($0.value))" }.joined(separator: "; ")
                }
            } else if t.source != "cli" {
                h += "<br><code>\(esc(t.raw.jsonText))</code>"
            }
            h += "</li>"
        }
        return h + "</ul></section>\n"
    }

    private func htmlSteps() -> String {
        var h = "<section id=\"steps\"><h2>Steps</h2><table><tr><th>Step</th><th>Action</th><th>Needs</th><th>Outcome</th>"
        h += "<th>Attempts</th><th>Started</th><th>Duration</th><th>Detail</th></tr>"
        for s in steps {
            var detail = esc(s.error ?? "")
            if let c = condition(s.stepID) { detail = "if <code>\(esc(c))</code>" + (detail.isEmpty ? "" : "<br>\(detail)") }
            let phase = s.phase == .onFailure ? " <small>(on_failure)</small>" : ""
            h += "<tr class=\"\(esc(s.status.rawValue))\"><td class=\"nw\"><code>\(esc(s.stepID))</code>\(phase)</td>"
            h += "<td class=\"nw\"><code>\(esc(s.action))</code></td><td>\(esc(needs(s.stepID).joined(separator: ", ")))</td>"
            h += "<td>\(esc(s.status.rawValue))</td>"
            h += "<td class=\"num\">\(s.attempt)</td><td class=\"t\">\(s.startedAt.map { Timeline.relative(offsetMS($0)) } ?? "")</td>"
            h += "<td class=\"num\">\(duration(s))</td><td>\(detail)</td></tr>\n"
        }
        return h + "</table></section>\n"
    }
}
