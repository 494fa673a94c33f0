import Foundation
import Testing

@testable import QRunCore

/// What is refused before the runbook model is built: YAML errors, hostile YAML and unreadable files.
@Suite("Runbook validation: YAML and files")
struct RunbookValidationYAMLTests {
    typealias H = RunbookValidationHarness

    // MARK: Parser errors

    @Test func badIndentationIsReportedWhereTheParserStopped() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
               with: {}
            """, line: 6, column: 4, "invalid YAML: did not find expected '-' indicator",
            "while parsing a block collection that starts at line 4, column 3")
    }

    @Test func tabIndentationGetsAHint() {
        H.expectIssue("runbook: x\nversion: 1\nsteps:\n\t- id: a\n", line: 4, column: 1,
                      "invalid YAML", "YAML does not allow tabs for indentation, use spaces")
    }

    @Test func unclosedFlowSequence() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                needs: [b, c
            """, line: 7, column: 1, "invalid YAML", "while parsing a flow sequence that starts at line 6, column 12")
    }

    @Test func duplicateKeyIsReportedAtItsSecondOccurrence() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                id: b
            """, line: 6, column: 5, "duplicate key 'id' in the same map (first at line 4)")
    }

    @Test func duplicateKeyInAFlowMap() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - { id: a, uses: core.noop, id: b }
            """, line: 4, column: 31, "duplicate key 'id' in the same map")
    }

    @Test func duplicateTopLevelKey() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
            version: 2
            """, line: 6, column: 1, "duplicate key 'version' in the same map (first at line 2)")
    }

    @Test func topLevelList() {
        H.expectIssue("- id: a\n  uses: core.noop\n", line: 1, column: 1,
                      "a runbook is a map with keys runbook, version, steps", "found a list")
    }

    @Test func controlCharacterIsPinpointed() {
        H.expectIssue("runbook: x\nversion: 1\u{01}\nsteps: []\n", line: 2, column: 11,
                      "cannot read YAML: control characters are not allowed")
    }

    @Test func emptyFile() {
        H.expectIssue("# nothing here\n", line: 1, column: 1, "runbook is empty")
    }

    // MARK: Hostile YAML

    /// Nine levels of nine aliases: 387,420,489 nodes once expanded.
    static func billionLaughs(levels: Int = 9) -> String {
        var text = "runbook: x\nversion: 1\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for i in 1..<levels {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        return text
    }

    @Test func aliasBombIsRefused() {
        let text = Self.billionLaughs() + "steps: *a8\n"
        let issues = H.issues(text)
        #expect(issues.count == 1)
        #expect(issues.first?.message.contains("alias") == true, "\(issues)")
    }

    @Test func aliasBombUsedAsAKeyIsRefusedBeforeParsing() {
        H.expectIssue(Self.billionLaughs() + "*a8 : boom\nsteps: []\n", line: 12, column: 1,
                      "an alias (*name) cannot be used as a map key")
        H.expectIssue(Self.billionLaughs() + "? *a8\n: boom\nsteps: []\n", line: 12, column: 1,
                      "explicit '?' map keys are not supported")
        H.expectIssue(Self.billionLaughs() + "{ *a8 : boom }: x\nsteps: []\n", line: 12, column: 3,
                      "an alias (*name) cannot be used as a map key")
        H.expectIssue(Self.billionLaughs() + "steps: [ { [*a8]: boom } ]\n", line: 12, column: 16,
                      "a map key must be a plain string, not a list or a map")
    }

    @Test func aliasesInValuesStillWork() throws {
        let runbook = try H.load("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                retry: &standard { max_attempts: 4, initial: 2s }
              - id: b
                uses: core.noop
                retry: *standard
            """).get()
        #expect(runbook.steps.map(\.retry.maxAttempts) == [4, 4])
    }

    @Test func quotedTextThatLooksLikeKeysIsNotRefused() throws {
        let runbook = try H.load("""
            runbook: x
            version: 1
            description: "don't [ { ? *a : 1"
            steps:
              - id: a
                uses: core.noop
                with:
                  message: |
                    ? *a : 1
                    'unclosed [ {
            """).get()
        #expect(runbook.steps.count == 1)
    }

    @Test func quoteInsideAPlainScalarDoesNotHideAKeyBomb() {
        let text = Self.billionLaughs() + "description: don 't\n? *a8\n: boom\nsteps: []\n"
        H.expectIssue(text, line: 13, column: 1, "explicit '?' map keys are not supported")
    }

    @Test func quoteOnTheContinuationLineOfAPlainScalarDoesNotHideAKeyBomb() {
        let text = Self.billionLaughs() + "description: first line\n  'second line\n? *a8\n: boom\nsteps: []\n"
        H.expectIssue(text, line: 14, column: 1, "explicit '?' map keys are not supported")
        let nested = Self.billionLaughs() + "steps:\n  - description: first line\n      'second line\n    ? *a8\n    : boom\n"
        H.expectIssue(nested, line: 15, column: 5, "explicit '?' map keys are not supported")
    }

    @Test func documentMarkerDoesNotConfuseTheScan() {
        H.expectIssue(Self.billionLaughs().replacingOccurrences(of: "runbook: x\n", with: "--- \nrunbook: x\n") + "*a8 : boom\n",
                      line: 13, column: 1, "an alias (*name) cannot be used as a map key")
    }

    @Test func multiLinePlainTextWithQuotesLoads() throws {
        let runbook = try H.load("""
            runbook: x
            version: 1
            description: it's the runbook
              'for' "leaks" [see docs] {really}
            steps:
              - id: a
                uses: core.noop
                with:
                  message: don't
                    panic 'ok
            """).get()
        #expect(runbook.description == "it's the runbook 'for' \"leaks\" [see docs] {really}")
        #expect(runbook.steps.first?.with["message"]?.staticValue == .string("don't panic 'ok"))
    }

    @Test func blockNestingDeeperThan64() {
        var text = ""
        for depth in 0..<70 { text += String(repeating: "  ", count: depth) + "k\(depth):\n" }
        text += String(repeating: "  ", count: 70) + "leaf: 1\n"
        // The 64th map starts on line 64; its key is the first node past the limit.
        H.expectIssue(text, line: 64, column: 127, "YAML nesting is deeper than 64 levels")
    }

    @Test func flowNestingDeeperThan64() {
        let text = "x: " + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "\n"
        H.expectIssue(text, line: 1, column: 67, "YAML nesting is deeper than 64 levels")
    }

    @Test func megabyteOfOpeningBracketsIsRefusedWithoutParsing() {
        let text = String(repeating: "[", count: 1 << 20)
        let issues = H.issues(text)
        #expect(issues.count == 1)
        #expect(issues.first?.message.contains("YAML nesting is deeper than 64 levels") == true)
    }

    @Test func deepFlowNestingHiddenBehindAQuoteInAPlainScalar() {
        let text = "runbook: x\nversion: 1\nsteps: [a'b, " + String(repeating: "[", count: 300_000) + "\n"
        let issues = H.issues(text)
        #expect(issues.count == 1)
        #expect(issues.first?.message.contains("YAML nesting is deeper than 64 levels") == true, "\(issues)")
    }

    @Test func textOverOneMebibyte() {
        let text = "runbook: x\n" + String(repeating: "#", count: 1 << 20)
        H.expectIssue(text, line: 1, column: 1, "runbook is 1048587 bytes; the limit is 1 MiB")
    }

    // MARK: Files

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qrun-validation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func loadFile(_ path: String) -> [RunbookIssue] {
        do {
            _ = try RunbookLoader(catalog: H.catalog).load(path: path)
            return []
        } catch {
            return error.issues
        }
    }

    @Test func validFileLoads() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ok.yaml").path
        try Data("runbook: ok\nversion: 1\nsteps:\n  - id: a\n    uses: core.noop\n".utf8).write(to: URL(fileURLWithPath: path))
        let runbook = try RunbookLoader(catalog: H.catalog).load(path: path)
        #expect(runbook.name == "ok")
        #expect(runbook.source.path == path)
    }

    @Test func nonUTF8BytesArePinpointed() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.yaml").path
        try Data("runbook: x\nversion: caf".utf8 + [0xE9, 0x0A]).write(to: URL(fileURLWithPath: path))
        H.expect(Self.loadFile(path), file: path, line: 2, column: 13, ["runbook is not valid UTF-8 text", "byte 23", "save it as UTF-8"])
    }

    @Test func fileOverOneMebibyte() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.yaml").path
        try Data(repeating: UInt8(ascii: "#"), count: (1 << 20) + 1).write(to: URL(fileURLWithPath: path))
        H.expect(Self.loadFile(path), file: path, line: 1, column: 1, ["runbook is 1048577 bytes; the limit is 1 MiB"])
    }

    @Test func megabyteFileOfOpeningBrackets() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.yaml").path
        try Data(repeating: UInt8(ascii: "["), count: 1 << 20).write(to: URL(fileURLWithPath: path))
        let issues = Self.loadFile(path)
        #expect(issues.count == 1)
        #expect(issues.first?.message.contains("YAML nesting is deeper than 64 levels") == true)
    }

    @Test func directoryPath() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        H.expect(Self.loadFile(dir.path), file: dir.path, line: 1, column: 1, ["this is a directory, not a runbook file"])
    }

    @Test func missingFile() throws {
        let path = "/nonexistent-\(UUID().uuidString)/x.yaml"
        H.expect(Self.loadFile(path), file: path, line: 1, column: 1, ["no runbook file at this path"])
    }
}
