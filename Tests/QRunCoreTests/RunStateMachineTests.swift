import Testing
@testable import QRunCore

// Fixtures shared by the RunStateMachine suites (RunStateMachineTests+*.swift).

extension RunPlan.Node {
    /// A main-phase action step.
    static func action(_ id: String, needs: [String] = [], attempts: Int = 1) -> RunPlan.Node {
        RunPlan.Node(id: id, phase: .main, needs: needs, isApproval: false, retry: RetryPolicy(maxAttempts: attempts))
    }

    /// A main-phase `core.approval` step.
    static func approval(_ id: String, needs: [String] = []) -> RunPlan.Node {
        RunPlan.Node(id: id, phase: .main, needs: needs, isApproval: true)
    }

    /// An `on_failure` action step.
    static func cleanup(_ id: String, needs: [String] = [], attempts: Int = 1) -> RunPlan.Node {
        RunPlan.Node(id: id, phase: .onFailure, needs: needs, isApproval: false, retry: RetryPolicy(maxAttempts: attempts))
    }
}

extension RunStateMachine {
    /// A fresh machine for the given steps.
    init(testing nodes: [RunPlan.Node], maxParallel: Int = 10) {
        self.init(plan: RunPlan(nodes: nodes, maxParallel: maxParallel))
    }

    /// The status of one step (nil for an unknown id).
    func status(of id: String) -> StepStatus? { state(of: id)?.status }
}

/// Reasons the machine gives when it cancels a step.
enum CancelReason {
    static let operatorCancel = "run cancelled by an operator"
    static func failed(_ blocker: String) -> String { "step '\(blocker)' it needs failed" }
    static func didNotRun(_ blocker: String) -> String { "step '\(blocker)' it needs did not run" }
}

