import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `preflight.scan`: outputs without values, strict failures, thresholds, parameters.
@Suite
struct PreflightScanActionTests {
    static let canary = "qRunCanaryActionToken-5e7a9c"

    func call(_ params: [String: Value], verb: ActionVerb = .apply) -> ActionCall {
        ActionCall(runID: "r1", stepID: "preflight", attempt: 1, idempotencyKey: "k1", verb: verb, params: params, timeout: nil,
                   secrets: SecretResolver.standard(redactor: Redactor(), environment: [:], baseDirectory: "/tmp"), log: { _ in })
    }

    func action(env: [String: String]) -> PreflightScanAction {
        PreflightScanAction(environment: { env })
    }

    func planted() throws -> PreflightFixture {
        let fx = try PreflightFixture()
        try fx.write("home/.qiskit/qiskitrc", "[ibmq]\ntoken = \(Self.canary)\n")
        try fx.write("project/.env", "SERVICE_TOKEN=qRunCanaryDotenv-77\n")
        return fx
    }

    @Test func reportsFindingsWithoutValuesAndPlanEqualsApply() async throws {
        let fx = try planted()
        defer { fx.cleanup() }
        let a = action(env: ["HOME": fx.home, "VAULT_TOKEN": "hvs.qRunCanaryEnvNotScanned0123456789"])
        let params: [String: Value] = ["paths": .array([.string(fx.project)])]
        let applied = try await a.apply(call(params))
        let planned = try await a.plan(call(params, verb: .plan))
        #expect(applied.outputs == planned.outputs)
        #expect(applied.outputs["count"] == .int(2))
        #expect(applied.outputs["blocking"] == .int(2))
        #expect(applied.outputs["by_severity"] == ["critical": 1, "high": 1, "medium": 0, "low": 0])
        let first = applied.outputs["findings"]?.arrayValue?.first
        #expect(first?["kind"] == "ibm-quantum-token")
        #expect(first?["location"] == .string("\(fx.home)/.qiskit/qiskitrc:2"))
        #expect(first?["fingerprint"] == .string(PreflightFinding.fingerprint(of: Self.canary)))
        #expect(applied.summary == "2 long-lived credentials found (1 critical, 1 high)")
        let text = Value.object(applied.outputs).jsonText + applied.summary
        #expect(CanaryScanner(Self.canary).find(in: text) == [])
        #expect(!text.contains("hvs."), "the environment is not scanned unless env: true")
    }

    @Test func strictFailsNotRetryableAtTheThreshold() async throws {
        let fx = try planted()
        defer { fx.cleanup() }
        let a = action(env: [:])
        do {
            _ = try await a.apply(call(["home": .string(fx.home), "paths": .array([.string(fx.project)]), "strict": true]))
            Issue.record("a strict scan with findings must fail")
        } catch let e as ActionError {
            #expect(e.retryable == false)
            #expect(e.message == "preflight found 2 credentials at or above low: \(fx.home)/.qiskit/qiskitrc:2 (ibm-quantum-token), \(fx.project)/.env:1 (dotenv-secret); remove them (run qrun preflight for the fixes) before starting the agent")
            #expect(CanaryScanner(Self.canary).find(in: e.message) == [])
        }
        let lenient = try await a.apply(call(["home": .string(fx.home), "fail_on": "critical", "paths": .array([.string(fx.project)])]))
        #expect(lenient.outputs["blocking"] == .int(1), "only the critical finding is at or above critical")
        #expect(lenient.outputs["count"] == .int(2))
        await #expect(throws: ActionError.self) {
            _ = try await a.apply(call(["home": .string(fx.home), "strict": true, "fail_on": "critical"]))
        }
        let passes = try await a.apply(call(["home": .string(fx.root + "/project"), "strict": true]))
        #expect(passes.outputs["count"] == .int(0))
        #expect(passes.summary == "no long-lived credentials found")
    }

    @Test func envParameterScansTheGivenEnvironment() async throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        let r = try await action(env: ["HOME": fx.home, "AZURE_CLIENT_SECRET": Self.canary]).apply(call(["env": true]))
        #expect(r.outputs["findings"]?.arrayValue?.first?["location"] == "env:AZURE_CLIENT_SECRET")
        #expect(CanaryScanner(Self.canary).find(in: Value.object(r.outputs).jsonText) == [])
    }

    @Test func invalidParametersAreNotRetryable() async throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        let a = action(env: ["HOME": fx.home])
        for (params, message) in [
            (["fail_on": Value.string("severe")], "fail_on must be one of low, medium, high, critical, not 'severe'"),
            (["paths": .string(fx.project)], "paths must be a list of directory paths"),
            (["home": .string(fx.root + "/missing")], "\(fx.root)/missing does not exist; a scan of a missing path would pass without checking anything"),
            (["strict": .string("yes")], "parameter 'strict' must be true or false"),
        ] {
            do {
                _ = try await a.plan(call(params, verb: .plan))
                Issue.record("\(params) must be refused")
            } catch let e as ActionError {
                #expect(e.message == message)
                #expect(!e.retryable)
            }
        }
        await #expect(throws: ActionError.self) { _ = try await action(env: [:]).apply(call([:])) }
    }

    @Test func descriptorDeclaresTheParameters() {
        let d = PreflightScanAction().descriptor
        #expect(d.name == "preflight.scan")
        #expect(d.parameters.map(\.name) == ["home", "paths", "env", "fail_on", "strict"])
        #expect(d.parameters.allSatisfy { $0.secret == .forbidden })
        #expect(PreflightActions.all().map(\.descriptor.name) == ["preflight.scan"])
    }
}
