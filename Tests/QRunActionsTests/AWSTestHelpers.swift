import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// Shared plumbing for the AWS action tests: calls, settings, error capture, canary checks.
enum AWSTest {
    /// An `ActionCall` whose secret resolver reads `env`.
    static func call(_ params: [String: Value], env: [String: String], key: String = "idem-key-1", verb: ActionVerb = .apply,
                     redactor: Redactor = Redactor()) -> ActionCall {
        ActionCall(runID: "run-1", stepID: "step-1", attempt: 1, idempotencyKey: key, verb: verb, params: params, timeout: nil,
                   secrets: SecretResolver.standard(redactor: redactor, environment: env, baseDirectory: "/tmp"), log: { _ in })
    }

    /// Standard AWS variables pointing every service at `endpoint` with the given key pair.
    static func env(endpoint: String, id: String, secret: String, region: String = "us-east-1") -> [String: String] {
        ["AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": region]
    }

    /// The action named `name`, configured from `env` (as the integrator registers them).
    static func action(_ name: String, env: [String: String], now: @escaping @Sendable () -> Date = { Date() }) -> any Action {
        AWSActions.all(transport: CurlTransport(), settings: ProviderSettings(environment: env), now: now)
            .first { $0.descriptor.name == name }!
    }

    /// Runs `body` and returns the `ActionError` it threw (nil when it succeeded).
    static func failure(_ body: () async throws -> ActionResult) async -> ActionError? {
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

    /// Asserts that none of `secrets` appears (in any encoding) in the results' outputs and summaries
    /// or in the error messages.
    static func expectNoSecrets(_ secrets: [String], results: [ActionResult], errors: [ActionError?] = [],
                                sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        var text = results.map { "\(Value.object($0.outputs).jsonText)\n\($0.summary)" }.joined(separator: "\n")
        text += errors.compactMap { $0?.message }.joined(separator: "\n")
        for s in secrets {
            let hits = CanaryScanner(s).find(in: text)
            #expect(hits.isEmpty, "a secret appeared as \(hits)", sourceLocation: sourceLocation)
        }
    }
}
