import Testing
@testable import QRunCore

@Suite("RunStateMachine: on_failure phase")
struct RunStateMachineFailurePhaseTests {
    /// Main: a, b (independent). on_failure: page, then notify after page.
    static let nodes: [RunPlan.Node] = [
        .action("a"), .action("b"), .cleanup("page"), .cleanup("notify", needs: ["page"]),
    ]

    @Test("on_failure starts only after every main step has ended, then the run fails")
    func startsAfterMainEnds() {
        var m = RunStateMachine(testing: Self.nodes)
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .start(step: "b", attempt: 1), .runStatus(.running)])

        // When a fails while b still runs
        #expect(m.handle(.failed(step: "a", retryable: false)) == [])
        // Then nothing of on_failure has started
        #expect(!m.inFailurePhase)
        #expect(m.status(of: "page") == .pending)

        // When b ends, on_failure begins, its own needs respected
        #expect(m.handle(.succeeded(step: "b")) == [.start(step: "page", attempt: 1)])
        #expect(m.inFailurePhase)
        #expect(m.status == .running)
        #expect(m.handle(.succeeded(step: "page")) == [.start(step: "notify", attempt: 1)])
        #expect(m.handle(.succeeded(step: "notify")) == [.runStatus(.failed)])
        #expect(m.status == .failed)
    }

    @Test("a successful run never runs on_failure: its steps are settled as skipped")
    func successSkipsOnFailure() {
        var m = RunStateMachine(testing: Self.nodes)
        _ = m.handle(.begin)
        #expect(m.handle(.succeeded(step: "a")) == [])
        #expect(m.handle(.succeeded(step: "b")) == [
            .skipStep(step: "page", reason: "not needed: the run did not fail"),
            .skipStep(step: "notify", reason: "not needed: the run did not fail"), .runStatus(.succeeded),
        ])
        #expect(!m.inFailurePhase)
        #expect(m.status(of: "page") == .skipped)
        #expect(m.status(of: "notify") == .skipped)
    }

    @Test("a failure whose dependants are cancelled starts on_failure in the same step")
    func cascadeThenOnFailure() {
        var m = RunStateMachine(testing: [.action("a"), .action("b", needs: ["a"]), .cleanup("page")])
        _ = m.handle(.begin)
        #expect(m.handle(.failed(step: "a", retryable: false)) == [
            .cancelStep(step: "b", reason: CancelReason.failed("a")),
            .start(step: "page", attempt: 1),
        ])
        #expect(m.handle(.succeeded(step: "page")) == [.runStatus(.failed)])
    }

    @Test("a failing on_failure step cancels its dependants; the run still ends failed")
    func onFailureStepFails() {
        var m = RunStateMachine(testing: Self.nodes)
        _ = m.handle(.begin)
        _ = m.handle(.failed(step: "a", retryable: false))
        _ = m.handle(.failed(step: "b", retryable: false))
        #expect(m.status(of: "page") == .running)
        #expect(m.handle(.failed(step: "page", retryable: false)) == [
            .cancelStep(step: "notify", reason: CancelReason.failed("page")),
            .runStatus(.failed),
        ])
    }

    @Test("on_failure steps respect maxParallel and may be skipped")
    func onFailureParallelism() {
        var m = RunStateMachine(testing: [.action("a"), .cleanup("p1"), .cleanup("p2"), .cleanup("p3", needs: ["p1"])],
                                maxParallel: 1)
        _ = m.handle(.begin)
        #expect(m.handle(.failed(step: "a", retryable: false)) == [.start(step: "p1", attempt: 1)])
        #expect(m.handle(.conditionFalse(step: "p1")) == [.start(step: "p2", attempt: 1)])
        #expect(m.handle(.succeeded(step: "p2")) == [.start(step: "p3", attempt: 1)])
        #expect(m.handle(.succeeded(step: "p3")) == [.runStatus(.failed)])
    }

    @Test("an on_failure approval waits for an operator")
    func onFailureApproval() {
        var m = RunStateMachine(testing: [.action("a"),
                                          RunPlan.Node(id: "ok", phase: .onFailure, needs: [], isApproval: true),
                                          .cleanup("rollback", needs: ["ok"])])
        _ = m.handle(.begin)
        #expect(m.handle(.failed(step: "a", retryable: false)) == [.awaitApproval(step: "ok"), .runStatus(.waiting)])
        #expect(m.handle(.approval(step: "ok", approved: true)) == [.start(step: "rollback", attempt: 1), .runStatus(.running)])
        #expect(m.handle(.succeeded(step: "rollback")) == [.runStatus(.failed)])
    }
}
