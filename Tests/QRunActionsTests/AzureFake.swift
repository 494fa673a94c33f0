import Foundation
import QRunCore
import QRunTestSupport
import Synchronization
@testable import QRunActions

/// `Tests/Fixtures/fakes/azure_fake.py` with one tenant, qrun's own app registration (the
/// operator identity, with a canary client secret) and a target app whose client secret leaked.
final class AzureFake: Sendable {
    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    static let operatorObjectID = "0f0e0d0c-0b0a-4909-8807-060504030201"
    static let operatorAppID = "a1b2c3d4-0000-4000-8000-00000000abcd"
    static let operatorSecret = "Op~CANARY-azure-client-secret-9c1f"
    static let targetObjectID = "5d6e7f80-1111-4222-8333-444455556666"
    static let targetAppID = "c0ffee00-aaaa-4bbb-8ccc-dddddddddddd"
    static let leakedKeyID = "f0b0b335-1d71-4883-8f98-567911bfdca6"
    static let leakedSecret = "LkD~CANARY-leaked-quantum-secret-77"
    static let otherKeyID = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
    static let spObjectID = "9e8d7c6b-5a49-4838-9726-150403020100"
    static let spKeyID = "11112222-3333-4444-8555-666677778888"
    static let spSecret = "SpX~CANARY-sp-secret-0042"

    let server: PythonServer

    /// Starts the fake and seeds the operator app with `roles` (Graph application permissions)
    /// and `vaultPermissions` (Key Vault access policy), plus the target app and service principal.
    init(roles: [String] = ["Application.ReadWrite.All"], vaultPermissions: [String] = ["get", "list", "set"]) async throws {
        server = try PythonServer("fakes/azure_fake.py")
        try await control("/_fake/applications", [
            "tenant": .string(Self.tenant), "id": .string(Self.operatorObjectID), "appId": .string(Self.operatorAppID),
            "displayName": "qrun-responder", "roles": .array(roles.map(Value.string)),
            "vault_permissions": .array(vaultPermissions.map(Value.string)),
            "passwordCredentials": [["keyId": "99999999-8888-4777-8666-555544443333", "displayName": "qrun", "secretText": .string(Self.operatorSecret)]],
        ])
        try await control("/_fake/applications", [
            "tenant": .string(Self.tenant), "id": .string(Self.targetObjectID), "appId": .string(Self.targetAppID),
            "displayName": "quantum-workspace-runner",
            "passwordCredentials": [
                ["keyId": .string(Self.leakedKeyID), "displayName": "ci-pipeline", "endDateTime": "2031-03-01T00:00:00Z",
                 "secretText": .string(Self.leakedSecret)],
                ["keyId": .string(Self.otherKeyID), "displayName": "backup", "endDateTime": "2030-01-01T00:00:00Z", "secretText": "BkpOtherSecretValue-1"],
            ],
        ])
        try await control("/_fake/servicePrincipals", [
            "tenant": .string(Self.tenant), "id": .string(Self.spObjectID), "appId": "55555555-6666-4777-8888-999999999999",
            "displayName": "quantum-sp",
            "passwordCredentials": [["keyId": .string(Self.spKeyID), "displayName": "sp-secret", "secretText": .string(Self.spSecret)]],
        ])
    }

    deinit { server.stop() }

    var authority: String { server.baseURL + "/login" }
    var graph: String { server.baseURL + "/graph" }
    var vault: String { server.baseURL + "/kv" }

    /// The standard environment for the operator app.
    var environment: [String: String] {
        ["AZURE_TENANT_ID": Self.tenant, "AZURE_CLIENT_ID": Self.operatorAppID, "AZURE_CLIENT_SECRET": Self.operatorSecret]
    }

    /// Provider settings pointing at the fake (config keys), with `environment` as the process environment.
    func settings(_ env: [String: String]? = nil) -> ProviderSettings {
        ProviderSettings(config: ["azure": ["authority": authority, "graph_endpoint": graph]], environment: env ?? environment)
    }

    /// `(remove-password, rotate)` wired to the fake.
    func actions(_ env: [String: String]? = nil) -> (remove: any Action, rotate: any Action) {
        let all = AzureActions.all(transport: CurlTransport(), settings: settings(env))
        return (all.first { $0.descriptor.name == "azure.app.remove-password" }!,
                all.first { $0.descriptor.name == "azure.keyvault.secret.rotate" }!)
    }

    /// An action call whose secret resolver sees `env` (defaults to ``environment``).
    func call(_ params: [String: Value], verb: ActionVerb = .apply, key: String = "6f1c2a9e-0d4b-4e8a-9b7c-3a2d1e0f9c8b",
              env: [String: String]? = nil, redactor: Redactor = Redactor()) -> ActionCall {
        ActionCall(runID: "20261125T080102Z-k3f9qa", stepID: "contain", attempt: 1, idempotencyKey: key, verb: verb, params: params,
                   timeout: nil, secrets: SecretResolver.standard(redactor: redactor, environment: env ?? environment, baseDirectory: "/tmp"),
                   log: { _ in })
    }

    /// POSTs JSON to a control path.
    @discardableResult
    func control(_ path: String, _ body: Value = .object([:])) async throws -> Value {
        let r = try await CurlTransport().send(method: "POST", url: URL(string: server.baseURL + path)!, json: body)
        guard r.status == 200 else { throw TestFailure("\(path) answered \(r.status): \(r.text())") }
        return r.json
    }

    /// `/_fake/state` as a ``Value``.
    func state() async throws -> Value {
        let r = try await CurlTransport().send(method: "GET", url: URL(string: server.baseURL + "/_fake/state")!)
        return r.json
    }

    /// Fails the next `count` requests under `prefix` (and `method`) with `status`; `after`
    /// performs the request first (a lost answer).
    func fault(_ prefix: String, status: Int, method: String? = nil, count: Int = 1, retryAfter: Int? = nil, after: Bool = false) async throws {
        var body: [String: Value] = ["prefix": .string(prefix), "status": .int(status), "count": .int(count), "after": .bool(after)]
        if let method { body["method"] = .string(method) }
        if let retryAfter { body["retry_after"] = .int(retryAfter) }
        try await control("/_fake/fault", .object(body))
    }

    /// A token request as `clientID` with `secret`, straight to the fake (proves what Entra accepts).
    func tokenStatus(clientID: String, secret: String, scope: String = AzureSettings.globalGraphScope) async throws -> (Int, Value) {
        let r = try await CurlTransport().send(method: "POST", url: URL(string: "\(authority)/\(Self.tenant)/oauth2/v2.0/token")!, form: [
            ("client_id", clientID), ("client_secret", secret), ("scope", scope), ("grant_type", "client_credentials"),
        ])
        return (r.status, r.json)
    }
}

/// The error an async throwing closure threw, as an ``ActionError`` (nil when it succeeded).
func azureFailure(_ body: () async throws -> ActionResult) async -> ActionError? {
    do {
        _ = try await body()
        return nil
    } catch let e as ActionError {
        return e
    } catch {
        return ActionError(message: "unexpected error type: \(error)", retryable: false)
    }
}

/// A clock tests move by hand.
final class AzureTestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
