/// Makes the set of masked values independent of which process resolved what.
///
/// A run may be started by one process and finished by another (`--no-wait` then `approve`,
/// `resume` after a crash). A secret resolved only by the first would be unknown to the second's
/// redactor and land raw in what the second writes. So before an execution writes anything, every
/// secret it can meet is resolved and registered: every reference written in the pinned runbook
/// (step parameters, input defaults), the run's `type: secret` inputs, the workspace config's
/// references, and credential-like `env.*` values the runbook declares. A reference that cannot
/// be resolved now is skipped; it fails at its use, as it would anyway.
enum SecretPreregistration {
    /// Every reference text the runbook and the run's inputs hold.
    static func references(in runbook: Runbook, inputs: Value) -> Set<String> {
        var out: Set<String> = []
        for step in runbook.allSteps {
            for (_, value) in step.with { collect(value, into: &out) }
        }
        for spec in runbook.inputs where spec.kind == .secret {
            if case .string(let s)? = spec.defaultValue { out.insert(s) }
            if case .string(let s)? = inputs[spec.name] { out.insert(s) }
        }
        return out.filter { $0.hasPrefix(SecretReference.prefix) }
    }

    /// Resolves and registers everything listed in the type documentation with `resolver`'s redactor.
    static func register(runbook: Runbook, inputs: Value, configReferences: [String], environment: [String: String],
                         resolver: SecretResolver, limit: Duration = .seconds(5)) async {
        let texts = references(in: runbook, inputs: inputs).union(configReferences.filter { $0.hasPrefix(SecretReference.prefix) })
        // Bounded: a secret store that does not answer must not hold a containment back. What was
        // not resolved in time is resolved (and registered) at its use, as before.
        await withTaskGroup(of: Bool.self) { group in
            for text in texts.sorted() {
                // Resolution registers the value; a failure here is reported at the step that uses it.
                group.addTask { _ = try? await resolver.resolve(text: text); return true }
            }
            guard !texts.isEmpty else { return }
            group.addTask { try? await Task.sleep(for: limit); return false }
            var left = texts.count
            while left > 0, let finished = await group.next() {
                guard finished else { break }
                left -= 1
            }
            group.cancelAll()
        }
        for name in runbook.declaredEnvironment {
            guard let value = environment[name], !value.isEmpty else { continue }
            if CredentialShapes.looksLikeCredentialName(name) || CredentialShapes.containsCredential(value) {
                resolver.redactor.register(rawValue: value)
            }
        }
    }

    private static func collect(_ value: ParameterValue, into out: inout Set<String>) {
        switch value {
        case .literal(let v): collect(v, into: &out)
        case .template(let t, _): if t.isLiteral { collect(t.render(literalOnly: ()), into: &out) }
        case .array(let items): for item in items { collect(item, into: &out) }
        case .object(let members): for (_, item) in members { collect(item, into: &out) }
        }
    }

    private static func collect(_ value: Value, into out: inout Set<String>) {
        switch value {
        case .string(let s): out.insert(s)
        case .array(let items): for item in items { collect(item, into: &out) }
        case .object(let members): for (_, item) in members { collect(item, into: &out) }
        default: break
        }
    }
}
