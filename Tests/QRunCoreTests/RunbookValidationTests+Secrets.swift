import Foundation
import Testing

@testable import QRunCore

/// `test.send`: an action taking headers and a child environment, like http.request and shell.exec.
struct ValidationTestSendAction: Action {
    var descriptor: ActionDescriptor {
        ActionDescriptor(name: "test.send", summary: "Sends nothing; for validation tests.", parameters: [
            ParameterSpec("url", .string), ParameterSpec("headers", .map), ParameterSpec("env", .map), ParameterSpec("body", .any),
        ])
    }

    func plan(_ call: ActionCall) async throws -> ActionResult { ActionResult() }
    func apply(_ call: ActionCall) async throws -> ActionResult { ActionResult() }
}

@Suite("Runbook validation: credentials and whole-value references")
struct RunbookValidationSecretTests {
    static func issues(_ text: String) -> [RunbookIssue] {
        var registry = ActionRegistry.core
        registry.register(ValidationTestSendAction())
        do {
            _ = try RunbookLoader(catalog: registry).load(text: text, path: "runbooks/x.yaml")
            return []
        } catch {
            return error.issues
        }
    }

    static func runbook(_ with: String) -> String {
        """
        runbook: x
        version: 1
        steps:
          - id: send
            uses: test.send
            with:
        \(with)
        """
    }

    @Test(arguments: [
        "Bearer ghp_0123456789abcdefghijABCDEFGHIJ0123456789",
        "xoxb-123456789012-abcdefghijklmnop",
        "AKIAIOSFODNN7EXAMPLE",
        "Bearer 8f3a9c1d2e7b4a6f0c5d9e8b7a6f5e4d",
    ])
    func literalCredentialInAHeaderIsRefusedWithoutEchoingIt(_ credential: String) {
        let issues = Self.issues(Self.runbook("      headers: { Authorization: \"\(credential)\" }"))
        #expect(issues.count == 1, "\(issues.map(\.description))")
        guard let issue = issues.first else { return }
        #expect(issue.location == QRunCore.SourceLocation(file: "runbooks/x.yaml", line: 7, column: 33), "\(issue.description)")
        #expect(issue.message.contains("literal credential"))
        #expect(!issue.description.contains(credential))
        #expect(!issue.description.contains(String(credential.suffix(12))))
    }

    @Test func literalCredentialInAChildEnvironmentIsRefused() {
        let issues = Self.issues(Self.runbook("      env: { GH: \"ghp_0123456789abcdefghijABCDEFGHIJ0123456789\" }"))
        #expect(issues.count == 1 && issues[0].message.contains("literal credential"), "\(issues.map(\.description))")
        #expect(issues.first?.location.line == 7)
    }

    @Test func referenceInsideALongerTextIsRefusedWithHowToFixIt() {
        let issues = Self.issues(Self.runbook("      headers: { Authorization: \"Bearer secret:env:API_TOKEN\" }"))
        #expect(issues.count == 1, "\(issues.map(\.description))")
        guard let issue = issues.first else { return }
        #expect(issue.location == QRunCore.SourceLocation(file: "runbooks/x.yaml", line: 7, column: 33))
        #expect(issue.message.contains("whole value"))
        #expect(issue.message.contains("Authorization: \"secret:env:NAME\""))
    }

    @Test func wholeReferencesTemplatesAndOrdinaryValuesAreAccepted() {
        let issues = Self.issues(Self.runbook("""
                  url: "http://127.0.0.1:1/x"
                  headers: { Authorization: "secret:env:API_TOKEN", X-Run: "run ${{ run.id }}", Accept: application/json }
                  env: { TOKEN: "secret:file:/etc/qrun/token", MODE: fast }
                  body: { text: "rotated the key of ${{ run.id }}" }
            """))
        #expect(issues.isEmpty, "\(issues.map(\.description))")
    }
}

@Suite("Run inputs: who may give a secret reference")
struct RunInputsSupplierTests {
    static func runbook() throws -> Runbook {
        try RunbookLoader(catalog: ActionRegistry.core).load(text: """
            runbook: x
            version: 1
            inputs:
              token: { type: secret }
              note: { type: string }
            steps:
              - { id: a, uses: core.noop }
            """, path: "runbooks/x.yaml")
    }

    @Test func anOperatorMayGiveASecretInput() throws {
        let inputs = try RunInputs.resolve(try Self.runbook(), given: ["token": "secret:env:X"], supplier: .operatorAtTerminal)
        #expect(inputs["token"] == "secret:env:X")
    }

    @Test func aTriggerMayNotGiveASecretInputButItsStringsAreData() throws {
        #expect(throws: RunInputs.InputError.self) {
            _ = try RunInputs.resolve(try Self.runbook(), given: ["token": "secret:env:X"], supplier: .trigger)
        }
        let inputs = try RunInputs.resolve(try Self.runbook(), given: ["note": "secret:file:/etc/shadow"], supplier: .trigger)
        #expect(inputs["note"] == "secret:file:/etc/shadow")
    }
}
