import QRunTestSupport
import Testing
@testable import QRunCore


/// Plays a random but seeded run against the machine, like a chaotic executor would, and checks
/// the machine's rules after every event. Some runs are drills, and some crash now and then: the
/// machine is rebuilt from its stored step states and begins again, as `qrun resume` does.
struct StateMachineSimulation {
    var rng: SplitMix64
    let plan: RunPlan
    var machine: RunStateMachine
    var transcript: [[EngineCommand]] = []
    var running: [String] = []
    var retrying: [String] = []
    var approvals: [String] = []
    var lastAttempt: [String: Int] = [:]
    /// How often the run was rebuilt from stored states.
    var crashes = 0
    let crashPercent: Int

    init(seed: UInt64) {
        rng = SplitMix64(state: seed)
        var nodes: [RunPlan.Node] = []
        let mainCount = Int.random(in: 1...40, using: &rng)
        let failCount = Int.random(in: 0...6, using: &rng)
        for (prefix, count, phase) in [("m", mainCount, StepSpec.Phase.main), ("f", failCount, .onFailure)] {
            for i in 0..<count {
                var needs: [String] = []
                for j in 0..<i where Int.random(in: 0..<100, using: &rng) < 8 { needs.append("\(prefix)\(j)") }
                nodes.append(RunPlan.Node(id: "\(prefix)\(i)", phase: phase, needs: needs,
                                          isApproval: Int.random(in: 0..<10, using: &rng) == 0,
                                          retry: RetryPolicy(maxAttempts: Int.random(in: 1...3, using: &rng))))
            }
        }
        plan = RunPlan(nodes: nodes, maxParallel: Int.random(in: 1...5, using: &rng), isDrill: Int.random(in: 0..<3, using: &rng) == 0)
        crashPercent = Int.random(in: 0..<2, using: &rng) == 0 ? 3 : 0
        machine = RunStateMachine(plan: plan)
    }

    /// Runs to the end, recording every event's commands.
    mutating func run() {
        apply(.begin)
        var budget = 10_000
        while !machine.status.isTerminal {
            budget -= 1
            guard budget > 0 else { Issue.record("the run never ended"); return }
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 2, !machine.cancelRequested {
                apply(.cancel)
            } else if Int.random(in: 0..<100, using: &rng) < crashPercent {
                crash()
            } else if roll < 8 {
                stray()
            } else {
                var pools: [Int] = []
                if !running.isEmpty { pools.append(0) }
                if !retrying.isEmpty { pools.append(1) }
                if !approvals.isEmpty { pools.append(2) }
                guard let pool = pools.randomElement(using: &rng) else { Issue.record("stuck: nothing in flight"); return }
                switch pool {
                case 0:
                    let id = running.remove(at: Int.random(in: 0..<running.count, using: &rng))
                    let r = Int.random(in: 0..<100, using: &rng)
                    apply(r < 55 ? .succeeded(step: id) : r < 80 ? .failed(step: id, retryable: true)
                        : r < 92 ? .failed(step: id, retryable: false) : .conditionFalse(step: id))
                case 1:
                    apply(.retryDue(step: retrying.remove(at: Int.random(in: 0..<retrying.count, using: &rng))))
                default:
                    // The executor reports conditionFalse for an approval whose `if` is false
                    let id = approvals.remove(at: Int.random(in: 0..<approvals.count, using: &rng))
                    let r = Int.random(in: 0..<100, using: &rng)
                    apply(r < 10 ? .conditionFalse(step: id) : .approval(step: id, approved: r < 85))
                }
            }
        }
        checkEnd()
    }

    /// The process dies: only the step states survive, and a new machine begins from them. Actions
    /// in flight are started again by the new machine (the old attempts are lost).
    mutating func crash() {
        crashes += 1
        machine = RunStateMachine(plan: plan, steps: machine.steps, status: machine.status, cancelRequested: machine.cancelRequested)
        running.removeAll()
        apply(.begin)
    }

