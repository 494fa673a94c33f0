/// The levels of a run's DAG, computed from `needs`: a step stands one level after the deepest
/// step it needs, so every edge points to a later level. Shared by the HTML review's SVG and the
/// terminal drawing of `qrun plan`.
///
/// `on_failure` steps form their own band after the main levels (they run only when a main step
/// fails), with levels counted from their own `needs`.
public struct DAGLayout: Sendable {
    /// What the layout needs to know of a step.
    public struct Input: Sendable {
        public var id: String
        public var needs: [String]
        public var phase: StepSpec.Phase

        public init(id: String, needs: [String], phase: StepSpec.Phase) {
            self.id = id
            self.needs = needs
            self.phase = phase
        }
    }

    /// A placed step: its level (column) and its row within the level.
    public struct Node: Sendable, Equatable {
        public var id: String
        public var phase: StepSpec.Phase
        public var level: Int
        public var row: Int
    }

    /// `from` must finish before `to` starts.
    public struct Edge: Sendable, Equatable {
        public var from: String
        public var to: String
    }

    /// Nodes in the order the steps were given.
    public private(set) var nodes: [Node] = []
    public private(set) var edges: [Edge] = []
    /// Step ids per level, in drawing order; the main phase first, then the `on_failure` band.
    public private(set) var levels: [[String]] = []
    /// How many of `levels` belong to the main phase.
    public private(set) var mainLevelCount = 0
    private var index: [String: Int] = [:]

    public init(_ steps: [Input]) {
        let known = Dictionary(steps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Longest path from a root, in topological order (Kahn), without recursion: a run may have
        // ten thousand steps in one chain. A need in the other phase or unknown counts as no edge;
        // steps on a cycle (refused by validation) stay at level 0.
        var depth: [String: Int] = [:]
        var children: [String: [String]] = [:]
        var waiting: [String: Int] = [:]
        for s in steps {
            let parents = Set(s.needs.filter { known[$0]?.phase == s.phase && $0 != s.id })
            waiting[s.id] = parents.count
            for p in parents { children[p, default: []].append(s.id) }
        }
        var queue = steps.map(\.id).filter { waiting[$0] == 0 }
        var head = 0
        while head < queue.count {
            let id = queue[head]
            head += 1
            let d = depth[id] ?? 0
            for c in children[id] ?? [] {
                depth[c] = max(depth[c] ?? 0, d + 1)
                waiting[c]! -= 1
                if waiting[c] == 0 { queue.append(c) }
            }
        }
        let main = steps.filter { $0.phase == .main }, failure = steps.filter { $0.phase == .onFailure }
        mainLevelCount = (main.map { depth[$0.id] ?? 0 }.max() ?? -1) + 1
        let failureLevels = (failure.map { depth[$0.id] ?? 0 }.max() ?? -1) + 1
        levels = Array(repeating: [], count: mainLevelCount + failureLevels)
        var rows: [String: Int] = [:]
        for (phase, group, offset) in [(StepSpec.Phase.main, main, 0), (.onFailure, failure, mainLevelCount)] {
            let count = phase == .main ? mainLevelCount : failureLevels
            let byLevel = Dictionary(grouping: group) { depth[$0.id] ?? 0 }
            for l in 0..<count {
                let here = byLevel[l] ?? []
                // Order each level by the mean row of its parents (one barycentre pass), which keeps
                // most edges from crossing; ties keep the runbook's order.
                let ordered = here.enumerated().sorted { a, b in
                    let ka = Self.barycentre(a.element, rows), kb = Self.barycentre(b.element, rows)
                    return ka != kb ? ka < kb : a.offset < b.offset
                }.map(\.element.id)
                for (r, id) in ordered.enumerated() { rows[id] = r }
                levels[offset + l] = ordered
            }
        }
        for s in steps {
            let offset = s.phase == .main ? 0 : mainLevelCount
            if index[s.id] == nil { index[s.id] = nodes.count }
            nodes.append(Node(id: s.id, phase: s.phase, level: offset + (depth[s.id] ?? 0), row: rows[s.id] ?? 0))
            for n in s.needs where known[n] != nil { edges.append(Edge(from: n, to: s.id)) }
        }
    }

    private static func barycentre(_ s: Input, _ rows: [String: Int]) -> Double {
        let r = s.needs.compactMap { rows[$0] }
        return r.isEmpty ? Double(Int.max) : Double(r.reduce(0, +)) / Double(r.count)
    }

    /// The node of a step.
    public func node(_ id: String) -> Node? { index[id].map { nodes[$0] } }

    /// The most steps on any one level.
    public var widestLevel: Int { levels.map(\.count).max() ?? 0 }
}

extension DAGLayout {
    /// The layout of a runbook's steps.
    public init(runbook: Runbook) {
        self.init(runbook.allSteps.map { Input(id: $0.id, needs: $0.needs, phase: $0.phase) })
    }
}
