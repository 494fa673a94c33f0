import Testing
@testable import QRunCore

@Suite("RunStateMachine: stray events and terminal runs")
struct RunStateMachineRobustnessTests {
    @Test("events for unknown steps or steps in the wrong state change nothing")
    func strayEvents() {
        // Given a running, b pending behind it, g an approval not yet reached
        var m = RunStateMachine(testing: [.action("a"), .action("b", needs: ["a"]), .approval("g", needs: ["b"])])
        _ = m.handle(.begin)
        let before = m.steps
        let stray: [EngineEvent] = [
            .succeeded(step: "nope"), .failed(step: "nope", retryable: true), .conditionFalse(step: "nope"),
            .retryDue(step: "nope"), .approval(step: "nope", approved: true),
            .succeeded(step: "b"), .failed(step: "b", retryable: false), .conditionFalse(step: "b"), .retryDue(step: "b"),
            .approval(step: "b", approved: true), .approval(step: "g", approved: false), .retryDue(step: "a"),
            .approval(step: "a", approved: false),
        ]
        for event in stray {
            #expect(m.handle(event) == [], "\(event)")
        }
        #expect(m.steps == before)
        #expect(m.status == .running)
    }

    @Test("a step's end is taken once")
    func duplicateEnd() {
        var m = RunStateMachine(testing: [.action("a"), .action("b")])
        _ = m.handle(.begin)
        #expect(m.handle(.succeeded(step: "a")) == [])
        #expect(m.handle(.succeeded(step: "a")) == [])
        #expect(m.handle(.failed(step: "a", retryable: false)) == [])
        #expect(m.handle(.conditionFalse(step: "a")) == [])
        #expect(m.status(of: "a") == .succeeded)
        #expect(m.handle(.succeeded(step: "b")) == [.runStatus(.succeeded)])
    }

    static let everyEvent: [EngineEvent] = [
        .begin, .cancel, .conditionFalse(step: "a"), .succeeded(step: "a"), .failed(step: "a", retryable: true),
        .retryDue(step: "a"), .approval(step: "g", approved: true), .succeeded(step: "zz"),
    ]

    @Test("once the run has succeeded, every event is ignored")
    func afterSuccess() {
        var m = RunStateMachine(testing: [.action("a"), .approval("g"), .cleanup("page")])
        _ = m.handle(.begin)
        _ = m.handle(.succeeded(step: "a"))
        #expect(m.handle(.approval(step: "g", approved: true)) == [
            .skipStep(step: "page", reason: "not needed: the run did not fail"), .runStatus(.succeeded),
        ])
        let before = m.steps
        for event in Self.everyEvent { #expect(m.handle(event) == [], "\(event)") }
        #expect(m.steps == before)
        #expect(m.status == .succeeded)
        #expect(!m.cancelRequested)
    }

    @Test("once the run has failed or been cancelled, every event is ignored", arguments: [RunStatus.failed, .cancelled])
    func afterFailureOrCancel(end: RunStatus) {
        var m = RunStateMachine(testing: [.action("a", attempts: 3), .approval("g")])
        _ = m.handle(.begin)
        if end == .failed {
            _ = m.handle(.approval(step: "g", approved: false))
            #expect(m.handle(.failed(step: "a", retryable: false)) == [.runStatus(.failed)])
        } else {
            _ = m.handle(.cancel)
            #expect(m.handle(.failed(step: "a", retryable: true)) == [.runStatus(.cancelled)])
        }
        let before = m.steps
        for event in Self.everyEvent { #expect(m.handle(event) == [], "\(event)") }
        #expect(m.steps == before)
        #expect(m.status == end)
    }

    @Test("needs naming steps outside the plan do not block")
    func unknownNeeds() {
        var m = RunStateMachine(testing: [.action("a", needs: ["ghost"])])
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .runStatus(.running)])
    }

    @Test("maxParallel below one still runs one step at a time")
    func maxParallelFloor() {
        var m = RunStateMachine(testing: [.action("a"), .action("b")], maxParallel: 0)
        #expect(m.handle(.begin) == [.start(step: "a", attempt: 1), .runStatus(.running)])
        #expect(m.handle(.succeeded(step: "a")) == [.start(step: "b", attempt: 1)])
    }
}
