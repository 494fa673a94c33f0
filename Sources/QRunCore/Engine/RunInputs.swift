/// Turns the inputs a person or a trigger gave into the typed `inputs` object of a run.
public enum RunInputs {
    /// One or more inputs were wrong; every problem is listed.
    public struct InputError: Error, Sendable, CustomStringConvertible {
        public var problems: [String]
        public var description: String { problems.joined(separator: "\n") }
    }

    /// Checks `given` against the runbook's declarations: unknown names, missing required ones,
    /// types, patterns and enum values. Defaults fill the rest.
    ///
    /// `supplier` says who gave the values; only an ``InputSupplier/operatorAtTerminal`` may give
    /// a `type: secret` input (a reference the engine will resolve). There is deliberately no
    /// default: every entry point must say who it is.
    public static func resolve(_ runbook: Runbook, given: [String: Value], supplier: InputSupplier,
                               flags: Bool = false) throws(InputError) -> Value {
        var problems: [String] = []
        var out: [String: Value] = [:]
        func label(_ name: String) -> String { flags ? "--\(name.replacingOccurrences(of: "_", with: "-"))" : "input '\(name)'" }
        for name in given.keys.sorted() where runbook.input(name) == nil {
            let known = runbook.inputs.map { flags ? "--\($0.flagName)" : "'\($0.name)'" }
            let typed = flags ? "--\(name.replacingOccurrences(of: "_", with: "-"))" : "'\(name)'"
            let hint = Suggest.closest(to: typed, in: known).map { "; did you mean \($0)?" }
                ?? (known.isEmpty ? "; it takes no inputs" : "; it takes \(known.joined(separator: ", "))")
            problems.append("runbook \(runbook.name) has no \(label(name))\(hint)")
        }
        for spec in runbook.inputs {
            if let v = given[spec.name] {
                if spec.kind == .secret && supplier != .operatorAtTerminal {
                    problems.append("\(label(spec.name)) is a secret reference, which only an operator at the terminal may give; "
                                    + "a trigger's values are data and are never resolved as secrets")
                    continue
                }
                switch InputCoercion.coerce(v, for: spec) {
                case .success(let typed): out[spec.name] = typed
                case .failure(let p): problems.append("\(label(spec.name)) \(p.text)")
                }
            } else if let d = spec.defaultValue {
                out[spec.name] = d
            } else if spec.required {
                problems.append("\(label(spec.name)) is required" + (spec.description.map { " (\($0))" } ?? ""))
            } else {
                out[spec.name] = .null
            }
        }
        if !problems.isEmpty { throw InputError(problems: problems) }
        return .object(out)
    }
}
