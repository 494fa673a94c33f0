/// The DAG of a runbook drawn for a terminal (`qrun plan`): one block per level, each step with
/// its action, the steps it needs (its incoming edges), its `if:` and what the condition gives
/// now, approval gates marked, and the `on_failure` phase apart. Plain ASCII, so it survives
/// `LANG=C`, a pager and a paste into a ticket.
public enum DAGText {
    /// What `qrun plan` knows of a step beyond the runbook.
    public struct Annotation: Sendable {
        /// The condition's value with the given inputs (`true`/`false`), or nil when it depends on
        /// the run (step outputs, alert data).
        public var condition: Bool?
        /// What the action would do, with its rendered parameters.
        public var summary: String

        public init(condition: Bool?, summary: String) {
            self.condition = condition
            self.summary = summary
        }
    }

    /// The drawing, line by line.
    public static func render(_ rb: Runbook, annotations: [String: Annotation]) -> [String] {
        let layout = DAGLayout(runbook: rb)
        let specs = Dictionary(rb.allSteps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let width = min(28, max(8, rb.allSteps.map { $0.id.count + ($0.uses == "core.approval" ? 7 : 0) }.max() ?? 8))
        var out = ["\(rb.name) v\(rb.version): \(rb.steps.count) steps on \(layout.mainLevelCount) level\(layout.mainLevelCount == 1 ? "" : "s")"
            + (rb.onFailure.isEmpty ? "" : ", \(rb.onFailure.count) on_failure") + " (sha256 \(rb.source.sha256.prefix(12))...)"]
        for (i, level) in layout.levels.enumerated() {
            out.append("")
            if i == layout.mainLevelCount { out += ["On failure (runs only when a main step fails)", ""] }
            let n = i < layout.mainLevelCount ? i : i - layout.mainLevelCount
            out.append(n == 0 && i < layout.mainLevelCount ? "Level 0 (starts at once)" : "Level \(n)")
            for id in level {
                guard let s = specs[id] else { continue }
                let gate = s.uses == "core.approval" ? " [gate]" : ""
                var head = "  " + pad(id + gate, width) + "  " + s.uses
                if !s.needs.isEmpty { head += "  <- " + s.needs.joined(separator: ", ") }
                out.append(head)
                let indent = "  " + String(repeating: " ", count: width) + "  "
                if let c = s.condition {
                    let value = annotations[id]?.condition
                    out.append(indent + "if \(c.source)  => " + (value.map { $0 ? "true: runs" : "false: skipped" } ?? "decided at run time"))
                }
                if gate != "" { out.append(indent + "waits for `qrun approve RUN_ID \(id)`") }
                if let summary = annotations[id]?.summary, !summary.isEmpty { out.append(indent + summary) }
            }
        }
        return out
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
