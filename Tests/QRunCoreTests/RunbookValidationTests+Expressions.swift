import Testing

@testable import QRunCore

/// `${{ }}` expressions: syntax errors at their exact column, and names read out of scope.
@Suite("Runbook validation: expressions")
struct RunbookValidationExpressionTests {
    typealias H = RunbookValidationHarness

    /// Step `a` has `message: <value>` on line 14 (``line``), the value starting at column 16 after
    /// `      message: `; `extra` lines follow the value.
    static func message(_ value: String, needs: String = "[]", _ extra: String...) -> String {
        """
        runbook: x
        version: 1
        env: [HOME]
        inputs:
          token: { type: string }
          api_key: { type: secret }
        steps:
          - id: first
            uses: core.noop
          - id: a
            uses: core.noop
            needs: \(needs)
            with:
              message: \(value)
        \(extra.joined(separator: "\n"))
        """
    }

    static let line = 14

    // MARK: Syntax errors, at the offending character

    @Test func syntaxErrorInAPlainScalar() {
        H.expectIssue(Self.message("Revoked ${{ inputs.token = 'x' }}"), line: Self.line, column: 41,
                      "invalid expression: '=' on its own is not an operator; use '==' to compare values")
    }

    @Test func syntaxErrorAtTheEndOfTheExpression() {
        H.expectIssue(Self.message("Revoked ${{ inputs.token == }}"), line: Self.line, column: 44,
                      "the expression ended after 'inputs.token =='; expected a value")
    }

