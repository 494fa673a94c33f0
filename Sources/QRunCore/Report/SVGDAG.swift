import Foundation

/// The run's DAG as inline SVG: one column per level, one box per step coloured by its outcome
/// (with symbol, attempts and duration), edges from each need, `if` and approval-gate tags, and
/// the `on_failure` steps in a band of their own. Every text is escaped (``HTMLText``).
struct SVGDAG {
    var report: IncidentReport
    static let nodeWidth = 214.0, nodeHeight = 60.0, columnPitch = 266.0, rowPitch = 78.0, margin = 16.0, bandLabel = 34.0

    func render() -> String {
        let layout = report.layout
        let esc = report.esc
        let byID = Dictionary(report.steps.map { ($0.stepID, $0) }, uniquingKeysWith: { a, _ in a })
        let mainRows = layout.levels.prefix(layout.mainLevelCount).map(\.count).max() ?? 0
        let failureRows = layout.levels.dropFirst(layout.mainLevelCount).map(\.count).max() ?? 0
        let failureLevels = layout.levels.count - layout.mainLevelCount
        let columns = max(layout.mainLevelCount, failureLevels, 1)
        let mainTop = Self.margin + Self.bandLabel
        let failureTop = mainTop + Double(mainRows) * Self.rowPitch + (failureRows > 0 ? 14 + Self.bandLabel : 0)
        let width = Self.margin * 2 + Double(columns - 1) * Self.columnPitch + Self.nodeWidth
        let height = failureTop + Double(failureRows) * Self.rowPitch + Self.margin - (failureRows > 0 ? 0 : Self.bandLabel - 4)
        var position: [String: (x: Double, y: Double)] = [:]
        for node in layout.nodes {
            let failure = node.phase == .onFailure
            let column = failure ? node.level - layout.mainLevelCount : node.level
            position[node.id] = (Self.margin + Double(column) * Self.columnPitch, (failure ? failureTop : mainTop) + Double(node.row) * Self.rowPitch)
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="dag" role="img" aria-label="DAG of run \(esc(report.run.id))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" width="\(Int(width))" height="\(Int(height))">
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">\
            <path d="M0,0 L10,5 L0,10 z" fill="#7d8791"/></marker>\
            <marker id="arrow-blocked" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">\
            <path d="M0,0 L10,5 L0,10 z" fill="#b3261e"/></marker></defs>

            """
        for (i, _) in layout.levels.prefix(layout.mainLevelCount).enumerated() {
            svg += "<text class=\"band\" x=\"\(Self.margin + Double(i) * Self.columnPitch)\" y=\"\(Self.margin + 12)\">level \(i)</text>\n"
        }
        if failureRows > 0 {
            let y = failureTop - Self.bandLabel - 6
            svg += "<line class=\"sep\" x1=\"\(Self.margin)\" y1=\"\(y)\" x2=\"\(width - Self.margin)\" y2=\"\(y)\"/>\n"
            svg += "<text class=\"band\" x=\"\(Self.margin)\" y=\"\(y + 18)\">on_failure: runs only when a main step fails</text>\n"
        }
        var lanes: [Double: Int] = [:]
        for e in layout.edges {
            guard let a = position[e.from], let b = position[e.to] else { continue }
            let blocked = byID[e.from]?.status == .failed || byID[e.from]?.status == .cancelled
            let x1 = a.x + Self.nodeWidth, y1 = a.y + Self.nodeHeight / 2, x2 = b.x - 2, y2 = b.y + Self.nodeHeight / 2
            let span = (layout.node(e.to)?.level ?? 0) - (layout.node(e.from)?.level ?? 0)
            let path: String
            if x2 <= x1 {
                path = "M\(a.x + Self.nodeWidth / 2),\(a.y + Self.nodeHeight) L\(b.x + Self.nodeWidth / 2),\(b.y - 2)"
            } else if span > 1 {
                // An edge that skips levels runs in the gaps (column gap, the lane above the target's
                // row, column gap), never behind a box it does not connect.
                let lane = b.y - 9
                let n = Double(lanes[lane, default: 0])
                lanes[lane, default: 0] += 1
                let ly = lane - 3 * n, gx1 = x1 + 14 + 4 * n, gx2 = x2 - 16 - 4 * n
                path = "M\(x1),\(y1) H\(gx1) V\(ly) H\(gx2) V\(y2) H\(x2)"
            } else {
                path = "M\(x1),\(y1) C\(x1 + 40),\(y1) \(x2 - 40),\(y2) \(x2),\(y2)"
            }
            svg += "<path class=\"edge\(blocked ? " blocked" : "")\" d=\"\(path)\" marker-end=\"url(#arrow\(blocked ? "-blocked" : ""))\"/>\n"
        }
        for s in report.steps {
            guard let p = position[s.stepID] else { continue }
            svg += node(s, at: p)
        }
        return svg + "</svg>"
    }

    private func node(_ s: StepRecord, at p: (x: Double, y: Double)) -> String {
        let esc = report.esc, clip = report.clip
        let c = SVGPalette.step(s.status)
        let condition = report.condition(s.stepID)
        var title = "\(s.stepID) — \(s.action) — \(s.status.rawValue)"
        if let condition { title += "\nif: \(condition)" }
        if let e = s.error { title += "\n\(e)" }
        var detail = "\(c.symbol) \(s.status.rawValue)"
        if s.attempt > 1 { detail += " · \(s.attempt) attempts" }
        let d = report.duration(s)
        if !d.isEmpty { detail += " · \(d)" }
        var out = "<g class=\"node \(esc(s.status.rawValue))\" transform=\"translate(\(p.x),\(p.y))\"><title>\(esc(title))</title>"
        out += "<rect width=\"\(Self.nodeWidth)\" height=\"\(Self.nodeHeight)\" rx=\"7\" fill=\"\(c.fill)\" stroke=\"\(c.stroke)\" stroke-width=\"2\""
        out += s.status == .skipped ? " stroke-dasharray=\"5 3\"/>" : "/>"
        out += "<text class=\"id\" x=\"10\" y=\"19\">\(esc(clip(s.stepID, 22)))</text>"
        out += "<text class=\"action\" x=\"10\" y=\"35\">\(esc(clip(s.action, 28)))</text>"
        out += "<text class=\"detail\" x=\"10\" y=\"51\" style=\"fill:\(c.stroke)\">\(esc(detail))</text>"
        var tagX = Self.nodeWidth - 6
        for (tag, present) in [("if", condition != nil), ("gate", s.action == "core.approval"), ("on_failure", s.phase == .onFailure)] where present {
            let w = Double(tag.count) * 7.8 + 12
            tagX -= w
            out += "<rect class=\"tag\" x=\"\(tagX)\" y=\"6\" width=\"\(w)\" height=\"15\" rx=\"3\"/>"
            out += "<text class=\"tag\" x=\"\(tagX + 5)\" y=\"17\">\(tag)</text>"
            tagX -= 4
        }
        return out + "</g>\n"
    }
}
