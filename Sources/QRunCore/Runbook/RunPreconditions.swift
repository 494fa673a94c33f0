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
            for param in descriptor.parameters where param.required {
                guard let value = step.with[param.name], onlyInputs(value.templates.flatMap { $0.0.references }),
                      let rendered = try? value.render(in: scope), isEmpty(rendered) else { continue }
                let names = Set(value.templates.flatMap { $0.0.references }.compactMap(inputName)).sorted()
                let which = names.isEmpty ? "" : " because input\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")) \(names.count == 1 ? "was" : "were") not given"
                let flags = names.map { "--" + $0.replacingOccurrences(of: "_", with: "-") }.joined(separator: ", ")
                problems.append("step '\(step.id)' (\(step.uses)) would run with parameter '\(param.name)' empty\(which)"
                                + (flags.isEmpty ? "" : "; give \(flags)"))
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
