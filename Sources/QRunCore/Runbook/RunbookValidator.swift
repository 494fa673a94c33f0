import Foundation

/// The checks that need the whole runbook: duplicate ids, `needs` on unknown steps, cycles,
/// and expressions that read names not in scope (unknown inputs, steps not upstream, undeclared env).
struct RunbookValidator {
    let runbook: Runbook
    let catalog: ActionCatalog

    static let roots = ["inputs", "steps", "run", "alert", "event", "env"]
    static let runFields = ["id", "runbook", "version", "mode", "trigger", "concurrency_key"]
    static let stepFields = ["outputs", "status"]

    func validate() -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        var firstSeen: [String: StepSpec] = [:]
        for step in runbook.allSteps {
            if let prior = firstSeen[step.id] {
                issues.append(RunbookIssue(step.location, "duplicate step id '\(step.id)' (first defined at line \(prior.location.line))"))
            } else {
                firstSeen[step.id] = step
            }
        }
        issues += checkNeeds(runbook.steps, phase: .main, firstSeen: firstSeen)
        issues += checkNeeds(runbook.onFailure, phase: .onFailure, firstSeen: firstSeen)
        let mainCycle = cycle(in: runbook.steps)
        let failCycle = cycle(in: runbook.onFailure)
        for c in [mainCycle, failCycle].compactMap({ $0 }) {
            issues.append(RunbookIssue(c.step.location, "dependency cycle: \(c.path.joined(separator: " needs "))"))
        }
        if mainCycle == nil && failCycle == nil {
            for step in runbook.allSteps {
                issues += checkExpressions(step)
            }
        }
        if let key = runbook.concurrency {
            issues += checkReferences(key.references, at: SourceLocation(file: runbook.source.path, line: 1, column: 1),
                                      upstream: [], context: "the concurrency key")
        }
        issues += checkTriggers()
        return issues
    }

    private func checkNeeds(_ steps: [StepSpec], phase: StepSpec.Phase, firstSeen: [String: StepSpec]) -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        let ids = Set(steps.map(\.id))
        for step in steps {
            for (i, dep) in step.needs.enumerated() {
                let at = i < step.needsLocations.count ? step.needsLocations[i] : step.location
                if dep == step.id {
                    issues.append(RunbookIssue(at, "step '\(step.id)' needs itself"))
                } else if !ids.contains(dep) {
                    if let other = firstSeen[dep], other.phase != phase {
                        let rule = phase == .onFailure
                            ? "on_failure steps run after the main steps and may read their outputs, but needs lists only on_failure steps"
                            : "main steps cannot wait for on_failure steps"
                        issues.append(RunbookIssue(at, "step '\(step.id)' needs '\(dep)', which is in \(other.phase.rawValue); \(rule)"))
                    } else {
                        let hint = Suggest.closest(to: dep, in: Array(ids)).map { "; did you mean '\($0)'?" } ?? ""
                        issues.append(RunbookIssue(at, "step '\(step.id)' needs unknown step '\(dep)'\(hint)"))
                    }
                }
            }
        }
        return issues
    }

    private func cycle(in steps: [StepSpec]) -> (step: StepSpec, path: [String])? {
        let byID = Dictionary(steps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        func visit(_ id: String) -> [String]? {
            if state[id] == 2 { return nil }
            if state[id] == 1 {
                let start = stack.firstIndex(of: id) ?? 0
                return Array(stack[start...]) + [id]
            }
            state[id] = 1
            stack.append(id)
            for dep in byID[id]?.needs ?? [] where byID[dep] != nil {
                if let c = visit(dep) { return c }
            }
            stack.removeLast()
            state[id] = 2
            return nil
        }
        // Iterative deepening is not needed: runbooks are bounded to 20,000 steps, but a long chain
        // recursing 20,000 frames deep is; walk in topological layers first to keep recursion shallow.
        if Self.topologicalOrder(steps) != nil { return nil }
        for step in steps {
            if let c = visit(step.id) {
                let first = byID[c[0]] ?? step
                return (first, c)
            }
        }
        return nil
    }

    /// Kahn's algorithm; nil when there is a cycle. Unknown `needs` are ignored.
    static func topologicalOrder(_ steps: [StepSpec]) -> [String]? {
        let ids = Set(steps.map(\.id))
        var indegree: [String: Int] = [:]
        var dependants: [String: [String]] = [:]
        for s in steps {
            let deps = Set(s.needs.filter { ids.contains($0) && $0 != s.id })
            indegree[s.id, default: 0] += deps.count
            for d in deps { dependants[d, default: []].append(s.id) }
            if s.needs.contains(s.id) { return nil }
        }
        var queue = steps.map(\.id).filter { indegree[$0] == 0 }
        var order: [String] = []
        var head = 0
        while head < queue.count {
            let id = queue[head]
            head += 1
            order.append(id)
            for d in dependants[id] ?? [] {
                indegree[d]! -= 1
                if indegree[d] == 0 { queue.append(d) }
            }
        }
        return order.count == Set(steps.map(\.id)).count ? order : nil
    }

    /// Every step that must finish before `step` starts (transitively).
    private func upstream(of step: StepSpec) -> Set<String> {
        let pool = step.phase == .main ? runbook.steps : runbook.onFailure
        let byID = Dictionary(pool.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        var todo = step.needs
        while let id = todo.popLast() {
            guard seen.insert(id).inserted else { continue }
            todo += byID[id]?.needs ?? []
        }
        if step.phase == .onFailure { seen.formUnion(runbook.steps.map(\.id)) }
        return seen
    }

    private func checkExpressions(_ step: StepSpec) -> [RunbookIssue] {
        let up = upstream(of: step)
        var issues: [RunbookIssue] = []
        if let c = step.condition {
            issues += checkReferences(c.references, at: step.conditionLocation ?? step.location, upstream: up,
                                      context: "the if of step '\(step.id)'", selfID: step.id)
        }
        for (_, value) in step.with.sorted(by: { $0.key < $1.key }) {
            for (t, at) in value.templates {
                issues += checkReferences(t.references, at: at, upstream: up, context: "step '\(step.id)'", selfID: step.id)
            }
        }
        return issues
    }

    private func checkReferences(_ refs: [[PathComponent]], at: SourceLocation, upstream: Set<String>,
                                 context: String, selfID: String? = nil) -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        for ref in refs {
            guard case .member(let root)? = ref.first else { continue }
            func name(_ i: Int) -> String? {
                guard i < ref.count, case .member(let n) = ref[i] else { return nil }
                return n
            }
            let dotted = ref.map { c -> String in
                switch c {
                case .member(let m): return m
                case .index(let i): return "[\(i)]"
                }
            }.joined(separator: ".")
            switch root {
            case "inputs":
                guard let input = name(1) else {
                    issues.append(RunbookIssue(at, "\(context) reads 'inputs' without naming an input"))
                    continue
                }
                if runbook.input(input) == nil {
                    let hint = Suggest.closest(to: input, in: runbook.inputs.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                    issues.append(RunbookIssue(at, "\(context) reads unknown input '\(input)'\(hint)"))
                } else if runbook.input(input)?.kind == .secret {
                    issues.append(RunbookIssue(at, "\(context) reads secret input '\(input)' inside an expression; pass it whole as a parameter value instead"))
                }
            case "steps":
                guard let id = name(1) else {
                    issues.append(RunbookIssue(at, "\(context) reads 'steps' without naming a step"))
                    continue
                }
                if id == selfID {
                    issues.append(RunbookIssue(at, "\(context) reads its own outputs ('\(dotted)')"))
                } else if runbook.step(id) == nil {
                    let hint = Suggest.closest(to: id, in: runbook.allSteps.map(\.id)).map { "; did you mean '\($0)'?" } ?? ""
                    issues.append(RunbookIssue(at, "\(context) reads unknown step '\(id)'\(hint)"))
                } else if !upstream.contains(id) {
                    issues.append(RunbookIssue(at, "\(context) reads '\(dotted)', but '\(id)' is not upstream of it; add '\(id)' to its needs"))
                } else if let field = name(2), !Self.stepFields.contains(field) {
                    issues.append(RunbookIssue(at, "\(context) reads '\(dotted)'; a step exposes only outputs and status"))
                } else if name(2) == nil {
                    issues.append(RunbookIssue(at, "\(context) reads '\(dotted)'; name a field, e.g. steps.\(id).outputs.NAME"))
                }
            case "env":
                guard let v = name(1) else {
                    issues.append(RunbookIssue(at, "\(context) reads 'env' without naming a variable"))
                    continue
                }
                if !runbook.declaredEnvironment.contains(v) {
                    issues.append(RunbookIssue(at, "\(context) reads env.\(v), which the runbook does not declare; add it to the top-level env list"))
                }
            case "run":
                if let f = name(1), !Self.runFields.contains(f) {
                    issues.append(RunbookIssue(at, "\(context) reads run.\(f); run exposes \(Self.runFields.joined(separator: ", "))"))
                }
            case "alert", "event":
                break
            default:
                let hint = Suggest.closest(to: root, in: Self.roots).map { "; did you mean '\($0)'?" } ?? ""
                issues.append(RunbookIssue(at, "\(context) reads unknown name '\(root)'; expressions may read \(Self.roots.joined(separator: ", "))\(hint)"))
            }
        }
        return issues
    }

    private func checkTriggers() -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        for trigger in runbook.triggers {
            for (name, t) in trigger.inputs.sorted(by: { $0.key < $1.key }) {
                if runbook.input(name) == nil {
                    issues.append(RunbookIssue(trigger.location, "trigger sets unknown input '\(name)'"))
                }
                for ref in t.references {
                    if case .member(let root)? = ref.first, !["alert", "event", "run"].contains(root) {
                        issues.append(RunbookIssue(trigger.location, "trigger input '\(name)' may read only alert, event and run, not '\(root)'"))
                    }
                }
            }
        }
        return issues
    }
}
