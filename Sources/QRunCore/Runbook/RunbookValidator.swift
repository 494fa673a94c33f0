import Foundation

/// The checks that need the whole runbook: duplicate ids, `needs` on unknown steps, cycles,
/// and expressions that read names not in scope (unknown inputs, steps not upstream, undeclared
/// env, secret inputs inside expressions). Expression issues point at the `${{` that reads the
/// name, mapped back to the file through ``ScalarLocator``.
struct RunbookValidator {
    let runbook: Runbook
    let catalog: ActionCatalog
    let locator: ScalarLocator
    let mainByID: [String: StepSpec]
    let failByID: [String: StepSpec]

    init(runbook: Runbook, catalog: ActionCatalog) {
        self.runbook = runbook
        self.catalog = catalog
        self.locator = ScalarLocator(text: runbook.source.text)
        self.mainByID = Dictionary(runbook.steps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.failByID = Dictionary(runbook.onFailure.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    static let roots = ["inputs", "steps", "run", "alert", "event", "env"]
    static let runFields = ["id", "runbook", "version", "mode", "trigger", "concurrency_key"]
    static let stepFields = ["outputs", "status"]
    static let triggerRoots = ["alert", "event"]

    func validate() -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        var firstSeen: [String: StepSpec] = [:]
        for step in runbook.allSteps {
            if let prior = firstSeen[step.id] {
                issues.append(RunbookIssue(step.location, "duplicate step id '\(step.id)' (first defined at line \(prior.location.line)); give each step its own id and update the needs that name it"))
            } else {
                firstSeen[step.id] = step
            }
        }
        issues += checkNeeds(runbook.steps, phase: .main, firstSeen: firstSeen)
        issues += checkNeeds(runbook.onFailure, phase: .onFailure, firstSeen: firstSeen)
        let mainCycle = cycle(in: runbook.steps)
        let failCycle = cycle(in: runbook.onFailure)
        for c in [mainCycle, failCycle].compactMap({ $0 }) {
            issues.append(RunbookIssue(c.step.location, "steps \(c.path.dropLast().map { "'\($0)'" }.joined(separator: ", ")) form a dependency cycle (\(c.path.joined(separator: " needs "))), so none of them could ever start; remove one of these needs"))
        }
        if mainCycle == nil && failCycle == nil {
            for step in runbook.allSteps {
                issues += checkExpressions(step)
            }
        }
        if let key = runbook.concurrency {
            issues += checkConcurrencyKey(key, at: runbook.concurrencyLocation ?? SourceLocation(file: runbook.source.path, line: 1, column: 1))
        }
        issues += checkTriggers()
        for step in runbook.allSteps where step.uses == "core.approval" {
            issues += checkApprovalPolicy(step)
        }
        return issues
    }

    /// Who may decide an approval is part of the runbook's text, never rendered from data.
    private func checkApprovalPolicy(_ step: StepSpec) -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        for key in ["approvers", "min", "allow_self"] {
            if let v = step.with[key], v.staticValue == nil {
                issues.append(RunbookIssue(step.location, "step '\(step.id)': \(key) must be written literally (who may approve is never taken from inputs or alerts)"))
            }
        }
        let approvers = step.with["approvers"]?.staticValue?.arrayValue
        if let approvers, approvers.contains(where: { $0.stringValue?.isEmpty != false }) {
            issues.append(RunbookIssue(step.location, "step '\(step.id)': approvers is a list of principal names, e.g. [alice, bob]"))
        }
        if let minimum = step.with["min"]?.staticValue?.intValue {
            if minimum < 1 {
                issues.append(RunbookIssue(step.location, "step '\(step.id)': min must be at least 1"))
            } else if let approvers, !approvers.isEmpty, minimum > Set(approvers.compactMap(\.stringValue)).count {
                issues.append(RunbookIssue(step.location, "step '\(step.id)': min is \(minimum) but only \(approvers.count) approver(s) are listed, so the step could never pass"))
            }
        }
        return issues
    }

    private func checkNeeds(_ steps: [StepSpec], phase: StepSpec.Phase, firstSeen: [String: StepSpec]) -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        let ids = Set(steps.map(\.id))
        for step in steps {
            for (i, dep) in step.needs.enumerated() {
                let at = i < step.needsLocations.count ? step.needsLocations[i] : step.location
                if dep == step.id {
                    issues.append(RunbookIssue(at, "step '\(step.id)' needs itself; remove '\(step.id)' from its needs"))
                } else if !ids.contains(dep) {
                    if let other = firstSeen[dep], other.phase != phase {
                        let rule = phase == .onFailure
                            ? "on_failure steps run after the main steps and may read their outputs, but needs lists only on_failure steps"
                            : "main steps cannot wait for on_failure steps"
                        let which = other.phase == .main ? "a main step" : "an on_failure step"
                        issues.append(RunbookIssue(at, "step '\(step.id)' needs '\(dep)', which is \(which); \(rule)"))
                    } else {
                        let others = steps.map(\.id).filter { $0 != step.id }
                        let hint = Suggest.closest(to: dep, in: others).map { "; did you mean '\($0)'?" } ?? "; needs lists ids of steps in this runbook"
                        issues.append(RunbookIssue(at, "step '\(step.id)' needs unknown step '\(dep)'\(hint)"))
                    }
                }
            }
        }
        return issues
    }

    /// The first dependency cycle among `steps`, as the path `a, b, …, a`, with the step it starts at.
    /// A step needing itself is reported by ``checkNeeds`` and ignored here. Iterative, so a long
    /// chain of steps cannot exhaust the stack.
    private func cycle(in steps: [StepSpec]) -> (step: StepSpec, path: [String])? {
        let byID = Dictionary(steps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func deps(_ id: String) -> [String] {
            (byID[id]?.needs ?? []).filter { $0 != id && byID[$0] != nil }
        }
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        for root in steps where state[root.id] == nil {
            var stack: [(id: String, next: Int)] = [(root.id, 0)]
            state[root.id] = 1
            while let top = stack.last {
                let ds = deps(top.id)
                if top.next == ds.count {
                    state[top.id] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let dep = ds[top.next]
                switch state[dep] {
                case 1:
                    let start = stack.firstIndex { $0.id == dep } ?? 0
                    let path = stack[start...].map(\.id) + [dep]
                    return (byID[dep] ?? root, path)
                case 2:
                    continue
                default:
                    state[dep] = 1
                    stack.append((dep, 0))
                }
            }
        }
        return nil
    }

    /// Whether `target` must finish before `step` starts: listed in its `needs`, transitively.
    /// An on_failure step runs after the whole main DAG, so every main step is upstream of it.
    func isUpstream(_ target: String, of step: StepSpec) -> Bool {
        if step.phase == .onFailure, mainByID[target] != nil { return true }
        let pool = step.phase == .main ? mainByID : failByID
        var seen = Set<String>()
        var todo = step.needs
        while let id = todo.popLast() {
            if id == target { return true }
            guard seen.insert(id).inserted else { continue }
            todo += pool[id]?.needs ?? []
        }
        return false
    }
}
