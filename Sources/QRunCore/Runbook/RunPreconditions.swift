/// What a run will need, checked from its inputs before the run exists: an operator must never
/// approve a containment that cannot work because an input its chosen branch needs is missing.
public enum RunPreconditions {
    /// Sentences naming each step that will run (its `if` depends only on inputs and is true, or it
    /// has none) and would be called with a required parameter that renders empty from the inputs
    /// given. Steps whose condition or parameter reads step outputs or other run-time values are
    /// not judged here.
    public static func problems(runbook: Runbook, inputs: Value, catalog: ActionCatalog) -> [String] {
        let scope = ValueScope(roots: ["inputs": inputs, "run": .object([:])])
        var problems: [String] = []
        for step in runbook.steps {
            if let condition = step.condition {
                guard onlyInputs(condition.references),
                      let v = try? condition.render(in: scope), ExpressionEvaluator.isTruthy(v) else { continue }
            }
            guard let descriptor = catalog.descriptor(for: step.uses) else { continue }
            let groups = descriptor.parameters.filter(\.required).map { [$0.name] } + descriptor.requiresOneOf
            for group in groups {
                // Judged only when every parameter of the group is absent or depends on inputs alone.
                var inputsRead: [String] = []
                var allEmpty = true
                for name in group {
                    guard let value = step.with[name] else { continue }
                    let refs = value.templates.flatMap { $0.0.references }
                    guard onlyInputs(refs), let rendered = try? value.render(in: scope) else { allEmpty = false; break }
                    if !isEmpty(rendered) { allEmpty = false; break }
                    inputsRead += refs.compactMap(inputName)
                }
                guard allEmpty else { continue }
                let names = Set(inputsRead).sorted()
                let which = names.isEmpty ? "" : " because input\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")) \(names.count == 1 ? "was" : "were") not given"
                let flags = names.map { "--" + $0.replacingOccurrences(of: "_", with: "-") }.joined(separator: " or ")
                let what = group.count == 1 ? "parameter '\(group[0])' empty" : "none of the parameters \(group.map { "'\($0)'" }.joined(separator: ", ")) set"
                problems.append("step '\(step.id)' (\(step.uses)) would run with \(what)\(which)" + (flags.isEmpty ? "" : "; give \(flags)"))
            }
        }
        return problems
    }

    static func onlyInputs(_ refs: [[PathComponent]]) -> Bool {
        refs.allSatisfy { ref in
            guard case .member(let root)? = ref.first else { return false }
            return root == "inputs"
        }
    }

    static func inputName(_ ref: [PathComponent]) -> String? {
        guard ref.count > 1, case .member(let name) = ref[1] else { return nil }
        return name
    }

    static func isEmpty(_ v: Value) -> Bool {
        switch v {
        case .null: return true
        case .string(let s): return s.trimmingCharacters(in: .whitespaces).isEmpty
        default: return false
        }
    }
}
