import Testing
@testable import QRunCore

/// Runs a machine to its end like an executor would: actions end in the order they started.
struct StateMachineDriver {
    var machine: RunStateMachine
    private(set) var started: [String] = []
    private(set) var peakRunning = 0
    private var head = 0
    private var running = 0

    init(_ machine: RunStateMachine) { self.machine = machine }

    /// Feeds `.begin`, then ends every started action with `outcome(step)` until the run ends.
    mutating func run(outcome: (String) -> EngineEvent = { .succeeded(step: $0) }) {
        take(machine.handle(.begin))
        while head < started.count, !machine.status.isTerminal {
            let id = started[head]
            head += 1
            running -= 1
            take(machine.handle(outcome(id)))
        }
    }

    /// Feeds one event.
    @discardableResult
    mutating func feed(_ event: EngineEvent) -> [EngineCommand] {
        let commands = machine.handle(event)
        take(commands)
        return commands
    }

    private mutating func take(_ commands: [EngineCommand]) {
        for case .start(let id, _) in commands {
            started.append(id)
            running += 1
        }
        peakRunning = max(peakRunning, running)
    }
}

@Suite("RunStateMachine: large runs")
struct RunStateMachineScaleTests {
    static let n = 10_000

    @Test("a 10,000-step fan-out completes within maxParallel")
    func wideFanOut() {
        var d = StateMachineDriver(RunStateMachine(testing: (0..<Self.n).map { .action("s\($0)") }, maxParallel: 16))
        d.run()
        #expect(d.machine.status == .succeeded)
        #expect(d.started.count == Self.n)
        #expect(d.started == (0..<Self.n).map { "s\($0)" })
        #expect(d.peakRunning == 16)
    }

    @Test("a 10,000-step chain completes, one step at a time")
    func longChain() {
        let nodes = (0..<Self.n).map { RunPlan.Node.action("s\($0)", needs: $0 == 0 ? [] : ["s\($0 - 1)"]) }
        var d = StateMachineDriver(RunStateMachine(testing: nodes, maxParallel: 16))
        d.run()
        #expect(d.machine.status == .succeeded)
        #expect(d.started == (0..<Self.n).map { "s\($0)" })
        #expect(d.peakRunning == 1)
    }

    @Test("a root with 10,000 dependants joined by one step completes")
    func fanOutFanIn() {
        let middle = (0..<Self.n).map { RunPlan.Node.action("m\($0)", needs: ["root"]) }
        let nodes = [RunPlan.Node.action("root")] + middle + [.action("join", needs: middle.map(\.id))]
        var d = StateMachineDriver(RunStateMachine(testing: nodes, maxParallel: 64))
        d.run()
        #expect(d.machine.status == .succeeded)
        #expect(d.started.count == Self.n + 2)
        #expect(d.started.last == "join")
    }

    @Test("10,000 main steps with a failure, then 10,000 on_failure steps, complete")
    func wideOnFailure() {
        let nodes = (0..<Self.n).map { RunPlan.Node.action("s\($0)") } + (0..<Self.n).map { RunPlan.Node.cleanup("f\($0)") }
        var d = StateMachineDriver(RunStateMachine(testing: nodes, maxParallel: 16))
        d.run { $0 == "s0" ? .failed(step: $0, retryable: false) : .succeeded(step: $0) }
        #expect(d.machine.status == .failed)
        #expect(d.started.count == 2 * Self.n)
        #expect(d.machine.status(of: "f\(Self.n - 1)") == .succeeded)
    }

    @Test("a 10,000-step chain ending in a failure, with 10,000 on_failure steps waiting, completes")
    func chainWithWideOnFailure() {
        // on_failure steps that could start at once must not be looked at on every main-phase event
        let chain = (0..<Self.n).map { RunPlan.Node.action("s\($0)", needs: $0 == 0 ? [] : ["s\($0 - 1)"]) }
        let nodes = chain + (0..<Self.n).map { RunPlan.Node.cleanup("f\($0)") }
        var d = StateMachineDriver(RunStateMachine(testing: nodes, maxParallel: 16))
        let last = "s\(Self.n - 1)"
        d.run { $0 == last ? .failed(step: $0, retryable: false) : .succeeded(step: $0) }
        #expect(d.machine.status == .failed)
        #expect(d.started.count == 2 * Self.n)
        #expect(d.peakRunning == 16)
    }

    @Test("a failure at the head of a 10,000-step chain cancels the rest in one event")
    func chainCascade() {
        let nodes = (0..<Self.n).map { RunPlan.Node.action("s\($0)", needs: $0 == 0 ? [] : ["s\($0 - 1)"]) }
        var m = RunStateMachine(testing: nodes)
        _ = m.handle(.begin)
        let commands = m.handle(.failed(step: "s0", retryable: false))
        #expect(commands.count == Self.n)
        #expect(commands.first == .cancelStep(step: "s1", reason: CancelReason.failed("s0")))
        #expect(commands.last == .runStatus(.failed))
    }

    @Test("cancelling 10,000 steps in flight or pending completes")
    func cancelLargeRun() {
        var d = StateMachineDriver(RunStateMachine(testing: (0..<Self.n).map { .action("s\($0)") }, maxParallel: 16))
        d.feed(.begin)
        let commands = d.feed(.cancel)
        #expect(commands.count == Self.n)
        #expect(commands.filter { if case .interrupt = $0 { true } else { false } }.count == 16)
        for i in 0..<16 { d.feed(.failed(step: "s\(i)", retryable: true)) }
        #expect(d.machine.status == .cancelled)
    }

    @Test("a 10,000-step resume restarts what was running")
    func largeResume() {
        let plan = RunPlan(nodes: (0..<Self.n).map { .action("s\($0)") }, maxParallel: 16)
        var stored: [String: RunStateMachine.StepState] = [:]
        for i in 0..<(Self.n / 2) { stored["s\(i)"] = .init(status: .succeeded, attempt: 1) }
        for i in (Self.n / 2)..<(Self.n / 2 + 16) { stored["s\(i)"] = .init(status: .running, attempt: 1) }
        var d = StateMachineDriver(RunStateMachine(plan: plan, steps: stored, status: .running))
        d.run()
        #expect(d.machine.status == .succeeded)
        #expect(d.started.count == Self.n / 2)
        #expect(d.machine.state(of: "s\(Self.n / 2)")?.attempt == 2)
    }
}
