import Foundation
import Testing

@testable import QRunCore

/// Common mistakes in a runbook, each refused with a message that says what to do: the table is
/// (mistake, the offending text, a phrase of the fix the message must carry).
@Suite struct RunbookValidationFixTests {
    typealias H = RunbookValidationHarness

    static let valid = """
        runbook: x
        version: 1
        inputs:
          token_id: { type: string, required: true }
        steps:
          - id: revoke
            uses: test.rotate
            with: { name: "${{ inputs.token_id }}" }
          - id: notify
            needs: [revoke]
            uses: core.noop
        """

    /// (what went wrong, the text to replace in ``valid``, its replacement, a phrase of the fix).
    static let mistakes: [(String, String, String, String)] = [
        ("misspelt top-level key", "steps:", "step:", "did you mean 'steps'?"),
        ("misspelt action", "uses: core.noop", "uses: core.nop", "did you mean 'core.noop'?"),
        ("unknown action, nothing close", "uses: core.noop", "uses: acme.frobnicate", "docs/runbooks.md list the actions"),
        ("missing uses", "\n    uses: core.noop", "", "add e.g. uses: core.noop"),
        ("missing id", "  - id: notify\n    needs", "  - needs", "add one such as id:"),
        ("needs an unknown step", "needs: [revoke]", "needs: [revokee]", "did you mean 'revoke'?"),
        ("needs a step that is nowhere", "needs: [revoke]", "needs: [zzz]", "needs lists ids of steps in this runbook"),
        ("needs itself", "needs: [revoke]", "needs: [notify]", "remove 'notify' from its needs"),
        ("duplicate step id", "  - id: notify", "  - id: revoke", "give each step its own id"),
        ("a cycle", "  - id: revoke\n    uses: test.rotate", "  - id: revoke\n    needs: [notify]\n    uses: test.rotate",
         "remove one of these needs"),
        ("missing required parameter", "with: { name: \"${{ inputs.token_id }}\" }", "with: { count: 1 }", "add it under with:"),
        ("unknown parameter", "with: { name: \"${{ inputs.token_id }}\" }", "with: { name: a, nmae: b }", "did you mean 'name'?"),
        ("bad duration", "uses: core.noop", "uses: core.noop\n    timeout: 5 minutes", "like 500ms"),
        ("input without type", "{ type: string, required: true }", "{ required: true }", "needs a 'type'"),
        ("unknown input type", "{ type: string, required: true }", "{ type: strng, required: true }", "did you mean 'string'?"),
        ("version zero", "version: 1", "version: 0", "bump it on every change"),
        ("name differs from the file", "runbook: x", "runbook: y", "must live in a file named y.yaml"),
        ("reads a step that is not upstream", "uses: core.noop", "uses: test.rotate\n    with: { name: a }\n  - id: late\n    uses: test.rotate\n    with: { name: \"${{ steps.notify.outputs.x }}\" }",
         "add 'notify' to its needs"),
        ("reads an undeclared env", "with: { name: \"${{ inputs.token_id }}\" }", "with: { name: \"${{ env.HOME }}\" }", "add HOME to the top-level env list"),
        ("secret where none may go", "with: { name: \"${{ inputs.token_id }}\" }", "with: { name: a, label: \"secret:env:X\" }",
         "pass the secret to a parameter that accepts one"),
        ("retry max below initial", "uses: core.noop", "uses: core.noop\n    retry: { max_attempts: 3, initial: 10s, max: 1s }", "raise max or lower initial"),
        ("max_attempts out of range", "uses: core.noop", "uses: core.noop\n    retry: { max_attempts: 0 }", "e.g. max_attempts: 5"),
        ("alert match value not a string", "steps:", "triggers:\n  - alert: { match: { severity: [a, b] } }\nsteps:", "quote them"),
        ("trigger sets an unknown input", "steps:", "triggers:\n  - alert: { match: { alertname: A } }\n    inputs: { tokn_id: x, token_id: y }\nsteps:",
         "did you mean 'token_id'?"),
        ("concurrency without key", "steps:", "concurrency: { absorb: 1h }\nsteps:", "e.g. key:"),
        ("an if with text around the expression", "uses: core.noop", "uses: core.noop\n    if: \"run ${{ inputs.token_id == 'a' }}\"", "written bare"),
    ]

    @Test func theUnchangedRunbookIsValid() {
        #expect(H.issues(Self.valid).isEmpty, "\(H.issues(Self.valid))")
    }

    @Test(arguments: 0..<mistakes.count)
    func eachCommonMistakeIsExplainedWithAFix(_ index: Int) throws {
        let (what, old, new, fix) = Self.mistakes[index]
        #expect(Self.valid.contains(old), "the table entry '\(what)' must change the runbook")
        let text = Self.valid.replacingOccurrences(of: old, with: new)
        let issues = H.issues(text)
        #expect(!issues.isEmpty, "\(what): the runbook must be refused")
        #expect(issues.contains { $0.message.contains(fix) }, "\(what): no message says '\(fix)': \(issues.map(\.message))")
        for issue in issues {
            #expect(issue.location.line >= 1 && issue.location.column >= 1, "\(what): \(issue) names a line and column")
        }
    }
}
