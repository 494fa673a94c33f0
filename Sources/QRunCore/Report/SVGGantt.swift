import Foundation

/// The timeline as an inline-SVG Gantt chart: one row per step, one bar per attempt coloured by
/// its outcome (a gap between bars is a retry's backoff or an approval wait), ticks of time
/// relative to the run's creation, and vertical marks for later triggers, approvals, first
/// containment, containment and the run's end.
struct SVGGantt {
    var timeline: Timeline
    /// Masks secrets in a value before it is clipped and escaped.
    var mask: @Sendable (String) -> String
    static let width = 1100.0, labelWidth = 210.0, rowHeight = 24.0, axisHeight = 30.0, margin = 10.0, markLine = 15.0

    func render() -> String {
        let esc = { (s: String) in HTMLText.escape(mask(s)) }
        let clip = { (s: String, n: Int) in HTMLText.clipped(mask(s), n) }
        let chartX = Self.labelWidth, chartWidth = Self.width - Self.labelWidth - 70
        func x(_ ms: Int64) -> Double { chartX + chartWidth * Double(ms) / Double(timeline.span) }
        let rowsHeight = Double(timeline.rows.count) * Self.rowHeight
        let markRows = min(timeline.marks.count, 4)
        let height = Self.axisHeight + rowsHeight + 8 + Double(markRows) * Self.markLine + Self.margin
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gantt\" role=\"img\" aria-label=\"Timeline\" "
        svg += "viewBox=\"0 0 \(Int(Self.width)) \(Int(height))\" width=\"\(Int(Self.width))\" height=\"\(Int(height))\">\n"
        for t in timeline.ticks() {
            let tx = x(t)
            svg += "<line class=\"tick\" x1=\"\(tx)\" y1=\"\(Self.axisHeight - 6)\" x2=\"\(tx)\" y2=\"\(Self.axisHeight + rowsHeight)\"/>"
            svg += "<text class=\"tick\" x=\"\(tx)\" y=\"\(Self.axisHeight - 10)\" text-anchor=\"middle\">\(esc(Timeline.relative(t)))</text>\n"
        }
        for (i, row) in timeline.rows.enumerated() {
            let y = Self.axisHeight + Double(i) * Self.rowHeight
            if i % 2 == 1 { svg += "<rect class=\"stripe\" x=\"0\" y=\"\(y)\" width=\"\(Self.width)\" height=\"\(Self.rowHeight)\"/>" }
            let label = (row.phase == .onFailure ? "↯ " : "") + clip(row.step, 26)
            svg += "<g><title>\(esc(row.step))</title><text class=\"label\" x=\"\(Self.margin)\" y=\"\(y + 16)\">\(esc(label))</text></g>"
            guard let first = row.segments.first, let last = row.segments.last else {
                let why = clip("\(row.status.rawValue): \(row.reason ?? "never started")", 110)
                svg += "<text class=\"none\" x=\"\(chartX + 4)\" y=\"\(y + 16)\">\(esc(why))</text>\n"
                continue
            }
            if row.segments.count > 1 {
                svg += "<line class=\"wait\" x1=\"\(x(first.start))\" y1=\"\(y + 12)\" x2=\"\(x(last.start))\" y2=\"\(y + 12)\"/>"
            }
            for s in row.segments {
                let x1 = x(s.start), w = max(3, x(s.end) - x1)
                svg += "<rect class=\"bar\" x=\"\(x1)\" y=\"\(y + 5)\" width=\"\(w)\" height=\"\(Self.rowHeight - 10)\" rx=\"2\""
                svg += " fill=\"\(SVGPalette.attempt(s.status))\">"
                let span = "\(Timeline.relative(s.start)) – \(s.open ? "(open)" : Timeline.relative(s.end))"
                svg += "<title>\(esc("\(row.step) attempt \(s.attempt): \(s.status), \(span)"))</title></rect>"
            }
            let end = x(last.end) + 6
            let took = DurationParser.format(.milliseconds(max(0, last.end - first.start)))
            svg += "<text class=\"dur\" x=\"\(end)\" y=\"\(y + 16)\">\(esc(took))</text>\n"
        }
        let bottom = Self.axisHeight + rowsHeight
        for (i, m) in timeline.marks.enumerated() {
            let mx = x(m.at), colour = SVGPalette.mark(m.kind)
            let ly = bottom + 8 + Double(i % max(1, markRows) + 1) * Self.markLine - 3
            svg += "<line class=\"mark\" x1=\"\(mx)\" y1=\"\(Self.axisHeight - 4)\" x2=\"\(mx)\" y2=\"\(ly - 10)\" stroke=\"\(colour)\"/>"
            let anchor = mx > Self.width - 260 ? "end" : "start"
            svg += "<text class=\"mark\" x=\"\(anchor == "end" ? mx - 3 : mx + 3)\" y=\"\(ly)\" text-anchor=\"\(anchor)\" style=\"fill:\(colour)\">"
            svg += "\(esc(clip("\(m.label) \(Timeline.relative(m.at))", 90)))</text>\n"
        }
        return svg + "</svg>"
    }
}
