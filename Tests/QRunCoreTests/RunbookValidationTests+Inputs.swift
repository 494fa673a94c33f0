import Testing

@testable import QRunCore

/// Input declarations (checked when the runbook loads) and input values (checked when a run starts).
@Suite("Runbook validation: inputs")
struct RunbookValidationInputTests {
    typealias H = RunbookValidationHarness

    /// A runbook declaring `declaration` as its only input, on line 4.
    static func declaring(_ declaration: String) -> String {
        """
        runbook: x
        version: 1
        inputs:
          \(declaration)
        steps:
          - id: a
            uses: core.noop
        """
    }

    // MARK: Declarations

    @Test func unknownTypeSuggestsTheClosestOne() {
        H.expectIssue(Self.declaring("token: { type: strng }"), line: 4, column: 18,
                      "unknown input type 'strng'", "did you mean 'string'?", "use string, int, bool, enum, duration, timestamp or secret")
    }

    @Test func enumWithoutValuesIsOneIssue() {
        H.expectIssue(Self.declaring("provider: { type: enum }"), line: 4, column: 21,
                      "enum input 'provider' needs 'values', a non-empty list")
    }

    @Test func enumWithEmptyValuesIsOneIssue() {
        H.expectIssue(Self.declaring("provider: { type: enum, values: [] }"), line: 4, column: 35,
                      "enum input 'provider' needs 'values'")
    }

    @Test func valuesOnANonEnumInput() {
        H.expectIssue(Self.declaring("provider: { type: string, values: [a, b] }"), line: 4, column: 37,
                      "'values' only applies to enum inputs")
    }

    @Test func defaultOfTheWrongType() {
        H.expectIssue(Self.declaring("count: { type: int, default: many }"), line: 4, column: 32,
                      "default of input 'count' must be an integer")
    }

    @Test func defaultThatDoesNotMatchThePattern() {
        H.expectIssue(Self.declaring(#"token: { type: string, pattern: "^[a-z]+$", default: "ABC" }"#), line: 4, column: 56,
                      "default of input 'token' does not match the pattern ^[a-z]+$")
    }

    @Test func defaultNotAmongTheEnumValues() {
        H.expectIssue(Self.declaring("provider: { type: enum, values: [braket, vault], default: aws }"), line: 4, column: 61,
                      "default of input 'provider' must be one of braket, vault")
    }

    @Test func defaultDurationMustParse() {
        H.expectIssue(Self.declaring("grace: { type: duration, default: 2 minutes }"), line: 4, column: 37,
                      "default of input 'grace' must be a duration")
    }

    @Test func secretDefaultMustBeAReferenceAndIsNeverEchoed() {
        let issues = H.issues(Self.declaring("token: { type: secret, default: hunter2 }"))
        H.expect(issues, line: 4, column: 35, ["default of input 'token' must be a secret reference"])
        #expect(issues.allSatisfy { !$0.message.contains("hunter2") })
    }

    @Test func requiredInputWithADefault() {
        H.expectIssue(Self.declaring("token: { type: string, required: true, default: abc }"), line: 4, column: 51,
                      "input 'token' is required, so a default would never be used")
    }

    @Test(arguments: ["([a-z]", "a{2,1}", "*abc", "[z-a]", "(?<name>x", "abc\\"])
    func invalidPattern(pattern: String) {
        let text = Self.declaring("token: { type: string, pattern: '\(pattern)' }")
        H.expectIssue(text, line: 4, column: 35, "pattern of input 'token' is not a valid regular expression")
    }

    @Test func patternOnANonStringInput() {
        H.expectIssue(Self.declaring(#"count: { type: int, pattern: "^[0-9]+$" }"#), line: 4, column: 32,
                      "pattern only applies to string inputs", "input 'count' is int")
    }

    @Test func inputWithoutAType() {
        H.expectIssue(Self.declaring("token: { required: true }"), line: 4, column: 10,
                      "input 'token' needs a 'type'")
    }

    @Test func badInputName() {
        H.expectIssue(Self.declaring("Token-ID: { type: string }"), line: 4, column: 3,
                      "input names are lower-case letters, digits and '_'")
    }

    // MARK: Values given to a run

    static let runbookText = """
        runbook: rotate-token
        version: 2
        inputs:
          token_id: { type: string, required: true, pattern: "^[A-Za-z0-9_.:-]{3,128}$", description: Provider id of the leaked credential }
          provider: { type: enum, values: [ibm-quantum, braket, vault], default: ibm-quantum }
          count:    { type: int, default: 3 }
          dry:      { type: bool, default: false }
          grace:    { type: duration, default: 90s }
          api_key:  { type: secret }
          agent:    { type: string }
        steps:
          - id: a
            uses: core.noop
        """

    static func runbook() throws -> Runbook {
        try H.load(runbookText, path: "runbooks/rotate-token.yaml").get()
    }

    static func problems(_ given: [String: Value], flags: Bool = false) throws -> [String] {
        do {
            _ = try RunInputs.resolve(try runbook(), given: given, supplier: .operatorAtTerminal, flags: flags)
            return []
        } catch let error as RunInputs.InputError {
            return error.problems
        }
    }

    @Test func defaultsAreAppliedAndMissingOptionalInputsAreNull() throws {
        let inputs = try RunInputs.resolve(try Self.runbook(), given: ["token_id": "tok-123"], supplier: .operatorAtTerminal)
        #expect(inputs == ["token_id": "tok-123", "provider": "ibm-quantum", "count": 3, "dry": false,
                           "grace": "1m30s", "api_key": .null, "agent": .null])
    }

