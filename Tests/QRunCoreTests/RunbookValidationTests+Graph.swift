import Testing

@testable import QRunCore

/// Step ids, `needs` and cycles.
@Suite("Runbook validation: step graph")
struct RunbookValidationGraphTests {
    typealias H = RunbookValidationHarness

    @Test func duplicateStepID() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: revoke
                uses: core.noop
              - id: revoke
                uses: core.noop
            """, line: 6, column: 9, "duplicate step id 'revoke' (first defined at line 4)")
    }

    @Test func onFailureStepDuplicatingAMainStep() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: notify
                uses: core.noop
            on_failure:
              - id: notify
                uses: core.noop
            """, line: 7, column: 9, "duplicate step id 'notify' (first defined at line 4)")
    }

    @Test func needsUnknownStepSuggestsTheClosestOne() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: revoke
                uses: core.noop
              - id: rotate
                uses: core.noop
                needs: [snapshot, revok]
              - id: snapshot
                uses: core.noop
            """, line: 8, column: 23, "step 'rotate' needs unknown step 'revok'", "did you mean 'revoke'?")
    }

    @Test func needsWrittenAsOneScalarAndNoSuggestionOfTheStepItself() {
        let issues = H.issues("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                needs: b
            """)
        H.expect(issues, line: 6, column: 12, ["step 'a' needs unknown step 'b'"])
        #expect(issues.allSatisfy { !$0.message.contains("did you mean") })
    }

    @Test func stepNeedingItselfIsOneIssue() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                needs: [a]
            """, line: 6, column: 13, "step 'a' needs itself")
    }

    @Test func needsListedTwice() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
              - id: b
                uses: core.noop
                needs: [a, a]
            """, line: 8, column: 16, "step 'b' lists 'a' twice in needs")
    }

    @Test func mainStepNeedingAnOnFailureStep() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: revoke
                uses: core.noop
                needs: [page]
            on_failure:
              - id: page
                uses: core.noop
            """, line: 6, column: 13, "step 'revoke' needs 'page', which is an on_failure step", "main steps cannot wait for on_failure steps")
    }

    @Test func onFailureStepNeedingAMainStep() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: revoke
                uses: core.noop
            on_failure:
              - id: page
                uses: core.noop
                needs: [revoke]
            """, line: 9, column: 13, "step 'page' needs 'revoke', which is a main step",
            "on_failure steps run after the main steps", "needs lists only on_failure steps")
    }

    @Test func cycleOfTwo() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: start
                uses: core.noop
              - id: a
                uses: core.noop
                needs: [start, b]
              - id: b
                uses: core.noop
                needs: [a]
            """, line: 6, column: 9, "steps 'a', 'b' form a dependency cycle (a needs b needs a)")
    }

    @Test func cycleOfThree() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: a
                uses: core.noop
                needs: [c]
              - id: b
                uses: core.noop
                needs: [a]
              - id: c
                uses: core.noop
                needs: [b]
              - id: after
                uses: core.noop
                needs: [a]
            """, line: 4, column: 9, "dependency cycle (a needs c needs b needs a)", "remove one of these needs")
    }

    @Test func cycleAmongOnFailureSteps() {
        H.expectIssue("""
            runbook: x
            version: 1
            steps:
              - id: main
                uses: core.noop
            on_failure:
              - id: page
                uses: core.noop
                needs: [log]
              - id: log
                uses: core.noop
                needs: [page]
            """, line: 7, column: 9, "dependency cycle (page needs log needs page)")
    }

    /// A long chain must not be walked by recursion: 5,000 frames can overflow a test thread's stack.
    @Test func longChainEndingInACycleIsFound() {
        var text = "runbook: x\nversion: 1\nsteps:\n"
        let count = 5_000
        for i in 0..<count {
            let dep = i == 0 ? count - 1 : i - 1
            text += "  - { id: s\(i), uses: core.noop, needs: [s\(dep)] }\n"
        }
        let issues = H.issues(text)
        #expect(issues.count == 1)
        #expect(issues.first?.location.line == 4)
        #expect(issues.first?.message.contains("dependency cycle (s0 needs s4999 needs s4998") == true)
    }

    @Test func longChainLoads() throws {
        var text = "runbook: x\nversion: 1\nsteps:\n  - { id: s0, uses: core.noop }\n"
        for i in 1..<5_000 {
            text += "  - { id: s\(i), uses: core.noop, needs: [s\(i - 1)], with: { message: \"${{ steps.s\(i - 1).outputs.x }}\" } }\n"
        }
        let runbook = try H.load(text).get()
        #expect(runbook.steps.count == 5_000)
        #expect(runbook.steps.last?.needs == ["s4998"])
    }
}

/// Large runbooks: what the engine's benchmarks run must validate, and garbage must not flood.
@Suite("Runbook validation: size")
struct RunbookValidationSizeTests {
    typealias H = RunbookValidationHarness

    @Test func tenThousandStepFanOutWithParametersLoads() throws {
        var text = "runbook: x\nversion: 1\nsteps:\n  - { id: start, uses: core.noop }\n"
        for i in 0..<10_000 {
            text += "  - { id: s\(i), uses: core.noop, needs: [start], with: { message: \"step \(i) of ${{ run.id }}\" } }\n"
        }
        let runbook = try H.load(text).get()
        #expect(runbook.steps.count == 10_001)
    }

    @Test func thousandsOfBadStepsAreCappedToAHundredIssues() {
        let text = "runbook: x\nversion: 1\nsteps: [" + Array(repeating: "1", count: 5_000).joined(separator: ", ") + "]\n"
        let issues = H.issues(text)
        #expect(issues.count == 101)
        #expect(issues.prefix(100).allSatisfy { $0.message == "a step must be a map with id and uses" })
        #expect(issues.last?.message == "4900 more issues after this one are not shown; fix these first")
        #expect(issues.last?.location == issues[99].location)
    }
}
