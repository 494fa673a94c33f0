import Foundation

/// The checks that need the whole runbook: duplicate ids, `needs` on unknown steps, cycles,
/// and expressions that read names not in scope (unknown inputs, steps not upstream, undeclared env).
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
                        let hint = Suggest.closest(to: dep, in: steps.map(\.id)).map { "; did you mean '\($0)'?" } ?? ""
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
    private func isUpstream(_ target: String, of step: StepSpec) -> Bool {
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

    private func checkExpressions(_ step: StepSpec) -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        if let c = step.condition {
            issues += checkTemplate(c, at: step.conditionLocation ?? step.location, in: step, context: "the if of step '\(step.id)'")
        }
        let descriptor = catalog.descriptor(for: step.uses)
        for (name, value) in step.with.sorted(by: { $0.key < $1.key }) {
            let spec = descriptor?.parameter(name)
            for (t, at) in value.templates {
                issues += checkTemplate(t, at: at, in: step, context: "step '\(step.id)'", parameter: spec, parameterName: name)
            }
        }
        return issues
    }

    /// Checks every reference of every `${{ }}` in `template`; each issue points at its `${{`.
    private func checkTemplate(_ template: Template, at start: SourceLocation, in step: StepSpec?, context: String,
                               parameter: ParameterSpec? = nil, parameterName: String? = nil) -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        for segment in template.segments {
            guard case .expression(let expression, let offset) = segment else { continue }
            let at = locator.location(ofOffset: offset, in: template.source, at: start)
            for ref in expression.references {
                if let message = problem(with: ref, in: step, context: context,
                                         wholeValue: parameterName != nil && template.isSingleExpression
                                             && expression == .reference(ref)) {
                    issues.append(RunbookIssue(at, message))
                } else if let parameter, let parameterName, parameter.secret == .forbidden, let input = secretInput(ref) {
                    issues.append(RunbookIssue(at, "\(context) passes secret input '\(input)' to parameter '\(parameterName)' of \(step?.uses ?? "its action"), which cannot take secrets: its value is not treated as secret and would show in logs and reports"))
                }
            }
        }
        return issues
    }

    /// The secret input a reference reads, if it reads one.
    private func secretInput(_ ref: [PathComponent]) -> String? {
        guard ref.count >= 2, case .member("inputs") = ref[0], case .member(let name) = ref[1],
              runbook.input(name)?.kind == .secret else { return nil }
        return name
    }

    /// Why `ref` cannot be read here, or nil when it can. `wholeValue` is true when the reference
    /// is the entire value of a parameter (the only place a secret input may go).
    private func problem(with ref: [PathComponent], in step: StepSpec?, context: String, wholeValue: Bool) -> String? {
        guard case .member(let root)? = ref.first else { return nil }
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
            guard let input = name(1) else { return "\(context) reads 'inputs' without naming an input, e.g. inputs.token_id" }
            guard let spec = runbook.input(input) else {
                let hint = Suggest.closest(to: input, in: runbook.inputs.map(\.name)).map { "; did you mean '\($0)'?" }
                    ?? (runbook.inputs.isEmpty ? "; the runbook declares no inputs" : "; declare it under inputs")
                return "\(context) reads unknown input '\(input)'\(hint)"
            }
            if spec.kind == .secret, !(wholeValue && ref.count == 2) {
                return "\(context) uses secret input '\(input)' inside an expression; a secret input may only be passed whole as a parameter value, e.g. token: \"${{ inputs.\(input) }}\""
            }
        case "steps":
            guard let id = name(1) else { return "\(context) reads 'steps' without naming a step, e.g. steps.ID.outputs.NAME" }
            guard let step else { return "\(context) reads '\(dotted)', but it is computed before any step runs" }
            if id == step.id {
                return "\(context) reads its own outputs ('\(dotted)'); a step can only read steps that finished before it"
            }
            guard let target = mainByID[id] ?? failByID[id] else {
                let hint = Suggest.closest(to: id, in: runbook.allSteps.map(\.id)).map { "; did you mean '\($0)'?" } ?? ""
                return "\(context) reads unknown step '\(id)'\(hint)"
            }
            if step.phase == .main, target.phase == .onFailure {
                return "\(context) reads '\(dotted)', but '\(id)' is an on_failure step, which runs only after the main steps"
            }
            if !isUpstream(id, of: step) {
                return "\(context) reads '\(dotted)', but '\(id)' is not upstream of it, so it may not have run yet; add '\(id)' to its needs"
            }
            guard let field = name(2) else {
                return "\(context) reads '\(dotted)'; name a field, e.g. steps.\(id).outputs.NAME or steps.\(id).status"
            }
            if !Self.stepFields.contains(field) {
                let hint = Suggest.closest(to: field, in: Self.stepFields).map { "did you mean '\($0)'? " } ?? ""
                return "\(context) reads '\(dotted)'; \(hint)a step exposes only outputs and status"
            }
        case "env":
            guard let v = name(1) else { return "\(context) reads 'env' without naming a variable, e.g. env.HOME" }
            if !runbook.declaredEnvironment.contains(v) {
                return "\(context) reads env.\(v), which the runbook does not declare; add \(v) to the top-level env list"
            }
        case "run":
            if let f = name(1), !Self.runFields.contains(f) {
                let hint = Suggest.closest(to: f, in: Self.runFields).map { "did you mean '\($0)'? " } ?? ""
                return "\(context) reads run.\(f); \(hint)run exposes \(Self.runFields.joined(separator: ", "))"
            }
        case "alert", "event":
            break
        default:
            let hint = Suggest.closest(to: root, in: Self.roots).map { "did you mean '\($0)'? " } ?? ""
            return "\(context) reads unknown name '\(root)'; \(hint)expressions may read \(Self.roots.joined(separator: ", "))"
        }
        return nil
    }

    /// The concurrency key is rendered when a run is created, from what the trigger or the
    /// operator gave: inputs, alert and event. Nothing of the run exists yet.
    private func checkConcurrencyKey(_ key: Template, at start: SourceLocation) -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        for segment in key.segments {
            guard case .expression(let expression, let offset) = segment else { continue }
            let at = locator.location(ofOffset: offset, in: key.source, at: start)
            for ref in expression.references {
                guard case .member(let root)? = ref.first else { continue }
                if ["steps", "run", "env"].contains(root) {
                    issues.append(RunbookIssue(at, "the concurrency key reads '\(root)', but it is computed when a run is created, before any step runs; it may read only inputs, alert and event"))
                } else if let message = problem(with: ref, in: nil, context: "the concurrency key", wholeValue: false) {
                    issues.append(RunbookIssue(at, message))
                }
            }
        }
        return issues
    }

    private func checkTriggers() -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        for trigger in runbook.triggers {
            for (name, t) in trigger.inputs.sorted(by: { $0.key < $1.key }) {
                let start = trigger.inputLocations[name] ?? trigger.location
                if runbook.input(name) == nil {
                    let hint = Suggest.closest(to: name, in: runbook.inputs.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                    issues.append(RunbookIssue(start, "trigger sets unknown input '\(name)'\(hint)"))
                }
                for segment in t.segments {
                    guard case .expression(let expression, let offset) = segment else { continue }
                    let at = locator.location(ofOffset: offset, in: t.source, at: start)
                    for ref in expression.references {
                        if case .member(let root)? = ref.first, !Self.triggerRoots.contains(root) {
                            issues.append(RunbookIssue(at, "trigger input '\(name)' reads '\(root)', but a trigger runs before the run exists; it may read only alert and event"))
                        }
                    }
                }
            }
        }
        return issues
    }
}
