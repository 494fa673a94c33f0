import Foundation
import Testing

@testable import QRunCore

// MARK: - Harness shared by the RunbookValidation…Tests suites

/// `test.rotate`: an action whose parameters cover every check the validator makes on `with`.
struct ValidationTestRotateAction: Action {
    var descriptor: ActionDescriptor {
        ActionDescriptor(name: "test.rotate", summary: "Rotates nothing; for validation tests.", parameters: [
            ParameterSpec("name", .string, required: true),
            ParameterSpec("count", .int),
            ParameterSpec("wait", .duration, secret: .forbidden),
            ParameterSpec("token", .string, secret: .required),
            ParameterSpec("label", .string, secret: .forbidden),
            ParameterSpec("tags", .list, secret: .forbidden),
            ParameterSpec("codes", .intOrList, secret: .forbidden),
        ])
    }

    func plan(_ call: ActionCall) async throws -> ActionResult { ActionResult() }
    func apply(_ call: ActionCall) async throws -> ActionResult { ActionResult() }
}

enum RunbookValidationHarness {
    static let path = "runbooks/x.yaml"

    /// The core actions plus `test.rotate`.
    static var catalog: ActionRegistry {
        var registry = ActionRegistry.core
        registry.register(ValidationTestRotateAction())
        return registry
    }

    /// Loads `text`, returning the runbook or the error.
    static func load(_ text: String, path: String = path) -> Result<Runbook, RunbookValidationError> {
        do {
            return .success(try RunbookLoader(catalog: catalog).load(text: text, path: path))
        } catch {
            return .failure(error)
        }
    }

    /// The issues `text` is refused with; empty when it loads.
    static func issues(_ text: String, path: String = path) -> [RunbookIssue] {
        if case .failure(let error) = load(text, path: path) { return error.issues }
        return []
    }

    /// Asserts that `text` is refused with exactly one issue, at `line:column`, whose message
    /// contains every phrase.
    static func expectIssue(_ text: String, path: String = path, line: Int, column: Int, _ phrases: String...,
                            sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        expect(issues(text, path: path), file: path, line: line, column: column, phrases, sourceLocation: sourceLocation)
    }

    /// Asserts that `issues` is exactly one issue at `line:column` containing every phrase.
    static func expect(_ issues: [RunbookIssue], file: String = path, line: Int, column: Int, _ phrases: [String],
                       sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(issues.count == 1, "expected one issue, got: \(issues.map(\.description))", sourceLocation: sourceLocation)
        guard let issue = issues.first else { return }
        #expect(issue.location == QRunCore.SourceLocation(file: file, line: line, column: column),
                "\(issue.description)", sourceLocation: sourceLocation)
        for phrase in phrases {
            #expect(issue.message.contains(phrase), "'\(phrase)' not in: \(issue.message)", sourceLocation: sourceLocation)
        }
    }
}

// MARK: - Keys, names and steps

@Suite("Runbook validation: keys, names and steps")
struct RunbookValidationTests {
    typealias H = RunbookValidationHarness

    @Test func unknownTopLevelKeySuggestsTheClosestOne() {
        H.expectIssue("""
            runbook: x
            version: 1
            descripton: Contain a leak.
            steps:
              - id: a
                uses: core.noop
            """, line: 3, column: 1, "unknown key 'descripton' at the top level", "did you mean 'description'?")
    }

    @Test func unknownKeyWithoutACloseMatchListsTheAllowedKeys() {
        H.expectIssue("""
            runbook: x
            version: 1
            owner: sre
            steps:
              - id: a
                uses: core.noop
            """, line: 3, column: 1, "unknown key 'owner'", "allowed keys are runbook, version, description")
    }

    @Test func unknownStepKey() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                neds: [b]
              - id: b
                uses: core.noop
            """, line: 6, column: 5, "unknown key 'neds' in a step", "did you mean 'needs'?")
    }

    @Test func unknownInputKey() {
        H.expectIssue("""
            runbook: x
            version: 1
            inputs:
              token_id: { type: string, requird: true }
            steps:
              - id: a
                uses: core.noop
            """, line: 4, column: 29, "unknown key 'requird' in input 'token_id'", "did you mean 'required'?")
    }

    @Test func unknownRetryKey() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                retry:
                  max_attempt: 3
            """, line: 7, column: 7, "unknown key 'max_attempt' in retry", "did you mean 'max_attempts'?")
    }

    @Test func missingRunbookVersionAndStepsAreEachReported() {
        let issues = H.issues("description: nothing else\n")
        #expect(issues.count == 3)
        #expect(issues.allSatisfy { $0.location == QRunCore.SourceLocation(file: H.path, line: 1, column: 1) })
        let text = issues.map(\.message).joined(separator: "\n")
        #expect(text.contains("missing required key 'runbook'"))
        #expect(text.contains("missing required key 'version'"))
        #expect(text.contains("missing required key 'steps'"))
    }

    @Test func emptyStepsList() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps: []
            """, line: 3, column: 8, "steps is empty", "at least one step")
    }

    @Test func versionMustBeAPositiveInteger() {
        H.expectIssue("""
            runbook: x
            version: "4"
            steps:
              - id: a
                uses: core.noop
            """, line: 2, column: 10, "version must be a positive integer")
    }

    @Test func badRunbookName() {
        H.expectIssue("""
            runbook: Credential_Leak
            version: 1
            steps:
              - id: a
                uses: core.noop
            """, path: "runbooks/Credential_Leak.yaml", line: 1, column: 10, "runbook name must be lower-case")
    }

    @Test func runbookNameMustMatchItsFileName() {
        H.expectIssue("""
            runbook: credential-leak
            version: 1
            steps:
              - id: a
                uses: core.noop
            """, path: "runbooks/leak.yaml", line: 1, column: 10,
            "runbook 'credential-leak' must live in a file named credential-leak.yaml", "this file is leak.yaml")
    }

    @Test func badStepID() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: Revoke_Token
                uses: core.noop
            """, line: 4, column: 9, "step id must be lower-case letters, digits and '-'")
    }

    @Test func stepWithoutID() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - uses: core.noop
            """, line: 4, column: 5, "step is missing 'id'")
    }

    @Test func stepWithoutUses() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: revoke
                timeout: 5s
            """, line: 4, column: 5, "step 'revoke' is missing 'uses'")
    }

    @Test func unknownActionSuggestsTheClosestOne() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.nop
            """, line: 5, column: 11, "unknown action 'core.nop' in step 'a'", "did you mean 'core.noop'?")
    }

    @Test func severalErrorsAreAllReportedInFileOrder() {
        let issues = H.issues("""
            runbook: x
            version: 1
            stepz: []
            steps:
              - id: Bad_Id
                uses: core.noop
              - id: b
                uses: core.nop
                timeout: soon
              - id: c
                uses: core.sleep
            """)
        let positions = issues.map { [$0.location.line, $0.location.column] }
        #expect(positions == [[3, 1], [5, 9], [8, 11], [9, 14], [11, 11]], "\(issues.map(\.description))")
        #expect(issues.first?.description == "runbooks/x.yaml:3:1: error: unknown key 'stepz' at the top level; did you mean 'steps'?")
        #expect(issues.last?.message.contains("step 'c' is missing required parameter 'duration' of core.sleep") == true)
    }
}
