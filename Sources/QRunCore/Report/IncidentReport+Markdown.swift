import Foundation

extension IncidentReport {
    /// How many evidence items the Markdown and HTML reviews list per snapshot (JSON lists all).
    static let evidenceItemsShown = 60

    /// The review as Markdown that reads well in a terminal and pasted into a ticket. Every value
    /// from the run is escaped (``MarkdownText``).
    public func markdown() -> String {
        let text = self.mdText, code = self.mdCode
        var md: [String] = ["# Post-incident review: run \(text(run.id))", "", "| | |", "|---|---|"]
        let triggers = reviewTriggers
        md.append("| Outcome | **\(run.status.rawValue)**\(run.mode == .drill ? " (drill: no changes were made)" : "") |")
        md.append("| Runbook | \(code(run.runbook)) v\(run.runbookVersion), sha256 \(code(run.runbookSHA256)) |")
        let later = triggers.count - 1
        md.append("| Triggered by | \(text(triggers[0].headline))\(later > 0 ? "; \(later) later trigger\(later == 1 ? "" : "s") attached" : "") |")
        md.append("| Started | \(Timestamp.format(run.createdAt)) |")
        md.append("| Finished | \(run.finishedAt.map { "\(Timestamp.format($0)) (\(Timeline.relative(offsetMS($0))))" } ?? "not yet") |")
        md.append("| Time to first containment | \(timeToFirstContainment.map(DurationParser.format) ?? containmentWords) |")
        md.append("| Time to contain | \(timeToContain.map(DurationParser.format) ?? containmentWords) |")
        md.append("| Audit chain | \(chain.isIntact ? "intact" : "**BROKEN**"), head \(code(chainHead)) |")
        md.append("| Inputs | \(code(run.inputs.jsonText)) |")
        if !interruptions.isEmpty {
            md.append("| Interruptions | \(interruptions.count) attempt(s) interrupted and repeated under the same idempotency key |")
        }
        md += ["", "## Triggered by", ""]
        for t in triggers { md += markdownTrigger(t) }
        md += ["", "## DAG", ""]
        let layout = self.layout
        let byID = Dictionary(steps.map { ($0.stepID, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, level) in layout.levels.enumerated() {
            let name = i < layout.mainLevelCount ? "Level \(i)" : "on_failure, level \(i - layout.mainLevelCount)"
            let cells = level.map { id in
                "\(code(id)) \(byID[id]?.status.rawValue ?? "?")" + (needs(id).isEmpty ? "" : " ← \(needs(id).map(code).joined(separator: ", "))")
            }
            md.append("- **\(name)**: \(cells.joined(separator: " · "))")
        }
        md += ["", "## Steps", "", "| Step | Action | Needs | Outcome | Attempts | Duration | Detail |", "|---|---|---|---|---|---|---|"]
        for s in steps {
            let phase = s.phase == .onFailure ? " (on_failure)" : ""
            var detail = text(s.error ?? "")
            if let c = condition(s.stepID) { detail = "if \(code(c))" + (detail.isEmpty ? "" : "; \(detail)") }
            let needed = text(needs(s.stepID).joined(separator: ", ")), outcome = "\(s.status.rawValue) | \(s.attempt) | \(duration(s))"
            md.append("| \(code(s.stepID))\(phase) | \(code(s.action)) | \(needed) | \(outcome) | \(detail) |")
        }
        md += markdownActions()
        if !approvals.isEmpty {
            md += ["", "## Approvals", ""]
            for a in approvals {
                let when = "\(Timestamp.format(a.decidedAt)) (\(Timeline.relative(offsetMS(a.decidedAt))))"
                let comment = a.comment.map { ": \(text($0))" } ?? ""
                md.append("- \(code(a.stepID)) \(a.approved ? "approved" : "rejected") by \(text(a.actor)) at \(when)\(comment)")
            }
        }
        md += ["", "## Still exposed", ""]
        if stillExposed.isEmpty {
            md.append(run.mode == .drill ? "Nothing was changed (drill)." : "No step reported a residual validity window.")
        } else {
            for e in stillExposed { md.append("- \(code(e.step)): \(text(e.text))") }
        }
        if !verifiedSteps.isEmpty {
            md += ["", "Effects proven by a verification probe: \(verifiedSteps.map { code($0) }.joined(separator: ", "))."]
        }
        md += markdownEvidence()
        md += ["", "## Timeline", ""]
        for e in events {
            let rel = Timestamp.parse(e.ts).map { " (\(Timeline.relative(offsetMS($0))))" } ?? ""
            md.append("- \(code(e.ts))\(rel) #\(e.seq) **\(text(e.kind))** by \(text(e.actor)): \(text(EventSummary.text(e)))")
        }
        md += ["", "## Audit chain", ""]
        md.append(chain.isIntact
            ? "Intact: \(chain.events) events, head \(chain.headSeq):\(code(chain.headHash)). Keep this head elsewhere; "
                + "\(code("qrun audit verify --expect-head " + chainHead)) proves later that nothing up to it was changed or removed."
            : "**BROKEN**: " + text(chain.problems.joined(separator: "; ")))
        return md.joined(separator: "\n")
    }

    /// Why there is no containment time, in words.
    var containmentWords: String {
        switch containmentStatus {
        case "drill": return "drill (nothing contained)"
        case "partial": return "not contained (" + uncontainedSteps.map { "\($0.stepID) \($0.status.rawValue)" }.joined(separator: ", ") + ")"
        case "nothing_to_contain": return "no containment step ran"
        default: return "not contained"
        }
    }

    private func markdownTrigger(_ t: ReviewTrigger) -> [String] {
        let text = self.mdText, code = self.mdCode
        var out = ["- \(t.attached ? "attached" : "**started the run**") \(text(t.at)): \(text(t.headline))"]
        if let a = t.alert {
            if let f = a.fingerprint { out.append("  - fingerprint \(code(f))") }
            if let s = a.startsAt { out.append("  - firing since \(text(s))") }
            if !a.labels.isEmpty { out.append("  - labels: " + a.labels.map { code("\($0.name)=\($0.value)") }.joined(separator: ", ")) }
            if !a.annotations.isEmpty {
                out.append("  - annotations: " + a.annotations.map { "\(code($0.name)): \(text($0.value))" }.joined(separator: "; "))
            }
        } else if t.source != "cli" {
            out.append("  - data: \(code(t.raw.jsonText))")
        }
        return out
    }

    private func markdownActions() -> [String] {
        let text = self.mdText, code = self.mdCode
        let list = actions
        guard !list.isEmpty else { return [] }
        var md = ["", "## Provider actions", "", "| Step | Attempt | Action | Started | Outcome | Request (redacted) | Result |",
                  "|---|---|---|---|---|---|---|"]
        for a in list {
            let request = a.request.isNull ? "" : code(a.request.jsonText), started = Timeline.relative(offsetMS(a.startedAt))
            let result = text(a.error ?? a.result ?? "")
            md.append("| \(code(a.step)) | \(a.attempt) | \(code(a.action)) \(a.verb) | \(started) | \(a.status) | \(request) | \(result) |")
        }
        return md
    }

    private func markdownEvidence() -> [String] {
        let text = self.mdText, code = self.mdCode
        var md = ["", "## Evidence", ""]
        guard !evidence.isEmpty else { return md + ["No evidence was collected by this run."] }
        for e in evidence {
            var line = "- \(code(e.step)): \(e.itemCount.map(String.init) ?? "?") items, \(e.bytes.map(String.init) ?? "?") bytes, "
            line += (e.sealed == true ? "sealed" : "**not sealed**") + ", in \(code(e.directory))"
            if let h = e.manifestSHA256 { line += "; manifest sha256 \(code(h))" + (e.auditSeq.map { " (audit event #\($0))" } ?? "") }
            if let p = e.problems { line += p.isEmpty ? "; every hash re-checked: intact" : "; **CHANGED**: \(text(p.joined(separator: "; ")))" }
            md.append(line)
        }
        for e in evidence where !e.items.isEmpty {
            md += ["", "Manifest of \(code(e.step)):", "", "| Item | Kind | Size | SHA-256 |", "|---|---|---|---|"]
            for i in e.items.prefix(Self.evidenceItemsShown) {
                let hash = i.sha256.map(code) ?? text(i.note ?? "")
                md.append("| \(code(i.path ?? i.source)) | \(text(i.kind)) | \(i.size.map(String.init) ?? "") | \(hash) |")
            }
            if e.items.count > Self.evidenceItemsShown {
                md.append("| … \(e.items.count - Self.evidenceItemsShown) more (every item: `--format json`) | | | |")
            }
        }
        return md
    }
}
