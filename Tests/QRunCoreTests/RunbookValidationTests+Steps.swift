import Testing

@testable import QRunCore

/// `with` parameters checked against the action's schema, durations and retry policies.
@Suite("Runbook validation: parameters, durations and retry")
struct RunbookValidationStepTests {
    typealias H = RunbookValidationHarness

    /// A runbook with one `test.rotate` step whose `with` block holds `lines` from line 7 on.
    static func rotate(_ lines: String...) -> String {
        """
        runbook: x
        version: 1
        steps:
          - id: a
            uses: test.rotate
            with:
        \(lines.map { "      " + $0 }.joined(separator: "\n"))
        """
    }

    // MARK: Parameters

    @Test func unknownParameterSuggestsTheClosestOne() {
        H.expectIssue(Self.rotate("name: n", "lable: blue"), line: 8, column: 7,
                      "unknown parameter 'lable' for action test.rotate in step 'a'", "did you mean 'label'?")
    }

    @Test func unknownParameterWithoutACloseMatchListsTheParameters() {
        H.expectIssue(Self.rotate("name: n", "colour: blue"), line: 8, column: 7,
                      "unknown parameter 'colour'", "it takes name, count, wait, token, label, tags, codes")
    }

    @Test func missingRequiredParameterPointsAtWith() {
        H.expectIssue(Self.rotate("count: 2"), line: 7, column: 7,
                      "step 'a' is missing required parameter 'name' of test.rotate")
    }

    @Test func missingRequiredParameterWithoutWithPointsAtUses() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: pause
                uses: core.sleep
            """, line: 5, column: 11, "step 'pause' is missing required parameter 'duration' of core.sleep")
    }

    @Test func wronglyTypedIntegerDoesNotEchoAValueThatMayBeSecret() {
        let issues = H.issues(Self.rotate("name: n", "count: three"))
        H.expect(issues, line: 8, column: 14, ["parameter 'count' of test.rotate in step 'a' must be an integer", "found a string"])
        #expect(issues.allSatisfy { !$0.message.contains("three") })
    }

    @Test func wronglyTypedDurationShowsTheValueWhenItCannotBeSecret() {
        H.expectIssue(Self.rotate("name: n", "wait: soon"), line: 8, column: 13,
                      "parameter 'wait' of test.rotate in step 'a' must be a duration", "found 'soon', which is not one")
    }

    @Test func wronglyTypedListItems() {
        H.expectIssue(Self.rotate("name: n", "codes: [200, x]"), line: 8, column: 14,
                      "parameter 'codes' of test.rotate in step 'a' must be an integer or a list of integers",
                      "a list holding integer, string items")
    }

    @Test func scalarWhereAListIsExpected() {
        H.expectIssue(Self.rotate("name: n", "tags: web"), line: 8, column: 13,
                      "parameter 'tags' of test.rotate in step 'a' must be a list", "found a string, 'web'")
    }

    @Test(arguments: ["hunter2", "12345", "true", "[hunter2]"])
    func literalWhereASecretReferenceIsRequired(literal: String) {
        let issues = H.issues(Self.rotate("name: n", "token: \(literal)"))
        H.expect(issues, line: 8, column: 14, ["parameter 'token' of test.rotate in step 'a' must be a secret reference",
                                               "never the secret itself"])
        #expect(issues.allSatisfy { !$0.message.contains("hunter2") && !$0.message.contains("12345") })
    }

    @Test func secretReferenceWhereSecretsAreForbidden() {
        H.expectIssue(Self.rotate("name: n", "label: secret:env:LABEL"), line: 8, column: 14,
                      "parameter 'label' of test.rotate in step 'a' cannot take a secret reference")
    }

    @Test func secretReferenceInsideAListWhereSecretsAreForbidden() {
        H.expectIssue(Self.rotate("name: n", "tags: [web, \"secret:env:TAG\"]"), line: 8, column: 19,
                      "parameter 'tags' of test.rotate in step 'a' cannot hold a secret reference")
    }

    @Test func malformedSecretReferenceIsNamedWithoutQuotingIt() {
        let issues = H.issues(Self.rotate("name: n", "token: \"secret:vaultt:sk-live-4f9a\""))
        H.expect(issues, line: 8, column: 14, ["parameter 'token' of test.rotate in step 'a' is not a valid secret reference",
                                               "secret:env:NAME"])
        #expect(issues.allSatisfy { !$0.message.contains("sk-live-4f9a") })
    }

    @Test func malformedEnvSecretReference() {
        H.expectIssue(Self.rotate("name: n", "token: secret:env:1PASSWORD"), line: 8, column: 14,
                      "is not a valid secret reference", "environment variable name")
    }

    @Test func templatesAreNotTypeCheckedBeforeTheRun() throws {
        let text = """
            runbook: x
            version: 1
            inputs:
              n: { type: int, default: 2 }
            steps:
              - id: a
                uses: test.rotate
                with: { name: n, count: "${{ inputs.n }}", codes: [200, "${{ inputs.n }}"], token: "secret:env:T" }
            """
        let runbook = try H.load(text).get()
        let count = try #require(runbook.steps.first?.with["count"])
        guard case .template(let template, _) = count else {
            Issue.record("count should be a template, got \(count)")
            return
        }
        #expect(template.isSingleExpression)
    }

    // MARK: Durations

    @Test func timeoutWithoutAUnit() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                timeout: 20
            """, line: 6, column: 14, "timeout of step 'a' must be a duration like 500ms, 20s, 5m or 24h", "found '20', which has no unit")
    }

    @Test(arguments: ["5 minutes", "-5s", "1.5.5s", "5sec", "soon", "''"])
    func badTimeout(text: String) {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                timeout: \(text)
            """, line: 6, column: 14, "timeout of step 'a' must be a duration")
    }

    @Test func zeroTimeout() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                timeout: 0s
            """, line: 6, column: 14, "timeout of step 'a' must be greater than zero")
    }

    @Test func badRetryInitial() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                retry: { max_attempts: 3, initial: fast }
            """, line: 6, column: 40, "retry initial must be a duration", "found 'fast'")
    }

    @Test func badRetryMax() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                retry:
                  max: 1 h
            """, line: 7, column: 12, "retry max must be a duration", "found '1 h'")
    }

    @Test func retryMaxShorterThanInitial() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                retry: { initial: 10s, max: 5s }
            """, line: 6, column: 33, "retry max (5s) is shorter than initial (10s)")
    }

    @Test func retryInitialLongerThanTheDefaultMax() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                retry: { initial: 2m }
            """, line: 6, column: 23, "retry max (30s, the default) is shorter than initial (2m)")
    }

    @Test(arguments: ["0", "101", "-1", "three", "2.5"])
    func maxAttemptsOutOfRange(text: String) {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                retry: { max_attempts: \(text) }
            """, line: 6, column: 28, "max_attempts must be an integer from 1 to 100")
    }

    @Test func badBackoffSuggestsTheClosestOne() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                retry: { backoff: exponentail }
            """, line: 6, column: 23, "backoff must be constant, linear or exponential", "did you mean 'exponential'?")
    }
}
