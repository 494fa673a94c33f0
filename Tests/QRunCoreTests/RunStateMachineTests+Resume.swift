import Testing
@testable import QRunCore

@Suite("RunStateMachine: resuming from stored states")
struct RunStateMachineResumeTests {
    typealias State = RunStateMachine.StepState

    @Test("begin restarts only the steps that were running, with the next attempt")
    func restartsInterruptedStepsOnly() {
        // Given a run that crashed with a and b done, r in flight (attempt 2), w waiting for a retry,
        // gate waiting for approval, and d needing r, w and gate
        let plan = RunPlan(nodes: [
            .action("a"), .action("b"), .action("r", needs: ["a"], attempts: 3), .action("w", attempts: 3),
            .approval("gate"), .action("d", needs: ["r", "w", "gate"]),
        ], maxParallel: 10)
        let stored: [String: State] = [
            "a": State(status: .succeeded, attempt: 1), "b": State(status: .succeeded, attempt: 1),
            "r": State(status: .running, attempt: 2, failures: 1), "w": State(status: .retryWait, attempt: 1, failures: 1),
            "gate": State(status: .waitingApproval, attempt: 1),
        ]
        var m = RunStateMachine(plan: plan, steps: stored, status: .running)

        // When it begins again
        let commands = m.handle(.begin)

        // Then only r starts again, as attempt 3; nothing else is touched
        #expect(commands == [.start(step: "r", attempt: 3)])
        #expect(m.steps == [
            "a": State(status: .succeeded, attempt: 1), "b": State(status: .succeeded, attempt: 1),
            "r": State(status: .running, attempt: 3, failures: 1), "w": State(status: .retryWait, attempt: 1, failures: 1),
            "gate": State(status: .waitingApproval, attempt: 1), "d": State(),
        ])

        // And the rest of the run carries on from where it was
        #expect(m.handle(.retryDue(step: "w")) == [.start(step: "w", attempt: 2)])
        #expect(m.handle(.succeeded(step: "r")) == [])
        #expect(m.handle(.succeeded(step: "w")) == [.runStatus(.waiting)])
        #expect(m.handle(.approval(step: "gate", approved: true)) == [.start(step: "d", attempt: 1), .runStatus(.running)])
        #expect(m.handle(.succeeded(step: "d")) == [.runStatus(.succeeded)])
    }

    @Test("a second begin is ignored: running steps are not started twice")
    func beginTwice() {
        var m = RunStateMachine(testing: [.action("a"), .action("b", needs: ["a"])])
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .runStatus(.running)])
        #expect(m.handle(.begin) == [])
        #expect(m.state(of: "a") == State(status: .running, attempt: 1))
    }

    @Test("begin starts a stored pending step whose needs are already met")
    func pendingReadyStarts() {
        let plan = RunPlan(nodes: [.action("a"), .action("c", needs: ["a"])], maxParallel: 4)
        var m = RunStateMachine(plan: plan, steps: ["a": State(status: .succeeded, attempt: 1)], status: .running)
        #expect(m.handle(.begin) == [.start(step: "c", attempt: 1)])
    }

    @Test("begin cancels stored pending steps whose needs failed")
    func pendingBlockedCancelled() {
        let plan = RunPlan(nodes: [
            .action("a"), .action("b", needs: ["a"]), .action("c", needs: ["b"]), .action("x"), .cleanup("page"),
        ], maxParallel: 4)
        var m = RunStateMachine(plan: plan, steps: [
            "a": State(status: .failed, attempt: 1, failures: 1), "x": State(status: .running, attempt: 1),
        ], status: .running)
        #expect(m.handle(.begin) == [
            .cancelStep(step: "b", reason: CancelReason.failed("a")),
            .cancelStep(step: "c", reason: CancelReason.didNotRun("b")),
            .start(step: "x", attempt: 2),
        ])
        #expect(m.handle(.succeeded(step: "x")) == [.start(step: "page", attempt: 1)])
    }

    @Test("a stored waiting run resumes waiting")
    func resumeWaiting() {
        let plan = RunPlan(nodes: [.action("a"), .approval("gate", needs: ["a"]), .action("b", needs: ["gate"])], maxParallel: 4)
        var m = RunStateMachine(plan: plan, steps: [
            "a": State(status: .succeeded, attempt: 1), "gate": State(status: .waitingApproval, attempt: 1),
        ], status: .waiting)
        #expect(m.handle(.begin) == [])
        #expect(m.status == .waiting)
        #expect(m.handle(.approval(step: "gate", approved: true)) == [.start(step: "b", attempt: 1), .runStatus(.running)])
    }

    @Test("a run stored in its on_failure phase resumes there")
    func resumeInFailurePhase() {
        let plan = RunPlan(nodes: [.action("a"), .cleanup("page"), .cleanup("notify", needs: ["page"])], maxParallel: 4)
        var m = RunStateMachine(plan: plan, steps: [
            "a": State(status: .failed, attempt: 1, failures: 1), "page": State(status: .succeeded, attempt: 1),
            "notify": State(status: .running, attempt: 1),
        ], status: .running)
        #expect(m.inFailurePhase)
        #expect(m.handle(.begin) == [.start(step: "notify", attempt: 2)])
        #expect(m.handle(.succeeded(step: "notify")) == [.runStatus(.failed)])
    }

    @Test("a run stored after its main steps failed, before on_failure started, starts on_failure")
    func resumeBeforeFailurePhase() {
        let plan = RunPlan(nodes: [.action("a"), .action("b"), .cleanup("page")], maxParallel: 4)
        var m = RunStateMachine(plan: plan, steps: [
            "a": State(status: .failed, attempt: 1, failures: 1), "b": State(status: .succeeded, attempt: 1),
        ], status: .running)
        #expect(m.handle(.begin) == [.start(step: "page", attempt: 1)])
        #expect(m.inFailurePhase)
    }

    @Test("a stored cancel request is carried out on begin, without on_failure")
    func resumeCancelRequested() {
        // Given a crash after cancel: a was in flight, page had already been cancelled
        let plan = RunPlan(nodes: [.action("a"), .action("b", needs: ["a"]), .action("c"), .cleanup("page")], maxParallel: 4)
        var m = RunStateMachine(plan: plan, steps: [
            "a": State(status: .running, attempt: 1), "b": State(status: .cancelled),
            "c": State(status: .failed, attempt: 1, failures: 1), "page": State(status: .cancelled),
        ], status: .running, cancelRequested: true)
        #expect(!m.inFailurePhase)

        // Then nothing restarts: the interrupted step is cancelled and the run ends cancelled
        #expect(m.handle(.begin) == [.cancelStep(step: "a", reason: CancelReason.operatorCancel), .runStatus(.cancelled)])
        #expect(m.status(of: "a") == .cancelled)
        #expect(!m.inFailurePhase)
    }

    @Test("a stored terminal run ignores begin")
    func resumeTerminal() {
        let plan = RunPlan(nodes: [.action("a")], maxParallel: 4)
        var m = RunStateMachine(plan: plan, steps: ["a": State(status: .succeeded, attempt: 1)], status: .succeeded)
        #expect(m.handle(.begin) == [])
    }
}
