import Foundation
import QRunCore
import Testing
@testable import QRunActions

/// Simulated actions: the real descriptor's checks, outputs later steps read, faults, and no
/// secret resolved.
@Suite
struct SimulatedActionTests {
    /// A clock whose waits end at once, recording what was asked.
    final class InstantClock: EngineClock, @unchecked Sendable {
        // @unchecked: `waits` is guarded by `lock`.
        let lock = NSLock()
        var waits: [Duration] = []
        func now() -> Date { Date() }
        func sleep(for duration: Duration) async throws {
            lock.withLock { waits.append(duration) }
            try Task.checkCancellation()
        }
    }

    static let descriptor = ActionDescriptor(name: "vault.kv.rotate", summary: "", parameters: [
        ParameterSpec("path", .string, required: true), ParameterSpec("token", .string, secret: .required),
    ])

    func call(_ params: [String: Value], step: String = "rotate", timeout: Duration? = nil) -> ActionCall {
        ActionCall(runID: "r", stepID: step, attempt: 2, idempotencyKey: "k", verb: .apply, params: params, timeout: timeout,
                   secrets: SecretResolver(sources: []), log: { _ in })
    }

    func action(_ faults: [String: SimulationFault] = [:], clock: InstantClock = InstantClock()) -> SimulatedAction {
        SimulatedAction(descriptor: Self.descriptor, faults: faults, outputNames: ["rotate": ["version"]], clock: clock)
    }

    @Test func answersWithTheOutputsLaterStepsRead() async throws {
        let r = try await action().apply(call(["path": "a/b", "token": "secret:env:NEVER_READ"]))
        #expect(r.outputs == ["simulated": true, "version": "simulated-version"])
    }

    @Test func checksParametersAsTheRealActionDeclaresThem() async throws {
        await #expect(throws: ActionError.self) { _ = try await action().apply(call(["token": "secret:env:X"])) }
        await #expect(throws: ActionError.self) { _ = try await action().apply(call(["path": "a", "token": "plain-text-secret"])) }
        await #expect(throws: ActionError.self) { _ = try await action().apply(call(["path": "a", "extra": 1])) }
    }

    @Test func faultsFailHangOrSlowDownOnTheEngineClock() async throws {
        let p: [String: Value] = ["path": "a"]
        do {
            _ = try await action(["rotate": .error]).apply(call(p))
            Issue.record("an error fault must fail")
        } catch let e as ActionError {
            #expect(e.retryable && e.message.contains("attempt 2"))
        }
        let hang = InstantClock()
        do {
            _ = try await action(["rotate": .timeout], clock: hang).apply(call(p))
            Issue.record("a timeout fault must not succeed")
        } catch let e as ActionError {
            #expect(e.message.contains("timed out after 30s") && e.retryable)
        }
        #expect(hang.waits == [SimulatedAction.defaultTimeout])
        let slow = InstantClock()
        let r = try await action(["rotate": .slow], clock: slow).apply(call(p, timeout: .seconds(20)))
        #expect(r.outputs["simulated"] == true)
        #expect(slow.waits == [.seconds(10)])
        // A fault on another step does not touch this one.
        _ = try await action(["other": .error]).apply(call(p))
    }

    @Test func theSimulatedRegistryKeepsNamesAndDropsVerify() throws {
        var real = ActionRegistry.core
        real.register(VaultActions.all(transport: CurlTransport(), settings: ProviderSettings())[0])
        let text = """
            runbook: t
            version: 1
            steps:
              - id: a
                uses: core.noop
              - id: b
                needs: [a]
                uses: core.noop
                if: "${{ steps.a.outputs.ok }}"
                with: {}
            """
        let rb = try RunbookLoader(catalog: real).load(text: text, path: "t.yaml")
        let sim = SimulatedRegistry.make(from: real, runbook: rb, faults: [:], clock: InstantClock())
        #expect(sim.actionNames == real.actionNames)
        #expect(sim.actionNames.allSatisfy { sim.descriptor(for: $0)?.supportsVerify == false })
        #expect(SimulatedRegistry.outputNames(in: rb) == ["a": ["ok"]])
    }
}