    func satisfied(_ id: String) -> Bool {
        machine.status(of: id).map { RunStateMachine.satisfies($0, drill: plan.isDrill) } ?? false
    }

    /// An event the machine must ignore.
    mutating func stray() {
        guard let node = plan.nodes.randomElement(using: &rng) else { return }
        let s = machine.status(of: node.id)
        var candidates: [EngineEvent] = [.succeeded(step: "ghost"), .retryDue(step: "ghost")]
        if s != .retryWait { candidates.append(.retryDue(step: node.id)) }
        if s != .waitingApproval { candidates.append(.approval(step: node.id, approved: true)) }
        if s != .running && s != .waitingApproval {
            candidates += [.succeeded(step: node.id), .failed(step: node.id, retryable: true), .conditionFalse(step: node.id)]
        }
        let event = candidates.randomElement(using: &rng)!
        let before = machine.steps
        let commands = machine.handle(event)
        transcript.append(commands)
        #expect(commands == [], "\(event) in \(String(describing: s))")
        #expect(machine.steps == before)
    }

    mutating func apply(_ event: EngineEvent) {
        let wasCancelled = machine.cancelRequested
        let commands = machine.handle(event)
        transcript.append(commands)
        for c in commands {
            switch c {
            case .start(let id, let attempt):
                #expect(!wasCancelled && !machine.cancelRequested, "\(id) started after cancel")
                #expect(attempt == lastAttempt[id, default: 0] + 1, "\(id) attempt \(attempt)")
                lastAttempt[id] = attempt
                checkMayStart(id)
                running.append(id)
            case .awaitApproval(let id):
                #expect(!machine.cancelRequested)
                lastAttempt[id, default: 0] += 1
                checkMayStart(id)
                approvals.append(id)
            case .scheduleRetry(let id, let after):
                #expect(after == lastAttempt[id])
                #expect(!plan.isDrill, "a drill does not retry a plan")
                retrying.append(id)
            case .cancelStep(let id, _):
                #expect(!running.contains(id), "cancelled \(id) while its action runs")
                retrying.removeAll { $0 == id }
                approvals.removeAll { $0 == id }
            case .interrupt(let id):
                #expect(running.contains(id))
            case .skipStep(let id, _):
                #expect(machine.status.isTerminal, "\(id) settled before the run ended")
                #expect(machine.status(of: id) == .skipped)
            case .runStatus(let s):
                #expect(s == machine.status)
            }
        }
        checkInvariants()
    }

