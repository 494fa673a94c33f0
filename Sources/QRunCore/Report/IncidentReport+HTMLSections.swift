import Foundation

extension IncidentReport {
    func htmlEvidence() -> String {
        var h = "<section id=\"evidence\"><h2>Evidence</h2>"
        guard !evidence.isEmpty else { return h + "<p>No evidence was collected by this run.</p></section>\n" }
        for e in evidence {
            h += "<p><code>\(esc(e.step))</code>: \(e.itemCount.map(String.init) ?? "?") items, \(e.bytes.map(String.init) ?? "?") bytes, "
            h += e.sealed == true ? "<span class=\"ok\">sealed</span>" : "<span class=\"warn\">not sealed</span>"
            h += ", in <code>\(esc(e.directory))</code>"
            if let c = e.collectedAt { h += ", collected \(esc(c))" }
            if let m = e.manifestSHA256 {
                h += "<br>manifest sha256 <code>\(esc(m))</code>" + (e.auditSeq.map { " (recorded in audit event #\($0))" } ?? "")
            }
            if let p = e.problems {
                h += p.isEmpty ? "<br><span class=\"ok\">every hash re-checked: intact</span>"
                    : "<br><span class=\"bad\">CHANGED</span>: " + p.map(esc).joined(separator: "; ")
            }
            h += "</p>"
            guard !e.items.isEmpty else { continue }
            h += "<table><tr><th>Item</th><th>Kind</th><th>Size</th><th>SHA-256</th></tr>"
            for i in e.items.prefix(Self.evidenceItemsShown) {
                h += "<tr><td><code>\(esc(i.path ?? i.source))</code></td><td>\(esc(i.kind))</td>"
                h += "<td class=\"num\">\(i.size.map(String.init) ?? "")</td>"
                h += "<td>\(i.sha256.map { "<code>\(esc($0))</code>" } ?? esc(i.note ?? ""))</td></tr>"
            }
            if e.items.count > Self.evidenceItemsShown {
                h += "<tr><td colspan=\"4\">… \(e.items.count - Self.evidenceItemsShown) more items"
                h += " (every item: <code>qrun report --format json</code>)</td></tr>"
            }
            h += "</table>"
        }
        return h + "</section>\n"
    }

    func htmlExposed() -> String {
        var h = "<section id=\"exposed\"><h2>Still exposed</h2>"
        if stillExposed.isEmpty {
            h += "<p>\(run.mode == .drill ? "Nothing was changed (drill)." : "No step reported a residual validity window.")</p>"
        } else {
            h += "<ul>" + stillExposed.map { "<li><code>\(esc($0.step))</code>: \(esc($0.text))</li>" }.joined() + "</ul>"
        }
        if !verifiedSteps.isEmpty {
            h += "<p>Effects proven by a verification probe: " + verifiedSteps.map { "<code>\(esc($0))</code>" }.joined(separator: ", ") + ".</p>"
        }
        return h + "</section>\n"
    }

    func htmlActions() -> String {
        let list = actions
        guard !list.isEmpty else { return "" }
        var h = "<section id=\"actions\"><h2>Provider actions</h2><table class=\"fixed\"><colgroup><col style=\"width:17%\">"
        h += ["3%", "15%", "7%", "9%", "27%"].map { "<col style=\"width:\($0)\">" }.joined() + "<col></colgroup>"
        h += "<tr><th>Step</th><th>#</th><th>Action</th><th>Started</th>"
        h += "<th>Outcome</th><th>Request (redacted)</th><th>Result</th></tr>"
        for a in list {
            h += "<tr class=\"\(esc(a.status))\"><td class=\"nw\"><code>\(esc(a.step))</code></td><td class=\"num\">\(a.attempt)</td>"
            h += "<td class=\"nw\"><code>\(esc(a.action))</code><br>\(esc(a.verb))</td>"
            h += "<td class=\"t\">\(Timeline.relative(offsetMS(a.startedAt)))</td>"
            h += "<td>\(esc(a.status))\(a.retryable == true ? " (retryable)" : "")</td>"
            h += "<td class=\"req\"><code>\(a.request.isNull ? "" : esc(clip(a.request.jsonText, 400)))</code></td>"
            h += "<td>\(esc(a.error ?? a.result ?? ""))</td></tr>\n"
        }
        return h + "</table></section>\n"
    }

    func htmlApprovals() -> String {
        guard !approvals.isEmpty else { return "" }
        var h = "<section id=\"approvals\"><h2>Approvals</h2><ul>"
        for a in approvals {
            h += "<li><code>\(esc(a.stepID))</code> \(a.approved ? "approved" : "rejected") by \(esc(a.actor))"
            h += " at \(esc(Timestamp.format(a.decidedAt)))"
            h += " (\(Timeline.relative(offsetMS(a.decidedAt))))\(a.comment.map { ": \(esc($0))" } ?? "")</li>"
        }
        return h + "</ul></section>\n"
    }

    func htmlEvents() -> String {
        var h = "<section id=\"events\"><h2>Event log (audit chain)</h2><table><tr><th>#</th><th>Time (UTC)</th><th>Relative</th>"
        h += "<th>Event</th><th>By</th><th>What</th></tr>"
        for e in events {
            let rel = Timestamp.parse(e.ts).map { Timeline.relative(offsetMS($0)) } ?? ""
            h += "<tr><td class=\"num\">\(e.seq)</td><td class=\"t mono\">\(esc(e.ts))</td><td class=\"t mono\">\(rel)</td>"
            h += "<td class=\"nw\"><code>\(esc(e.kind))</code></td><td>\(esc(e.actor))</td><td>\(esc(EventSummary.text(e)))</td></tr>\n"
        }
        return h + "</table></section>\n"
    }

    func htmlChain() -> String {
        var h = "<section id=\"chain\"><h2>Audit chain</h2><div class=\"chain\">"
        if chain.isIntact {
            h += "<span class=\"ok\">Intact</span>: \(chain.events) events. Head <code>\(esc(chainHead))</code>.<br>"
            h += "Keep this head elsewhere (ticket, SIEM); <code>qrun audit verify --expect-head \(esc(chainHead))</code>"
            h += " proves later that nothing up to it was changed or removed."
        } else {
            h += "<span class=\"bad\">BROKEN</span>: " + chain.problems.map(esc).joined(separator: "; ")
        }
        return h + "</div></section>\n"
    }
}
