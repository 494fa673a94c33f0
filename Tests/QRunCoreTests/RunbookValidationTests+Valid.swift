import Testing

@testable import QRunCore

/// A realistic runbook (DESIGN §3's example, on core actions only) loads and exposes its model.
@Suite("Runbook validation: a valid runbook")
struct RunbookValidationValidTests {
    typealias H = RunbookValidationHarness

    static let text = """
        runbook: credential-leak          # name; file is runbooks/credential-leak.yaml
        version: 4                        # integer; bump on every change
        description: Contain a leaked quantum-provider credential.
        env: [HOME]
        inputs:
          token_id: { type: string, required: true, pattern: "^[A-Za-z0-9_.:-]{3,128}$",
                      description: Provider id of the leaked credential }
          provider: { type: enum, values: [ibm-quantum, braket, azure-quantum, vault], default: ibm-quantum }
          agent:    { type: string, required: false }
          grace:    { type: duration, default: 2s }
        concurrency:
          key: "credential-leak/${{ inputs.token_id }}"   # one open run per key
        triggers:
          - alert: { match: { alertname: QPUTokenAbuse } }
            inputs: { token_id: "${{ alert.labels.token_id }}" }
        steps:
          - id: snapshot
            uses: core.noop
            with: { message: "snapshot ${{ env.HOME }}/.qiskit" }
          - id: revoke
            uses: core.approval
            if: "${{ inputs.provider == 'ibm-quantum' }}"
            with: { message: "Revoke ${{ inputs.token_id }}?", approvers: [oncall] }
            retry: { max_attempts: 6, backoff: exponential, initial: 1s, max: 30s }
            timeout: 20s
          - id: rotate
            needs: [revoke]
            uses: core.sleep
            with: { duration: "${{ inputs.grace }}" }
          - id: notify
            needs: [snapshot, rotate]
            uses: core.noop
            with:
              message: >-
                Revoked ${{ inputs.token_id }} (${{ steps.revoke.status }});
                slept ${{ steps.rotate.outputs.slept_ms }} ms
        on_failure:
          - id: page
            uses: core.noop
            if: steps.revoke.status == 'failed'
            with: { message: "qrun ${{ run.id }} failed at ${{ steps.notify.status }}" }
          - id: log
            needs: [page]
            uses: core.noop
            with: { message: "${{ steps.page.outputs.summary }}" }
        """

    static func runbook() throws -> Runbook {
        try H.load(text, path: "runbooks/credential-leak.yaml").get()
    }

    @Test func loadsWithItsHeaderAndInputs() throws {
        let runbook = try Self.runbook()
        #expect(runbook.name == "credential-leak")
        #expect(runbook.version == 4)
        #expect(runbook.description == "Contain a leaked quantum-provider credential.")
        #expect(runbook.declaredEnvironment == ["HOME"])
        #expect(runbook.inputs.map(\.name) == ["token_id", "provider", "agent", "grace"])
        let token = try #require(runbook.input("token_id"))
        #expect(token.kind == .string && token.required && token.pattern == "^[A-Za-z0-9_.:-]{3,128}$")
        #expect(token.description == "Provider id of the leaked credential")
        #expect(token.location.line == 6 && token.location.column == 3)
        #expect(runbook.input("provider")?.kind == .enumeration(["ibm-quantum", "braket", "azure-quantum", "vault"]))
        #expect(runbook.input("provider")?.defaultValue == "ibm-quantum")
        #expect(runbook.input("agent")?.required == false)
        #expect(runbook.input("grace")?.defaultValue == "2s")
        #expect(runbook.source.sha256.count == 64)
    }

    @Test func exposesTheStepGraph() throws {
        let runbook = try Self.runbook()
        #expect(runbook.steps.map(\.id) == ["snapshot", "revoke", "rotate", "notify"])
        #expect(runbook.steps.map(\.needs) == [[], [], ["revoke"], ["snapshot", "rotate"]])
        #expect(runbook.steps.map(\.uses) == ["core.noop", "core.approval", "core.sleep", "core.noop"])
        #expect(runbook.onFailure.map(\.id) == ["page", "log"])
        #expect(runbook.onFailure.allSatisfy { $0.phase == .onFailure })
        #expect(runbook.step("notify")?.location == QRunCore.SourceLocation(file: "runbooks/credential-leak.yaml", line: 30, column: 9))
        #expect(runbook.step("notify")?.needsLocations.map(\.column) == [13, 23])
    }

    @Test func exposesRetryTimeoutAndCondition() throws {
        let revoke = try #require(try Self.runbook().step("revoke"))
        #expect(revoke.retry == RetryPolicy(maxAttempts: 6, backoff: .exponential, initial: .seconds(1), max: .seconds(30)))
        #expect(revoke.timeout == .seconds(20))
        let condition = try #require(revoke.condition)
        #expect(try condition.render(in: ValueScope(["inputs": ["provider": "ibm-quantum"]])) == true)
        #expect(try condition.render(in: ValueScope(["inputs": ["provider": "vault"]])) == false)
        #expect(try Self.runbook().step("rotate")?.retry == RetryPolicy.none)
    }

    @Test func bareIfConditionEvaluatesLikeAWrappedOne() throws {
        let page = try #require(try Self.runbook().step("page"))
        let condition = try #require(page.condition)
        #expect(condition.isSingleExpression)
        #expect(try condition.render(in: ValueScope(["steps": ["revoke": ["status": "failed"]]])) == true)
    }

    @Test func exposesTheConcurrencyKeyAndTriggers() throws {
        let runbook = try Self.runbook()
        let key = try #require(runbook.concurrency)
        #expect(try key.render(in: ValueScope(["inputs": ["token_id": "tok-123"]])) == "credential-leak/tok-123")
        #expect(runbook.concurrencyLocation?.line == 12)
        #expect(runbook.triggers.count == 1)
        guard case .alert(let match) = runbook.triggers.first?.kind else {
            Issue.record("expected an alert trigger")
            return
        }
        #expect(match == ["alertname": "QPUTokenAbuse"])
        #expect(try runbook.triggers.first?.inputs["token_id"]?.render(in: ValueScope(["alert": ["labels": ["token_id": "t-9"]]])) == "t-9")
    }

    @Test func foldedParametersKeepTheirTemplates() throws {
        let notify = try #require(try Self.runbook().step("notify"))
        guard case .template(let message, let location)? = notify.with["message"] else {
            Issue.record("message should be a template")
            return
        }
        #expect(message.expressions.count == 3)
        #expect(location.line == 34)
        let scope = ValueScope([
            "inputs": ["token_id": "tok-1"],
            "steps": ["revoke": ["status": "succeeded"], "rotate": ["outputs": ["slept_ms": 2000]]],
        ])
        #expect(try message.render(in: scope) == "Revoked tok-1 (succeeded); slept 2000 ms")
    }
}