    @Test func syntaxErrorInADoubleQuotedScalarWithEscapes() {
        H.expectIssue(Self.message(#""say \"hi\" ${{ inputs.token = 'x' }}""#), line: Self.line, column: 45,
                      "'=' on its own is not an operator")
    }

    @Test func syntaxErrorInASingleQuotedScalarWithAnEscapedQuote() {
        H.expectIssue(Self.message("'it''s ${{ inputs.token = ''x'' }}'"), line: Self.line, column: 40,
                      "'=' on its own is not an operator")
    }

    @Test func columnsCountUnicodeScalarsLikeTheParser() {
        H.expectIssue(Self.message("\"🇫🇷 ${{ inputs.token = 'x' }}\""), line: Self.line, column: 37,
                      "'=' on its own is not an operator")
    }

    @Test func windowsLineEndingsDoNotShiftColumns() {
        let text = Self.message(#""say ${{ inputs.token = 'x' }}""#).replacingOccurrences(of: "\n", with: "\r\n")
        H.expectIssue(text, line: Self.line, column: 38, "'=' on its own is not an operator")
    }

    @Test func syntaxErrorOnTheSecondLineOfAPlainScalar() {
        H.expectIssue(Self.message("Revoked the key\n        and ${{ inputs.token = 'x' }}"), line: Self.line + 1, column: 30,
                      "'=' on its own is not an operator")
    }

    @Test func syntaxErrorInALiteralBlockScalar() {
        H.expectIssue(Self.message("|\n        first line\n        second ${{ inputs.token = 'x' }}"), line: Self.line + 2, column: 33,
                      "'=' on its own is not an operator")
    }

    @Test func syntaxErrorInAFoldedBlockScalar() {
        H.expectIssue(Self.message(">-\n        first line\n          second ${{ inputs.token = 'x' }}"), line: Self.line + 2, column: 35,
                      "'=' on its own is not an operator")
    }

    @Test func unterminatedStringLiteral() {
        H.expectIssue(Self.message("${{ inputs.token == 'x }}"), line: Self.line, column: 36, "unterminated string literal")
    }

    @Test func unclosedExpression() {
        H.expectIssue(Self.message("Revoked ${{ inputs.token"), line: Self.line, column: 24, "unclosed '${{'")
    }

    // MARK: Names out of scope, at the ${{ that reads them

    @Test func unknownRoot() {
        H.expectIssue(Self.message(#""Revoked ${{ input.token }}""#), line: Self.line, column: 25,
                      "step 'a' reads unknown name 'input'", "did you mean 'inputs'?")
    }

    @Test func unknownInput() {
        H.expectIssue(Self.message("${{ inputs.tokn }}"), line: Self.line, column: 16,
                      "step 'a' reads unknown input 'tokn'", "did you mean 'token'?")
    }

    @Test func unknownInputInTheSecondExpressionOfAString() {
        H.expectIssue(Self.message(#""a ${{ inputs.token }} b ${{ inputs.nope }}""#), line: Self.line, column: 41,
                      "step 'a' reads unknown input 'nope'")
    }

    @Test func stepThatIsNotUpstream() {
        H.expectIssue(Self.message("${{ steps.first.outputs.url }}"), line: Self.line, column: 16,
                      "step 'a' reads 'steps.first.outputs.url', but 'first' is not upstream of it", "add 'first' to its needs")
    }

    @Test func stepsOwnOutputs() {
        H.expectIssue(Self.message("${{ steps.a.outputs.url }}"), line: Self.line, column: 16,
                      "step 'a' reads its own outputs ('steps.a.outputs.url')")
    }

    @Test func unknownStep() {
        H.expectIssue(Self.message("${{ steps.frist.outputs.url }}"), line: Self.line, column: 16,
                      "step 'a' reads unknown step 'frist'", "did you mean 'first'?")
    }

    @Test func stepFieldOtherThanOutputsOrStatus() {
        H.expectIssue(Self.message("${{ steps.first.output.url }}", needs: "[first]"), line: Self.line, column: 16,
                      "step 'a' reads 'steps.first.output.url'", "did you mean 'outputs'?", "a step exposes only outputs and status")
    }

    @Test func stepWithoutAField() {
        H.expectIssue(Self.message("${{ steps.first }}", needs: "[first]"), line: Self.line, column: 16,
                      "step 'a' reads 'steps.first'; name a field")
    }

    @Test func mainStepReadingAnOnFailureStep() {
        H.expectIssue(Self.message("${{ steps.page.outputs.id }}", "on_failure:", "  - id: page", "    uses: core.noop"),
                      line: Self.line, column: 16, "'page' is an on_failure step, which runs only after the main steps")
    }

    @Test func undeclaredEnvironmentVariable() {
        H.expectIssue(Self.message("${{ env.USER }}"), line: Self.line, column: 16,
                      "step 'a' reads env.USER, which the runbook does not declare", "add USER to the top-level env list")
    }

    @Test func unknownRunField() {
        H.expectIssue(Self.message("${{ run.idd }}"), line: Self.line, column: 16,
                      "step 'a' reads run.idd", "did you mean 'id'?", "run exposes id, runbook, version")
    }

    // MARK: Secret inputs

    @Test func secretInputInsideAString() {
        H.expectIssue(Self.message(#""Bearer ${{ inputs.api_key }}""#), line: Self.line, column: 24,
                      "step 'a' uses secret input 'api_key' inside an expression", "passed whole as a parameter value")
    }

    @Test func secretInputInsideAComparison() {
        H.expectIssue(Self.message("${{ inputs.api_key == 'x' }}"), line: Self.line, column: 16,
                      "uses secret input 'api_key' inside an expression")
    }

    @Test func secretInputPassedWholeToASecretParameterIsAccepted() throws {
        let text = """
            runbook: x
            version: 1
            inputs:
              api_key: { type: secret }
            steps:
              - id: a
                uses: test.rotate
                with: { name: n, token: "${{ inputs.api_key }}" }
            """
        #expect(H.issues(text).isEmpty, "\(H.issues(text))")
    }

    @Test func secretInputPassedToAParameterThatForbidsSecrets() {
        H.expectIssue("""
            runbook: x
            version: 1
            inputs:
              api_key: { type: secret }
            steps:
              - id: a
                uses: test.rotate
                with: { name: n, token: "secret:env:T", label: "${{ inputs.api_key }}" }
            """, line: 8, column: 53, "passes secret input 'api_key' to parameter 'label' of test.rotate, which cannot take secrets")
    }

    // MARK: if

    @Test func syntaxErrorInABareIf() {
        H.expectIssue(Self.message("ok", "    if: inputs.token = 'x'"), line: Self.line + 1, column: 22,
                      "invalid expression: '=' on its own is not an operator")
    }

    @Test func syntaxErrorInAQuotedIf() {
        H.expectIssue(Self.message("ok", #"    if: "${{ inputs.token = 'x' }}""#), line: Self.line + 1, column: 27,
                      "'=' on its own is not an operator")
    }

    @Test func ifWithTextAroundTheExpression() {
        H.expectIssue(Self.message("ok", #"    if: "${{ inputs.token == 'x' }} please""#), line: Self.line + 1, column: 9,
                      "the if of step 'a' must be one expression", "would make it always true")
    }

    @Test func ifReadingAnUnknownInput() {
        H.expectIssue(Self.message("ok", "    if: inputs.tokn == 'x'"), line: Self.line + 1, column: 9,
                      "the if of step 'a' reads unknown input 'tokn'")
    }

    @Test func ifReadingASecretInput() {
        H.expectIssue(Self.message("ok", "    if: inputs.api_key != ''"), line: Self.line + 1, column: 9,
                      "the if of step 'a' uses secret input 'api_key' inside an expression")
    }

    // MARK: Concurrency key and triggers

    static func concurrency(_ key: String) -> String {
        """
        runbook: x
        version: 1
        inputs:
          token: { type: string }
        concurrency:
          key: \(key)
        steps:
          - id: a
            uses: core.noop
        """
    }

    @Test func syntaxErrorInTheConcurrencyKey() {
        H.expectIssue(Self.concurrency(#""leak/${{ inputs.token = 'x' }}""#), line: 6, column: 31,
                      "'=' on its own is not an operator")
    }

    @Test func concurrencyKeyReadingSteps() {
        H.expectIssue(Self.concurrency(#""leak/${{ steps.a.outputs.id }}""#), line: 6, column: 14,
                      "the concurrency key reads 'steps'", "before any step runs", "only inputs, alert and event")
    }

    @Test func concurrencyKeyReadingAnUnknownInput() {
        H.expectIssue(Self.concurrency("${{ inputs.tokn }}"), line: 6, column: 8,
                      "the concurrency key reads unknown input 'tokn'", "did you mean 'token'?")
    }

    static func trigger(_ inputs: String) -> String {
        """
        runbook: x
        version: 1
        inputs:
          token: { type: string }
        triggers:
          - alert: { match: { alertname: Leak } }
            inputs: \(inputs)
        steps:
          - id: a
            uses: core.noop
        """
    }

    @Test func triggerInputReadingSteps() {
        H.expectIssue(Self.trigger(#"{ token: "${{ steps.a.outputs.x }}" }"#), line: 7, column: 23,
                      "trigger input 'token' reads 'steps'", "may read only alert and event")
    }

    @Test func triggerSettingAnUnknownInput() {
        H.expectIssue(Self.trigger(#"{ tokn: "${{ alert.labels.token }}" }"#), line: 7, column: 21,
                      "trigger sets unknown input 'tokn'", "did you mean 'token'?")
    }

    @Test func triggerInputThatIsNotASingleValue() {
        H.expectIssue(Self.trigger("{ token: [a, b] }"), line: 7, column: 22,
                      "trigger input 'token' must be a single value")
    }
}
