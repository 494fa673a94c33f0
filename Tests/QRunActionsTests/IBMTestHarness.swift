import Foundation
import QRunCore
import QRunTestSupport
import Synchronization
import Testing
@testable import QRunActions

/// Builds action calls for the provider tests (IBM and OAuth) and collects their log lines.
struct ProviderCallFactory {
    var env: [String: String]
    let redactor = Redactor()
    let logs = LogLines()

    func call(_ params: [String: Value], verb: ActionVerb = .apply, key: String = "run-1/step-1", attempt: Int = 1) -> ActionCall {
        let logs = self.logs
        return ActionCall(runID: "run-1", stepID: "step-1", attempt: attempt, idempotencyKey: key, verb: verb, params: params, timeout: nil,
                          secrets: SecretResolver.standard(redactor: redactor, environment: env, baseDirectory: "/tmp"),
                          log: { logs.append($0) })
    }

    /// Every text an action showed: summaries, outputs (as JSON), error messages and log lines.
    func shown(_ results: [ActionResult], errors: [ActionError] = []) -> [String] {
        results.map(\.summary) + results.map { Value.object($0.outputs).jsonText } + errors.map(\.message) + logs.all
    }
}

/// Log lines of one test, thread-safe.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let instant = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    func now() -> Date { instant.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { instant.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// The IBM fake (`Tests/Fixtures/fakes/ibm_fake.py`) with the fixture values it knows.
final class IBMFake: Sendable {
    static let adminKey = "admin-apikey-0123456789abcdef"
    static let viewerKey = "viewer-apikey-0123456789abcdef"
    static let leakedKey1 = "leaked-apikey-value-1111"
    static let instance = "crn:v1:bluemix:public:quantum-computing:us-east:a/acct-1:instance-1::"
    let server: PythonServer

    init() throws {
        server = try PythonServer("fakes/ibm_fake.py")
    }

    /// Settings pointing at the fake, with the API key read from `QRUN_IBM_KEY`.
    func settings(instance: String? = IBMFake.instance) -> ProviderSettings {
        var ibm = ["iam_endpoint": server.baseURL, "quantum_endpoint": server.baseURL + "/api", "api_key": "secret:env:QRUN_IBM_KEY"]
        if let instance { ibm["quantum_instance"] = instance }
        return ProviderSettings(config: ["ibm": ibm], environment: [:])
    }

    /// A call factory whose environment holds `key` as QRUN_IBM_KEY and the leaked key as LEAKED_KEY.
    func calls(key: String = IBMFake.adminKey) -> ProviderCallFactory {
        ProviderCallFactory(env: ["QRUN_IBM_KEY": key, "LEAKED_KEY": IBMFake.leakedKey1])
    }

    func state() throws -> [String: Any] {
        try server.getJSON("/_fake/state") as? [String: Any] ?? [:]
    }

    func int(_ name: String) throws -> Int { try state()[name] as? Int ?? -1 }
    func writes() throws -> [String] { try state()["writes"] as? [String] ?? [] }
    func key(_ id: String) throws -> [String: Any]? { (try state()["keys"] as? [String: Any])?[id] as? [String: Any] }

    func stop() { server.stop() }
}

/// Runs `body` and returns the ``ActionError`` it throws (nil when it succeeds).
func actionError(_ body: () async throws -> ActionResult) async -> ActionError? {
    do {
        _ = try await body()
        return nil
    } catch let e as ActionError {
        return e
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}
