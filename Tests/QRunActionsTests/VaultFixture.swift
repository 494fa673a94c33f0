import Foundation
import QRunCore
import Synchronization
import QRunTestSupport
import Testing
@testable import QRunActions

/// A running fake Vault (`Tests/Fixtures/fakes/vault_fake.py`) plus helpers to build calls,
/// drive its control API and read its state. The root token is a canary: no output, summary
/// or error may contain it.
struct VaultFixture {
    static let rootToken = "hvs.CANARYroot7f3aQzKx9wLmP2vN"

    let server: PythonServer
    let transport = CurlTransport()

    init() throws {
        server = try PythonServer("fakes/vault_fake.py", ["--root-token", Self.rootToken])
    }

    func stop() { server.stop() }

    /// The environment qrun would see: `VAULT_ADDR` and `VAULT_TOKEN` (root unless given).
    func environment(token: String? = rootToken, extra: [String: String] = [:]) -> [String: String] {
        var env = ["VAULT_ADDR": server.baseURL]
        if let token { env["VAULT_TOKEN"] = token }
        return env.merging(extra) { _, new in new }
    }

    func settings(token: String? = rootToken, extra: [String: String] = [:]) -> ProviderSettings {
        ProviderSettings(config: [:], environment: environment(token: token, extra: extra))
    }

    func call(_ params: [String: Value], verb: ActionVerb = .apply, key: String = "run-1/step-1", token: String? = rootToken,
              env extra: [String: String] = [:], redactor: Redactor = Redactor(), log: LogSink = LogSink()) -> ActionCall {
        ActionCall(runID: "run-1", stepID: "step-1", attempt: 1, idempotencyKey: key, verb: verb, params: params, timeout: nil,
                   secrets: SecretResolver.standard(redactor: redactor, environment: environment(token: token, extra: extra), baseDirectory: "/tmp"),
                   log: { log.append($0) })
    }

    /// POSTs a JSON body to a control endpoint (`/_fake/NAME`) and returns the answer.
    @discardableResult
    func control(_ name: String, _ body: Value = [:]) async throws -> Value {
        let r = try await transport.send(method: "POST", url: URL(string: "\(server.baseURL)/_fake/\(name)")!, json: body)
        #expect(r.status == 200, "control \(name) answered \(r.status): \(r.text())")
        return r.json
    }

    /// The fake's state (`/_fake/state`).
    func state() async throws -> Value {
        let r = try await transport.send(method: "GET", url: URL(string: "\(server.baseURL)/_fake/state")!)
        return r.json
    }

    func counter(_ name: String) async throws -> Int {
        try await state()["counters"]?[name]?.intValue ?? -1
    }

    /// Seeds a KV v2 secret version (not counted as an effect).
    func seed(_ path: String, _ data: Value, mount: String = "secret", custom: [String: String]? = nil) async throws {
        var body: [String: Value] = ["mount": .string(mount), "path": .string(path), "data": data]
        if let custom { body["custom_metadata"] = .object(custom.mapValues { .string($0) }) }
        try await control("kv", .object(body))
    }

    /// A token with `rules` (path → capabilities) as its only policy besides `default`.
    func token(rules: [String: [String]], name: String = "limited", ttl: Int = 3600) async throws -> (token: String, accessor: String) {
        try await control("policies", ["name": .string(name), "rules": .object(rules.mapValues { .array($0.map { .string($0) }) })])
        let r = try await control("tokens", ["policies": [.string(name)], "ttl": .int(ttl)])
        return (r["token"]?.stringValue ?? "", r["accessor"]?.stringValue ?? "")
    }

    /// Makes the next `count` matching requests fail with `status` (after carrying them out
    /// when `afterEffect`: the effect happened, the answer was lost).
    func fault(_ status: Int, match: String, method: String = "POST", count: Int = 1, afterEffect: Bool = false,
               retryAfter: Int? = nil) async throws {
        var body: [String: Value] = ["status": .int(status), "match": .string(match), "method": .string(method),
                                     "count": .int(count), "after_effect": .bool(afterEffect)]
        if let retryAfter { body["retry_after"] = .int(retryAfter) }
        try await control("fault", .object(body))
    }

    /// The versions of a KV secret in the fake, as version number → fields.
    func versions(_ path: String, mount: String = "secret") async throws -> [String: Value] {
        try await state()["kv"]?[mount]?[path]?["versions"]?.objectValue ?? [:]
    }

    func customMetadata(_ path: String, mount: String = "secret") async throws -> [String: Value] {
        try await state()["kv"]?[mount]?[path]?["custom_metadata"]?.objectValue ?? [:]
    }

    /// The `ActionError` `body` throws, or nil (recording an issue) when it does not throw one.
    static func failure(_ body: () async throws -> ActionResult, sourceLocation: Testing.SourceLocation = #_sourceLocation) async -> ActionError? {
        do {
            let r = try await body()
            Issue.record("expected a failure, got: \(r.summary)", sourceLocation: sourceLocation)
        } catch let e as ActionError {
            return e
        } catch {
            Issue.record("expected an ActionError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Records an issue when any of `secrets` appears, in any encoding, in `texts`.
    static func expectNoSecrets(_ secrets: [String], in texts: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for secret in secrets where !secret.isEmpty {
            let scanner = CanaryScanner(secret)
            for text in texts {
                let found = scanner.find(in: text)
                #expect(found.isEmpty, "a secret leaked (\(found)) into: \(text)", sourceLocation: sourceLocation)
            }
        }
    }

    static func texts(_ r: ActionResult) -> [String] { [r.summary, Value.object(r.outputs).jsonText] }
}

/// Collects log lines of an action call.
final class LogSink: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