    @Test func givenStringsAreParsedToTheirTypes() throws {
        let inputs = try RunInputs.resolve(try Self.runbook(), given: [
            "token_id": "tok-123", "provider": "vault", "count": "7", "dry": "yes", "grace": "1m30s",
            "api_key": "secret:env:API_KEY", "agent": "claude-7",
        ], supplier: .operatorAtTerminal)
        #expect(inputs == ["token_id": "tok-123", "provider": "vault", "count": 7, "dry": true,
                           "grace": "1m30s", "api_key": "secret:env:API_KEY", "agent": "claude-7"])
    }

    @Test func missingRequiredInputNamesItsDescription() throws {
        #expect(try Self.problems([:]) == ["input 'token_id' is required (Provider id of the leaked credential)"])
    }

    @Test func unknownInputSuggestsTheClosestOne() throws {
        #expect(try Self.problems(["token_id": "tok-123", "provdier": "vault"])
            == ["runbook rotate-token has no input 'provdier'; did you mean 'provider'?"])
    }

    @Test func unknownInputWithoutACloseMatchListsTheInputs() throws {
        let problems = try Self.problems(["token_id": "tok-123", "region": "eu"])
        #expect(problems == ["runbook rotate-token has no input 'region'; it takes 'token_id', 'provider', 'count', 'dry', 'grace', 'api_key', 'agent'"])
    }

    @Test func flagStyleLabels() throws {
        #expect(try Self.problems(["token_idd": "tok-123"], flags: true) == [
            "runbook rotate-token has no --token-idd; did you mean --token-id?",
            "--token-id is required (Provider id of the leaked credential)",
        ])
        #expect(try Self.problems(["token_id": "tok-123", "count": "many"], flags: true) == ["--count must be an integer"])
    }

    @Test func enumValueNotAllowed() throws {
        #expect(try Self.problems(["token_id": "tok-123", "provider": "aws"])
            == ["input 'provider' must be one of ibm-quantum, braket, vault"])
    }

    @Test func patternMismatchDoesNotEchoTheValue() throws {
        let problems = try Self.problems(["token_id": "not valid!"])
        #expect(problems == [#"input 'token_id' does not match the pattern ^[A-Za-z0-9_.:-]{3,128}$"#])
    }

    @Test func badIntBoolAndDurationAreAllReported() throws {
        #expect(try Self.problems(["token_id": "tok-123", "count": "3.5", "dry": "maybe", "grace": "soon"]) == [
            "input 'count' must be an integer",
            "input 'dry' must be true or false",
            "input 'grace' must be a duration like 30s, 5m or 24h",
        ])
    }

    @Test func secretInputNeverTakesOrEchoesTheSecretItself() throws {
        let plain = try Self.problems(["token_id": "tok-123", "api_key": "sk-live-4f9a"])
        #expect(plain == ["input 'api_key' must be a secret reference like secret:env:NAME or secret:file:PATH, never the secret itself"])
        let malformed = try Self.problems(["token_id": "tok-123", "api_key": "secret:sk-live-4f9a"])
        #expect(malformed.count == 1)
        #expect(malformed.allSatisfy { $0.contains("is not a valid secret reference") && !$0.contains("sk-live-4f9a") })
    }
}
