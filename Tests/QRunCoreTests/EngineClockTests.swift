import Foundation
import QRunCore
import QRunTestSupport
import Synchronization
import Testing

/// The executor waits on an injected clock: a ten-minute backoff and a five-minute timeout pass
/// when the test moves the clock, with no real waiting.
@Suite struct EngineClockTests {
    /// Fails (retryable) on its first attempt, succeeds on the next.
    final class FlakyAction: Action {
        let attempts = Mutex(0)
        var descriptor: ActionDescriptor { ActionDescriptor(name: "test.flaky", summary: "fails once", parameters: []) }
        func plan(_ call: ActionCall) async throws -> ActionResult { ActionResult(summary: "would try") }
        func apply(_ call: ActionCall) async throws -> ActionResult {
            let n = attempts.withLock { a -> Int in a += 1; return a }
            if n == 1 { throw ActionError(message: "provider busy", retryable: true) }
            return ActionResult(summary: "done on attempt \(n)")
        }
    }

    /// Never answers until cancelled.
    struct HangingAction: Action {
        var descriptor: ActionDescriptor { ActionDescriptor(name: "test.hang", summary: "hangs", parameters: []) }
        func plan(_ call: ActionCall) async throws -> ActionResult { ActionResult() }
        func apply(_ call: ActionCall) async throws -> ActionResult {
            while !Task.isCancelled { await Task.yield(); try? await Task.sleep(for: .milliseconds(5)) }
            throw CancellationError()
        }
    }

    func execute(_ yaml: String, clock: ManualEngineClock, advance: Duration) async throws -> (RunOutcome, [StepRecord]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qrun-clock-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var registry = ActionRegistry.core
        registry.register(FlakyAction())
        registry.register(HangingAction())
        let runbook = try RunbookLoader(catalog: registry).load(text: yaml, path: dir + "/clock.yaml")
        let redactor = Redactor()
        let state = StateDirectory(path: dir + "/state")
        let db = try QRunDatabase(directory: state, redactor: redactor)
        guard case .created(let run) = try db.createRun(id: RunExecutor.newRunID(), runbook: runbook, mode: .apply, inputs: .object([:]),
                                                         trigger: ["source": "test"], concurrencyKey: nil, actor: "test") else {
            throw TestFailure("run not created")
        }
        var config = ExecutorConfiguration()
        config.clock = clock
        let executor = RunExecutor(database: db, stateDirectory: state, registry: registry, secrets: SecretResolver(sources: [], redactor: redactor),
                                   redactor: redactor, configuration: config)
        let task = Task { try await executor.execute(runID: run.id, runbook: runbook) }
        // Wait (without moving time) until the executor sleeps on the clock, then move it.
        while clock.sleeping == 0 { try await Task.sleep(for: .milliseconds(2)) }
        clock.advance(by: advance)
        let outcome = try await task.value
        return (outcome, try db.steps(runID: run.id))
    }

    @Test func aTenMinuteBackoffPassesWhenTheClockMoves() async throws {
        let clock = ManualEngineClock()
        let (outcome, steps) = try await execute("""
            runbook: clock
            version: 1
            steps:
              - id: flaky
                uses: test.flaky
                retry: { max_attempts: 3, initial: 10m, max: 10m }
            """, clock: clock, advance: .seconds(600))
        #expect(outcome.status == .succeeded)
        #expect(steps.first?.attempt == 2)
        #expect(steps.first?.startedAt.map { clock.now().timeIntervalSince($0) >= 0 } == true)
    }

    @Test func aFiveMinuteTimeoutFiresWhenTheClockMoves() async throws {
        let clock = ManualEngineClock()
        let (outcome, steps) = try await execute("""
            runbook: clock
            version: 1
            steps:
              - id: hang
                uses: test.hang
                timeout: 5m
                retry: { max_attempts: 1 }
            """, clock: clock, advance: .seconds(300))
        #expect(outcome.status == .failed)
        #expect(steps.first?.error?.contains("timed out after 5m") == true, "\(steps.first?.error ?? "")")
    }
}