@Suite("RunStateMachine: ordering and readiness")
struct RunStateMachineTests {
    @Test("a linear chain runs one step at a time, in order")
    func linearChain() {
        // Given a → b → c
        var m = RunStateMachine(testing: [.action("a"), .action("b", needs: ["a"]), .action("c", needs: ["b"])])

        // When each step succeeds in turn, then the next one starts
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .runStatus(.running)])
        #expect(m.status(of: "b") == .pending)
        #expect(m.handle(.succeeded(step: "a")) == [.start(step: "b", attempt: 1)])
        #expect(m.handle(.succeeded(step: "b")) == [.start(step: "c", attempt: 1)])
        #expect(m.handle(.succeeded(step: "c")) == [.runStatus(.succeeded)])

        // Then
        #expect(m.status == .succeeded)
        #expect(m.steps == [
            "a": .init(status: .succeeded, attempt: 1), "b": .init(status: .succeeded, attempt: 1),
            "c": .init(status: .succeeded, attempt: 1),
        ])
    }

    @Test("a diamond's join starts only after both branches")
    func diamond() {
        // Given a → (b, c) → d
        var m = RunStateMachine(testing: [
            .action("a"), .action("b", needs: ["a"]), .action("c", needs: ["a"]), .action("d", needs: ["b", "c"]),
        ])
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .runStatus(.running)])
        #expect(m.handle(.succeeded(step: "a")) == [.start(step: "b", attempt: 1), .start(step: "c", attempt: 1)])

        // When only one branch is done, the join still waits
        #expect(m.handle(.succeeded(step: "c")) == [])
        #expect(m.status(of: "d") == .pending)

        // Then the other branch releases it
        #expect(m.handle(.succeeded(step: "b")) == [.start(step: "d", attempt: 1)])
        #expect(m.handle(.succeeded(step: "d")) == [.runStatus(.succeeded)])
    }

    @Test("steps with no needs start together; duplicate needs count once")
    func rootsAndDuplicateNeeds() {
        var m = RunStateMachine(testing: [.action("a"), .action("b"), .action("c", needs: ["a", "a", "b"])])
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .start(step: "b", attempt: 1), .runStatus(.running)])
        #expect(m.handle(.succeeded(step: "a")) == [])
        #expect(m.handle(.succeeded(step: "b")) == [.start(step: "c", attempt: 1)])
    }

    @Test("a fan-out is capped by maxParallel and refilled as steps finish")
    func fanOutCapped() {
        // Given five independent steps and room for two
        var m = RunStateMachine(testing: (1...5).map { .action("s\($0)") }, maxParallel: 2)

        #expect(m.handle(.begin) == [.start(step: "s1", attempt: 1), .start(step: "s2", attempt: 1), .runStatus(.running)])
        #expect(m.status(of: "s3") == .pending)
        // Each end frees exactly one slot, whatever the outcome
        #expect(m.handle(.succeeded(step: "s2")) == [.start(step: "s3", attempt: 1)])
        #expect(m.handle(.failed(step: "s1", retryable: false)) == [.start(step: "s4", attempt: 1)])
        #expect(m.handle(.conditionFalse(step: "s3")) == [.start(step: "s5", attempt: 1)])
        #expect(m.handle(.succeeded(step: "s4")) == [])
        #expect(m.handle(.succeeded(step: "s5")) == [.runStatus(.failed)])
    }

    @Test("approval waits do not take a parallel slot")
    func approvalsDoNotCount() {
        // Given an approval and two actions, with room for two actions
        var m = RunStateMachine(testing: [.approval("gate"), .action("x"), .action("y")], maxParallel: 2)
        // Then both actions start while the approval waits
        #expect(m.handle(.begin) == [.awaitApproval(step: "gate"), .start(step: "x", attempt: 1), .start(step: "y", attempt: 1),
                                     .runStatus(.running)])
    }

    @Test("an approval is not held back behind actions waiting for a slot")
    func approvalNotQueuedBehindActions() {
        // Given room for one action, two actions, then an approval
        var m = RunStateMachine(testing: [.action("x"), .action("y"), .approval("gate")], maxParallel: 1)
        // Then the approval is asked for at once; only y waits for the slot
        #expect(m.handle(.begin) == [.awaitApproval(step: "gate"), .start(step: "x", attempt: 1), .runStatus(.running)])
        #expect(m.status(of: "y") == .pending)
        #expect(m.handle(.approval(step: "gate", approved: true)) == [])
        #expect(m.handle(.succeeded(step: "x")) == [.start(step: "y", attempt: 1)])
        #expect(m.handle(.succeeded(step: "y")) == [.runStatus(.succeeded)])
    }

    @Test("a skipped step satisfies the needs of its dependants")
    func skippedSatisfiesNeeds() {
        var m = RunStateMachine(testing: [.action("a"), .action("b", needs: ["a"]), .action("c", needs: ["b"])])
        _ = m.handle(.begin)
        #expect(m.handle(.conditionFalse(step: "a")) == [.start(step: "b", attempt: 1)])
        #expect(m.handle(.conditionFalse(step: "b")) == [.start(step: "c", attempt: 1)])
        #expect(m.handle(.succeeded(step: "c")) == [.runStatus(.succeeded)])
        #expect(m.status(of: "a") == .skipped)
        #expect(m.status(of: "b") == .skipped)
    }

    @Test("a run whose every step is skipped succeeds")
    func allSkipped() {
        var m = RunStateMachine(testing: [.action("a")])
        _ = m.handle(.begin)
        #expect(m.handle(.conditionFalse(step: "a")) == [.runStatus(.succeeded)])
    }

    @Test("an empty plan succeeds at once")
    func emptyPlan() {
        var m = RunStateMachine(testing: [])
        #expect(m.handle(.begin) == [.runStatus(.succeeded)])
        #expect(m.status == .succeeded)
    }

    @Test("a failure cancels its dependants transitively, naming the blocker; an independent branch runs on")
    func failureCascade() {
        // Given a → b → c → d, x → y, and j needing both a and x
        var m = RunStateMachine(testing: [
            .action("a"), .action("b", needs: ["a"]), .action("c", needs: ["b"]), .action("d", needs: ["c"]),
            .action("x"), .action("y", needs: ["x"]), .action("j", needs: ["a", "x"]),
        ])
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .start(step: "x", attempt: 1), .runStatus(.running)])

        // When a fails
        let commands = m.handle(.failed(step: "a", retryable: false))

        // Then everything downstream of a is cancelled, each naming what blocked it
        #expect(commands == [
            .cancelStep(step: "b", reason: CancelReason.failed("a")),
            .cancelStep(step: "c", reason: CancelReason.didNotRun("b")),
            .cancelStep(step: "d", reason: CancelReason.didNotRun("c")),
            .cancelStep(step: "j", reason: CancelReason.failed("a")),
        ])
        #expect(m.status == .running)
        // And the independent branch still runs to completion
        #expect(m.handle(.succeeded(step: "x")) == [.start(step: "y", attempt: 1)])
        #expect(m.handle(.succeeded(step: "y")) == [.runStatus(.failed)])
        #expect(m.steps.mapValues(\.status) == [
            "a": .failed, "b": .cancelled, "c": .cancelled, "d": .cancelled,
            "x": .succeeded, "y": .succeeded, "j": .cancelled,
        ])
    }

    @Test("a step reached by two cancelled paths is cancelled once")
    func cascadeThroughDiamond() {
        var m = RunStateMachine(testing: [
            .action("a"), .action("b", needs: ["a"]), .action("c", needs: ["a"]), .action("d", needs: ["b", "c"]),
        ])
        _ = m.handle(.begin)
        #expect(m.handle(.failed(step: "a", retryable: false)) == [
            .cancelStep(step: "b", reason: CancelReason.failed("a")),
            .cancelStep(step: "d", reason: CancelReason.didNotRun("b")),
            .cancelStep(step: "c", reason: CancelReason.failed("a")),
            .runStatus(.failed),
        ])
    }

    @Test("unknown step ids are ignored, and the plan's ids are all reported")
    func lookups() {
        let m = RunStateMachine(testing: [.action("a"), .approval("g")])
        #expect(m.state(of: "nope") == nil)
        #expect(m.steps == ["a": .init(), "g": .init()])
        #expect(m.status == .pending)
        #expect(!m.cancelRequested)
        #expect(!m.inFailurePhase)
    }
}
