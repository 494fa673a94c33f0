import Testing
@testable import QRunCore

@Suite("RunStateMachine: operator cancel")
struct RunStateMachineCancelTests {
    @Test("cancel stops pending, approval-waiting and retry-waiting steps, interrupts running ones, and skips on_failure")
    func cancelEverything() {
        // Given r1, r2 running; p pending behind r1; gate waiting approval; t waiting for a retry; page on_failure
        var m = RunStateMachine(testing: [
            .action("r1"), .action("r2"), .action("p", needs: ["r1"]), .approval("gate"), .action("t", attempts: 3),
            .cleanup("page"),
        ])
        #expect(m.handle(.begin) == [
            .awaitApproval(step: "gate"), .start(step: "r1", attempt: 1), .start(step: "r2", attempt: 1),
            .start(step: "t", attempt: 1), .runStatus(.running),
        ])
        #expect(m.handle(.failed(step: "t", retryable: true)) == [.scheduleRetry(step: "t", afterAttempt: 1)])

        // When an operator cancels
        let commands = m.handle(.cancel)

        // Then, in plan order
        #expect(commands == [
            .interrupt(step: "r1"),
            .interrupt(step: "r2"),
            .cancelStep(step: "p", reason: CancelReason.operatorCancel),
            .cancelStep(step: "gate", reason: CancelReason.operatorCancel),
            .cancelStep(step: "t", reason: CancelReason.operatorCancel),
            .cancelStep(step: "page", reason: CancelReason.operatorCancel),
        ])
        #expect(m.cancelRequested)
        #expect(m.status == .running) // interrupted actions have not reported yet
        #expect(m.handle(.cancel) == [])

        // When the interrupted actions report: a failure becomes cancelled, even a retryable one
        #expect(m.handle(.failed(step: "r1", retryable: true)) == [])
        #expect(m.status(of: "r1") == .cancelled)
        // a success that raced the interrupt stands, and the run ends cancelled
        #expect(m.handle(.succeeded(step: "r2")) == [.runStatus(.cancelled)])

        // Then
        #expect(m.status == .cancelled)
        #expect(!m.inFailurePhase)
        #expect(m.steps.mapValues(\.status) == [
            "r1": .cancelled, "r2": .succeeded, "p": .cancelled, "gate": .cancelled, "t": .cancelled, "page": .cancelled,
        ])
        #expect(m.handle(.retryDue(step: "t")) == [])
    }

    @Test("cancel with nothing running ends the run at once")
    func cancelIdle() {
        var m = RunStateMachine(testing: [.approval("gate"), .action("b", needs: ["gate"])])
        #expect(m.handle(.begin) == [.awaitApproval(step: "gate"), .runStatus(.waiting)])
        #expect(m.handle(.cancel) == [
            .cancelStep(step: "gate", reason: CancelReason.operatorCancel),
            .cancelStep(step: "b", reason: CancelReason.operatorCancel),
            .runStatus(.cancelled),
        ])
    }

    @Test("cancel after a main failure ends the run cancelled without on_failure")
    func cancelAfterFailure() {
        var m = RunStateMachine(testing: [.action("a"), .action("b"), .cleanup("page")])
        _ = m.handle(.begin)
        _ = m.handle(.failed(step: "a", retryable: false))
        #expect(m.handle(.cancel) == [.interrupt(step: "b"), .cancelStep(step: "page", reason: CancelReason.operatorCancel)])
        #expect(m.handle(.failed(step: "b", retryable: false)) == [.runStatus(.cancelled)])
        #expect(m.status(of: "a") == .failed)
        #expect(m.status(of: "b") == .cancelled)
        #expect(!m.inFailurePhase)
    }

    @Test("cancel during the on_failure phase stops it")
    func cancelDuringFailurePhase() {
        var m = RunStateMachine(testing: [.action("a"), .cleanup("p"), .cleanup("q", needs: ["p"])])
        _ = m.handle(.begin)
        _ = m.handle(.failed(step: "a", retryable: false))
        #expect(m.handle(.cancel) == [.interrupt(step: "p"), .cancelStep(step: "q", reason: CancelReason.operatorCancel)])
        #expect(m.handle(.succeeded(step: "p")) == [.runStatus(.cancelled)])
    }

    @Test("a step released by a success after cancel does not start")
    func nothingStartsAfterCancel() {
        var m = RunStateMachine(testing: [.action("a"), .action("b", needs: ["a"])])
        _ = m.handle(.begin)
        #expect(m.handle(.cancel) == [.interrupt(step: "a"), .cancelStep(step: "b", reason: CancelReason.operatorCancel)])
        #expect(m.handle(.conditionFalse(step: "a")) == [.runStatus(.cancelled)])
    }

    @Test("cancel before begin cancels every step")
    func cancelBeforeBegin() {
        var m = RunStateMachine(testing: [.action("a"), .action("b")])
        #expect(m.handle(.cancel) == [
            .cancelStep(step: "a", reason: CancelReason.operatorCancel),
            .cancelStep(step: "b", reason: CancelReason.operatorCancel),
            .runStatus(.cancelled),
        ])
        #expect(m.handle(.begin) == [])
    }
}
