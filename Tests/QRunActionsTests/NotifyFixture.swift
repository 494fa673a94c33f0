import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// A running notification receiver (`Tests/Fixtures/notify/<script>`) plus helpers to build
/// calls whose secrets come from a fake environment, drive the receiver's control API and read
/// its state. Every secret here is a canary: no output, summary or error may contain it.
struct NotifyFixture {
    static let webhookSecret = "whsec_CANARY9f2kQ7xLmP4vZ8"
    static let routingKey = "R0CANARYpd7Qx2LmK9vB4nZ6wT3yH8sJ"  // 32 characters
    static let slackToken = "CANARYslackTOKEN5pQ8rW2x"
    static let slackPath = "/services/T0CANARY1/B0CANARY2/" + slackToken
    static let smtpPassword = "smtp-CANARY-pw-7Hq2Lx9"

    let server: PythonServer
    let transport = CurlTransport()

    init(_ script: String, _ args: [String] = []) throws {
        server = try PythonServer("notify/\(script)", args)
    }

    func stop() { server.stop() }

    /// The environment secret references point into.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        [
            "WEBHOOK_SECRET": Self.webhookSecret,
            "WEBHOOK_URL": server.baseURL + "/hooks/incident",
            "PD_ROUTING_KEY": Self.routingKey,
            "SLACK_WEBHOOK_URL": server.baseURL + Self.slackPath,
            "SMTP_PASSWORD": Self.smtpPassword,
        ].merging(extra) { _, new in new }
    }

    static func call(_ params: [String: Value], verb: ActionVerb = .apply, key: String = "run-1/notify", attempt: Int = 1,
                     env: [String: String], log: LogSink = LogSink()) -> ActionCall {
        ActionCall(runID: "run-1", stepID: "notify", attempt: attempt, idempotencyKey: key, verb: verb, params: params,
                   timeout: .seconds(10), secrets: SecretResolver.standard(redactor: Redactor(), environment: env, baseDirectory: "/tmp"),
                   log: { log.append($0) })
    }

    func call(_ params: [String: Value], verb: ActionVerb = .apply, key: String = "run-1/notify", attempt: Int = 1,
              env: [String: String] = [:]) -> ActionCall {
        Self.call(params, verb: verb, key: key, attempt: attempt, env: environment(env))
    }

    @discardableResult
    func control(_ name: String, _ body: Value = [:]) async throws -> Value {
        let r = try await transport.send(method: "POST", url: URL(string: "\(server.baseURL)/_fake/\(name)")!, json: body)
        #expect(r.status == 200, "control \(name) answered \(r.status)")
        return r.json
    }

    /// Makes the next `count` deliveries answer `status` (after carrying them out when `afterEffect`).
    func fault(_ status: Int, afterEffect: Bool = false, retryAfter: Int? = nil, body: String = "", count: Int = 1) async throws {
        var b: [String: Value] = ["status": .int(status), "after_effect": .bool(afterEffect), "body": .string(body), "count": .int(count)]
        if let retryAfter { b["retry_after"] = .int(retryAfter) }
        try await control("fault", .object(b))
    }

    func state() async throws -> Value {
        try await transport.send(method: "GET", url: URL(string: "\(server.baseURL)/_fake/state")!).json
    }

    func effects() async throws -> [Value] { try await state()["effects"]?.arrayValue ?? [] }
    func requests() async throws -> [Value] { try await state()["requests"]?.arrayValue ?? [] }

    static let allSecrets = [webhookSecret, routingKey, slackToken, smtpPassword]

    /// Records an issue when a canary appears in a result.
    static func expectClean(_ r: ActionResult, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        VaultFixture.expectNoSecrets(allSecrets, in: VaultFixture.texts(r), sourceLocation: sourceLocation)
    }

    /// Records an issue when a canary appears in an error.
    static func expectClean(_ e: ActionError?, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        VaultFixture.expectNoSecrets(allSecrets, in: [e?.message ?? ""], sourceLocation: sourceLocation)
    }
}
