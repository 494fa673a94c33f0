/// Expressions that read names not in scope: unknown inputs, steps not upstream, undeclared env,
/// secret inputs used inside expressions; and what the concurrency key and triggers may read.
extension RunbookValidator {
    func checkExpressions(_ step: StepSpec) -> [RunbookIssue] {
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
    func checkTemplate(_ template: Template, at start: SourceLocation, in step: StepSpec?, context: String,
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
    func secretInput(_ ref: [PathComponent]) -> String? {
        guard ref.count >= 2, case .member("inputs") = ref[0], case .member(let name) = ref[1],
              runbook.input(name)?.kind == .secret else { return nil }
        return name
    }

    /// Why `ref` cannot be read here, or nil when it can. `wholeValue` is true when the reference
    /// is the entire value of a parameter (the only place a secret input may go).
    func problem(with ref: [PathComponent], in step: StepSpec?, context: String, wholeValue: Bool) -> String? {
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
    func checkConcurrencyKey(_ key: Template, at start: SourceLocation) -> [RunbookIssue] {
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

    func checkTriggers() -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        for trigger in runbook.triggers {
            for (name, t) in trigger.inputs.sorted(by: { $0.key < $1.key }) {
                let start = trigger.inputLocations[name] ?? trigger.location
                if runbook.input(name) == nil {
                    let hint = Suggest.closest(to: name, in: runbook.inputs.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                    issues.append(RunbookIssue(start, "trigger sets unknown input '\(name)'\(hint.isEmpty ? "; declare it under inputs or remove it from the trigger" : hint)"))
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