    func checkMayStart(_ id: String) {
        guard let node = plan.nodes.first(where: { $0.id == id }) else { Issue.record("unknown \(id)"); return }
        for need in node.needs { #expect(satisfied(need), "\(id) started before \(need)") }
        let main = plan.nodes.filter { $0.phase == .main }
        if node.phase == .onFailure {
            #expect(!plan.isDrill, "a drill entered on_failure")
            #expect(main.allSatisfy { machine.status(of: $0.id)!.isTerminal })
            #expect(main.contains { machine.status(of: $0.id) == .failed })
        } else {
            #expect(!machine.inFailurePhase)
        }
    }

    func checkInvariants() {
        let states = plan.nodes.map { ($0, machine.state(of: $0.id)!) }
        let runningCount = states.filter { $0.1.status == .running }.count
        #expect(runningCount <= plan.maxParallel)
        guard !machine.status.isTerminal else { return }
        let waitingOnly = runningCount == 0 && !states.contains { $0.1.status == .retryWait }
            && states.contains { $0.1.status == .waitingApproval }
        #expect((machine.status == .waiting) == waitingOnly)
        // Nothing ready is left behind
        guard !machine.cancelRequested else { return }
        let phase: StepSpec.Phase = machine.inFailurePhase ? .onFailure : .main
        for (node, s) in states where s.status == .pending && node.phase == phase
            && node.needs.allSatisfy({ satisfied($0) }) {
            #expect(!node.isApproval && runningCount == plan.maxParallel, "\(node.id) is ready but was not started")
        }
    }

    func checkEnd() {
        let main = plan.nodes.filter { $0.phase == .main }.map { machine.status(of: $0.id)! }
        let onFailure = plan.nodes.filter { $0.phase == .onFailure }.map { machine.status(of: $0.id)! }
        #expect(main.allSatisfy { $0.isTerminal })
        if machine.cancelRequested {
            #expect(machine.status == .cancelled)
            #expect(onFailure.allSatisfy { $0.isTerminal })
        } else if plan.isDrill && main.contains(.failed) {
            // Steps not ready: every step still planned, no on_failure, the drill failed.
            #expect(machine.status == .failed)
            #expect(!machine.inFailurePhase)
            #expect(main.allSatisfy { $0 == .succeeded || $0 == .skipped || $0 == .failed })
            #expect(onFailure.allSatisfy { $0 == .skipped })
        } else if main.contains(where: { !$0.satisfiesNeeds }) {
            #expect(machine.status == .failed)
            #expect(main.contains(.failed))
            #expect(onFailure.allSatisfy { $0.isTerminal && $0 != .pending })
        } else {
            #expect(machine.status == .succeeded)
            #expect(onFailure.allSatisfy { $0 == .skipped }, "on_failure steps of a run that succeeded are settled as skipped")
        }
    }
}

@Suite("RunStateMachine: determinism and invariants")
struct RunStateMachineSimulationTests {
    @Test("the same events give the same commands")
    func sameEventsSameCommands() {
        let events: [EngineEvent] = [
            .begin, .succeeded(step: "a"), .failed(step: "b", retryable: true), .retryDue(step: "b"),
            .approval(step: "g", approved: true), .failed(step: "b", retryable: true), .succeeded(step: "c"),
            .succeeded(step: "d"), .succeeded(step: "p"),
        ]
        let nodes: [RunPlan.Node] = [
            .action("a"), .action("b", attempts: 2), .approval("g", needs: ["a"]), .action("c", needs: ["g"]),
            .action("d"), .action("e", needs: ["b", "c"]), .cleanup("p"),
        ]
        func play() -> ([[EngineCommand]], [String: RunStateMachine.StepState]) {
            var m = RunStateMachine(testing: nodes, maxParallel: 2)
            return (events.map { m.handle($0) }, m.steps)
        }
        let first = play()
        let second = play()
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
        #expect(first.0.last == [.runStatus(.failed)])
    }

    static let seeds: ClosedRange<UInt64> = 1...60

    @Test("random runs keep every rule and replay identically", arguments: seeds)
    func randomRuns(seed: UInt64) {
        var first = StateMachineSimulation(seed: seed)
        first.run()
        var second = StateMachineSimulation(seed: seed)
        second.run()
        #expect(first.transcript == second.transcript)
        #expect(first.machine.steps == second.machine.steps)
    }

    @Test("the random runs reach every ending, the on_failure phase, approvals and retries")
    func randomRunsCoverage() {
        var endings = Set<RunStatus>()
        var failurePhases = 0, skippedApprovals = 0, retries = 0, crashes = 0, notReadyDrills = 0
        for seed in Self.seeds {
            var sim = StateMachineSimulation(seed: seed)
            sim.run()
            endings.insert(sim.machine.status)
            crashes += sim.crashes
            if sim.plan.isDrill && sim.machine.notReadyCount > 0 { notReadyDrills += 1 }
            if sim.machine.inFailurePhase { failurePhases += 1 }
            skippedApprovals += sim.plan.nodes.filter { $0.isApproval && sim.machine.status(of: $0.id) == .skipped }.count
            retries += sim.transcript.joined().filter { if case .scheduleRetry = $0 { true } else { false } }.count
        }
        #expect(endings == [.succeeded, .failed, .cancelled])
        #expect(failurePhases > 0)
        #expect(skippedApprovals > 0)
        #expect(retries > 0)
        #expect(crashes > 0)
        #expect(notReadyDrills > 0)
    }
}
