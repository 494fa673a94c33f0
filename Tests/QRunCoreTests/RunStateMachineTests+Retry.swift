import Testing
@testable import QRunCore

@Suite("RunStateMachine: retries")
struct RunStateMachineRetryTests {
    @Test("a retryable failure schedules a retry after that attempt; retryDue starts the next attempt")
    func retryThenSucceed() {
        // Given a step allowed three attempts, and a dependant
        var m = RunStateMachine(testing: [.action("a", attempts: 3), .action("b", needs: ["a"])])
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .runStatus(.running)])

        // When attempt 1 fails retryably
        #expect(m.handle(.failed(step: "a", retryable: true)) == [.scheduleRetry(step: "a", afterAttempt: 1)])
        // Then the step waits; the run is still running (a retry is not an approval wait)
        #expect(m.state(of: "a") == .init(status: .retryWait, attempt: 1, failures: 1))
        #expect(m.status == .running)

        #expect(m.handle(.retryDue(step: "a")) == [.start(step: "a", attempt: 2)])
        #expect(m.handle(.failed(step: "a", retryable: true)) == [.scheduleRetry(step: "a", afterAttempt: 2)])
        #expect(m.handle(.retryDue(step: "a")) == [.start(step: "a", attempt: 3)])
        #expect(m.handle(.succeeded(step: "a")) == [.start(step: "b", attempt: 1)])
        #expect(m.state(of: "a") == .init(status: .succeeded, attempt: 3, failures: 2))
        #expect(m.handle(.succeeded(step: "b")) == [.runStatus(.succeeded)])
    }

    @Test("when attempts are exhausted the step fails (maxAttempts counts the first attempt)")
    func attemptsExhausted() {
        var m = RunStateMachine(testing: [.action("a", attempts: 2), .action("b", needs: ["a"])])
        _ = m.handle(.begin)
        #expect(m.handle(.failed(step: "a", retryable: true)) == [.scheduleRetry(step: "a", afterAttempt: 1)])
        #expect(m.handle(.retryDue(step: "a")) == [.start(step: "a", attempt: 2)])
        #expect(m.handle(.failed(step: "a", retryable: true)) == [
            .cancelStep(step: "b", reason: CancelReason.failed("a")),
            .runStatus(.failed),
        ])
        #expect(m.state(of: "a") == .init(status: .failed, attempt: 2, failures: 2))
    }

    @Test("a non-retryable failure is not retried, whatever the policy")
    func nonRetryable() {
        var m = RunStateMachine(testing: [.action("a", attempts: 5)])
        _ = m.handle(.begin)
        #expect(m.handle(.failed(step: "a", retryable: false)) == [.runStatus(.failed)])
        #expect(m.state(of: "a") == .init(status: .failed, attempt: 1, failures: 1))
    }

    @Test("the default policy (one attempt) never retries", arguments: [0, 1])
    func singleAttempt(attempts: Int) {
        var m = RunStateMachine(testing: [.action("a", attempts: attempts)])
        _ = m.handle(.begin)
        #expect(m.handle(.failed(step: "a", retryable: true)) == [.runStatus(.failed)])
    }

    @Test("a retry waits for a free slot, and the slot it left is used meanwhile")
    func retryRespectsParallelism() {
        var m = RunStateMachine(testing: [.action("a", attempts: 2), .action("b")], maxParallel: 1)
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .runStatus(.running)])
        // a's failure frees the slot for b
        #expect(m.handle(.failed(step: "a", retryable: true)) == [.scheduleRetry(step: "a", afterAttempt: 1), .start(step: "b", attempt: 1)])
        // a's backoff ends while b holds the slot
        #expect(m.handle(.retryDue(step: "a")) == [])
        #expect(m.status(of: "a") == .pending)
        #expect(m.handle(.succeeded(step: "b")) == [.start(step: "a", attempt: 2)])
        #expect(m.handle(.succeeded(step: "a")) == [.runStatus(.succeeded)])
    }

    @Test("retryDue is ignored unless the step waits for a retry")
    func retryDueIgnored() {
        var m = RunStateMachine(testing: [.action("a", attempts: 3), .action("b", needs: ["a"])])
        _ = m.handle(.begin)
        #expect(m.handle(.retryDue(step: "a")) == [])  // running
        #expect(m.handle(.retryDue(step: "b")) == [])  // pending
        #expect(m.handle(.retryDue(step: "zz")) == []) // unknown
        _ = m.handle(.failed(step: "a", retryable: true))
        #expect(m.handle(.retryDue(step: "a")) == [.start(step: "a", attempt: 2)])
        #expect(m.handle(.retryDue(step: "a")) == [])  // already restarted
        #expect(m.state(of: "a")?.attempt == 2)
    }

    @Test("an on_failure step is retried too")
    func retryInFailurePhase() {
        var m = RunStateMachine(testing: [.action("a"), .cleanup("page", attempts: 2)])
        _ = m.handle(.begin)
        #expect(m.handle(.failed(step: "a", retryable: false)) == [.start(step: "page", attempt: 1)])
        #expect(m.handle(.failed(step: "page", retryable: true)) == [.scheduleRetry(step: "page", afterAttempt: 1)])
        #expect(m.handle(.retryDue(step: "page")) == [.start(step: "page", attempt: 2)])
        #expect(m.handle(.succeeded(step: "page")) == [.runStatus(.failed)])
    }
}
