extension SecretReferencePolicy {
    /// The policy of one step's call.
    ///
    /// Trusted are the whole string values that are references in the step's `with` **as
    /// written** (literal text, no `${{ }}`), and the values of `type: secret` inputs used whole as
    /// `${{ inputs.NAME }}` (those inputs are references an operator gave; ``RunInputs`` refuses
    /// them from any other supplier). Every other string of the rendered parameters is data. When
    /// a trusted text also occurs as data in the same call (more often in `rendered` than in
    /// trusted positions), it is ambiguous and refused.
    ///
    /// - Parameters:
    ///   - step: The step's parameters as written.
    ///   - rendered: The same parameters with expressions rendered (what the action gets).
    ///   - secretInputs: Names of the runbook's `type: secret` inputs.
    ///   - inputs: The run's inputs object.
    public init(step: [String: ParameterValue], rendered: [String: Value], secretInputs: Set<String>, inputs: Value) {
        var trustedCounts: [String: Int] = [:]
        for (_, value) in step { Self.countTrusted(value, secretInputs: secretInputs, inputs: inputs, into: &trustedCounts) }
        var renderedCounts: [String: Int] = [:]
        for (_, value) in rendered { Self.countReferences(value, into: &renderedCounts) }
        let ambiguous = Set(trustedCounts.compactMap { text, count in (renderedCounts[text] ?? 0) > count ? text : nil })
        self.init(trusted: Set(trustedCounts.keys), ambiguous: ambiguous)
    }

    private static func countTrusted(_ value: ParameterValue, secretInputs: Set<String>, inputs: Value, into counts: inout [String: Int]) {
        switch value {
        case .literal(let v):
            countReferences(v, into: &counts)
        case .template(let t, _):
            if t.isLiteral {
                countReferences(t.render(literalOnly: ()), into: &counts)
            } else if t.isSingleExpression, case .reference(let path)? = t.expressions.first, path.count == 2,
                      case .member("inputs") = path[0], case .member(let name) = path[1], secretInputs.contains(name),
                      case .string(let s)? = inputs[name], s.hasPrefix(SecretReference.prefix) {
                counts[s, default: 0] += 1
            }
        case .array(let items):
            for item in items { countTrusted(item, secretInputs: secretInputs, inputs: inputs, into: &counts) }
        case .object(let members):
            for (_, item) in members { countTrusted(item, secretInputs: secretInputs, inputs: inputs, into: &counts) }
        }
    }

    private static func countReferences(_ value: Value, into counts: inout [String: Int]) {
        switch value {
        case .string(let s) where s.hasPrefix(SecretReference.prefix): counts[s, default: 0] += 1
        case .array(let items): for item in items { countReferences(item, into: &counts) }
        case .object(let members): for (_, item) in members { countReferences(item, into: &counts) }
        default: break
        }
    }
}
