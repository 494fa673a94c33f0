import Testing
@testable import QRunCore

@Suite("RunStateMachine: drills and the end of a run")
struct RunStateMachineDrillTests {
    typealias State = RunStateMachine.StepState

    /// a → b → c, an independent d, and an on_failure step; a drill when `drill`.
    static func plan(drill: Bool = true) -> RunPlan {
        RunPlan(nodes: [.action("a", attempts: 3), .action("b", needs: ["a"]), .action("c", needs: ["b"]), .action("d"), .cleanup("page")],
                maxParallel: 10, isDrill: drill)
    }

    static let notEntered = "not run: a drill with steps not ready does not enter on_failure"

    @Test("a failed plan in a drill is not ready: dependants are still planned, no retry, no on_failure, the drill fails")
    func failedPlanKeepsPlanning() {
        var m = RunStateMachine(plan: Self.plan())
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .start(step: "d", attempt: 1), .runStatus(.running)])

        // When a's plan fails (even retryably), b is planned at once
        #expect(m.handle(.failed(step: "a", retryable: true)) == [.start(step: "b", attempt: 1)])
        #expect(m.handle(.succeeded(step: "d")) == [])
        #expect(m.handle(.succeeded(step: "b")) == [.start(step: "c", attempt: 1)])

        // Then the drill ends failed without entering on_failure, which is settled as skipped
        #expect(m.handle(.succeeded(step: "c")) == [.skipStep(step: "page", reason: Self.notEntered), .runStatus(.failed)])
        #expect(!m.inFailurePhase)
        #expect(m.notReadyCount == 1)
        #expect(m.steps == [
            "a": State(status: .failed, attempt: 1, failures: 1), "b": State(status: .succeeded, attempt: 1),
            "c": State(status: .succeeded, attempt: 1), "d": State(status: .succeeded, attempt: 1), "page": State(status: .skipped),
        ])
    }

    @Test("a drill rebuilt mid-way from stored states goes on exactly like the uninterrupted one")
    func rebuiltDrillMatches() {
        // Given the drill of the test above, interrupted after a's plan failed and b's plan began
        var first = RunStateMachine(plan: Self.plan())
        _ = first.handle(.begin)
        _ = first.handle(.failed(step: "a", retryable: false))
        var m = RunStateMachine(plan: Self.plan(), steps: first.steps, status: first.status)

        // When it begins again, b is planned again (not cancelled) and nothing enters on_failure
        #expect(m.handle(.begin) == [.start(step: "b", attempt: 2), .start(step: "d", attempt: 2)])
        #expect(m.notReadyCount == 1)
        #expect(m.handle(.succeeded(step: "b")) == [.start(step: "c", attempt: 1)])
        #expect(m.handle(.succeeded(step: "d")) == [])
        #expect(m.handle(.succeeded(step: "c")) == [.skipStep(step: "page", reason: Self.notEntered), .runStatus(.failed)])
        #expect(!m.inFailurePhase)
        #expect(m.steps.mapValues(\.status) == ["a": .failed, "b": .succeeded, "c": .succeeded, "d": .succeeded, "page": .skipped])
    }

    @Test("a stored failed plan with its dependant still pending: the dependant is planned on begin")
    func storedNotReadyReleasesDependants() {
        let stored: [String: State] = ["a": State(status: .failed, attempt: 1, failures: 1), "d": State(status: .succeeded, attempt: 1)]
        var drill = RunStateMachine(plan: Self.plan(), steps: stored, status: .running)
        #expect(drill.handle(.begin) == [.start(step: "b", attempt: 1)])

        // The same states in a real run cancel the dependants instead, and on_failure begins
        var real = RunStateMachine(plan: Self.plan(drill: false), steps: stored, status: .running)
        #expect(real.handle(.begin) == [
            .cancelStep(step: "b", reason: CancelReason.failed("a")), .cancelStep(step: "c", reason: CancelReason.didNotRun("b")),
            .start(step: "page", attempt: 1),
        ])
    }

    @Test("a drill whose plans all work succeeds and skips on_failure")
    func readyDrillSucceeds() {
        var m = RunStateMachine(plan: Self.plan())
        _ = m.handle(.begin)
        _ = m.handle(.succeeded(step: "a"))
        _ = m.handle(.succeeded(step: "b"))
        _ = m.handle(.succeeded(step: "d"))
        #expect(m.handle(.succeeded(step: "c")) == [
            .skipStep(step: "page", reason: "not needed: the run did not fail"), .runStatus(.succeeded),
        ])
        #expect(m.notReadyCount == 0)
    }

    @Test("a drill cancelled by an operator ends cancelled, not failed")
    func cancelledDrill() {
        var m = RunStateMachine(plan: Self.plan())
        _ = m.handle(.begin)
        _ = m.handle(.failed(step: "a", retryable: false))
        #expect(m.handle(.cancel) == [
            .interrupt(step: "b"), .cancelStep(step: "c", reason: CancelReason.operatorCancel),
            .interrupt(step: "d"), .cancelStep(step: "page", reason: CancelReason.operatorCancel),
        ])
        _ = m.handle(.failed(step: "b", retryable: true))
        #expect(m.handle(.failed(step: "d", retryable: true)) == [.runStatus(.cancelled)])
    }
}
