import Testing
@testable import QRunCore

@Suite("RunStateMachine: approvals and the waiting status")
struct RunStateMachineApprovalTests {
    @Test("approving releases the dependants; the run goes waiting and back to running")
    func approve() {
        // Given a → gate (approval) → b
        var m = RunStateMachine(testing: [.action("a"), .approval("gate", needs: ["a"]), .action("b", needs: ["gate"])])
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .runStatus(.running)])

        // When only the approval remains, the run waits
        #expect(m.handle(.succeeded(step: "a")) == [.awaitApproval(step: "gate"), .runStatus(.waiting)])
        #expect(m.status == .waiting)
        #expect(m.state(of: "gate") == .init(status: .waitingApproval, attempt: 1))

        // When approved, the dependant starts and the run runs again
        #expect(m.handle(.approval(step: "gate", approved: true)) == [.start(step: "b", attempt: 1), .runStatus(.running)])
        #expect(m.status(of: "gate") == .succeeded)
        #expect(m.handle(.succeeded(step: "b")) == [.runStatus(.succeeded)])
    }

    @Test("rejecting fails the step, cancels its dependants and triggers on_failure")
    func reject() {
        var m = RunStateMachine(testing: [
            .action("a"), .approval("gate", needs: ["a"]), .action("b", needs: ["gate"]), .cleanup("page"),
        ])
        _ = m.handle(.begin)
        #expect(m.handle(.succeeded(step: "a")) == [.awaitApproval(step: "gate"), .runStatus(.waiting)])

        #expect(m.handle(.approval(step: "gate", approved: false)) == [
            .cancelStep(step: "b", reason: CancelReason.failed("gate")),
            .start(step: "page", attempt: 1),
            .runStatus(.running),
        ])
        #expect(m.state(of: "gate") == .init(status: .failed, attempt: 1, failures: 1))
        #expect(m.inFailurePhase)
        #expect(m.handle(.succeeded(step: "page")) == [.runStatus(.failed)])
    }

    @Test("the run waits only when nothing but approvals remain")
    func waitingOnlyWhenOnlyApprovals() {
        // Given an approval beside an action that will be retried
        var m = RunStateMachine(testing: [.approval("gate"), .action("x", attempts: 2)])
        #expect(m.handle(.begin) == [.awaitApproval(step: "gate"), .start(step: "x", attempt: 1), .runStatus(.running)])
        // A retry wait is not an approval wait
        #expect(m.handle(.failed(step: "x", retryable: true)) == [.scheduleRetry(step: "x", afterAttempt: 1)])
        #expect(m.status == .running)
        #expect(m.handle(.retryDue(step: "x")) == [.start(step: "x", attempt: 2)])
        // Once x is done, only the approval is left
        #expect(m.handle(.succeeded(step: "x")) == [.runStatus(.waiting)])
        #expect(m.handle(.approval(step: "gate", approved: true)) == [.runStatus(.succeeded)])
    }

    @Test("an approval whose `if` is false is skipped and satisfies its dependants")
    func approvalSkipped() {
        // The executor checks an approval's `if` when told to await it, and reports conditionFalse
        var m = RunStateMachine(testing: [.approval("gate"), .action("b", needs: ["gate"])])
        #expect(m.handle(.begin) == [.awaitApproval(step: "gate"), .runStatus(.waiting)])
        #expect(m.handle(.conditionFalse(step: "gate")) == [.start(step: "b", attempt: 1), .runStatus(.running)])
        #expect(m.status(of: "gate") == .skipped)
        #expect(m.handle(.succeeded(step: "b")) == [.runStatus(.succeeded)])
    }

    @Test("approval events for steps that do not wait for one are ignored")
    func approvalIgnored() {
        var m = RunStateMachine(testing: [.action("a"), .approval("gate", needs: ["a"])])
        _ = m.handle(.begin)
        let before = m.steps
        #expect(m.handle(.approval(step: "a", approved: true)) == [])     // running action
        #expect(m.handle(.approval(step: "gate", approved: true)) == [])  // not yet waiting
        #expect(m.handle(.approval(step: "nope", approved: false)) == []) // unknown
        #expect(m.steps == before)

        _ = m.handle(.succeeded(step: "a"))
        #expect(m.handle(.approval(step: "gate", approved: true)) == [.runStatus(.succeeded)])
        #expect(m.handle(.approval(step: "gate", approved: false)) == [])
        #expect(m.status(of: "gate") == .succeeded)
    }
}
