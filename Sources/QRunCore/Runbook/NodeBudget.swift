import Yams

/// Walks a composed tree once, refusing it when alias expansion or nesting goes past the limits.
struct NodeBudget {
    var maxNodes: Int
    var maxDepth: Int
    var seen = 0

    mutating func check(_ node: Node, path: String, depth: Int = 1) -> RunbookIssue? {
        seen += 1
        let loc = SourceLocation(file: path, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        if seen > maxNodes {
            return RunbookIssue(loc, "runbook expands to more than \(maxNodes) YAML nodes once aliases (*name) are expanded; refused (an alias bomb?)")
        }
        if depth > maxDepth {
            return RunbookIssue(loc, "YAML nesting is deeper than \(maxDepth) levels; a runbook never needs that much, so the file is refused")
        }
        switch node {
        case .mapping(let m):
            for (k, v) in m {
                if let i = check(k, path: path, depth: depth + 1) { return i }
                if let i = check(v, path: path, depth: depth + 1) { return i }
            }
        case .sequence(let s):
            for v in s {
                if let i = check(v, path: path, depth: depth + 1) { return i }
            }
        default:
            break
        }
        return nil
    }
}
