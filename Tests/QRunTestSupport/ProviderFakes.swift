import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Plain JSON over HTTP to the fakes' control APIs (no qrun code involved).
public enum FakeHTTP {
    /// Sends `method url` with an optional JSON body; returns the status and the decoded JSON (nil when empty).
    @discardableResult
    public static func send(_ method: String, _ url: String, json: Any? = nil, headers: [String: String] = [:]) async throws -> (status: Int, body: Any?) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 20
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed])
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let body = data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        return (status, body)
    }

    /// POSTs to a control endpoint and requires a 2xx answer.
    @discardableResult
    public static func control(_ url: String, _ json: Any? = nil) async throws -> [String: Any] {
        let (status, body) = try await send("POST", url, json: json ?? [String: Any]())
        guard (200...299).contains(status) else { throw TestFailure("\(url) answered \(status): \(String(describing: body))") }
        return body as? [String: Any] ?? [:]
    }

    /// GETs a JSON object.
    public static func getObject(_ url: String) async throws -> [String: Any] {
        let (status, body) = try await send("GET", url)
        guard status == 200, let o = body as? [String: Any] else { throw TestFailure("GET \(url) answered \(status)") }
        return o
    }

    /// Canonical JSON text (sorted keys), for comparing whole state dumps.
    public static func canonical(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject(value),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A Python fake started from a snippet (`python3 -c`) so it can be configured before it serves;
/// like ``PythonServer`` it prints `PORT <n>` when ready. Secrets go in the environment, never
/// in argv (a runbook's `ps` snapshot would capture argv).
public final class ScriptServer: Sendable {
    private let process: RunningProcess
    public let port: Int

    public init(code: String, env: [String: String] = [:], label: String) throws {
        // No __pycache__ written into the repository's fixtures by the import.
        var environment = ["PATH": ToolPath.value, "PYTHONDONTWRITEBYTECODE": "1"]
        for (k, v) in env { environment[k] = v }
        process = try RunningProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", code], environment: environment, cwd: nil, stdin: nil)
        let deadline = Date().addingTimeInterval(20)
        var port: Int?
        while Date() < deadline, process.isRunning {
            if let line = process.stdoutSoFar.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }) {
                port = Int(line.dropFirst(5))
                break
            }
            usleep(20_000)
        }
        guard let port else {
            process.signal(SIGKILL)
            throw TestFailure("\(label) did not start: \(process.wait(timeout: 1).stderr)")
        }
        self.port = port
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public func stop() {
        process.signal(SIGKILL)
        _ = process.wait(timeout: 5)
    }

    deinit { process.signal(SIGKILL) }
}

/// Every provider fake the credential-leak runbook talks to, started on 127.0.0.1 and seeded with
/// one standard incident world:
///
/// - **Vault** (`fakes/vault_fake.py`): qrun's operator token (policy `qrun-responder`: revoke and
///   look up accessors, read/write `secret/data|metadata/quantum/*`), a leaked agent token with a
///   child token, a bystander token, and the guarded secrets `secret/quantum/<provider>` (fields
///   `token`, `owner`) at version 1 for every provider.
/// - **AWS**: the real moto server (IAM; user `quantum-ci` with two access keys, the first leaked;
///   role `quantum-runner`) and the Braket fake, which accepts moto's `admin` key (allowed) and
///   `limited` key (denied) so one AWS identity works against both, as it does at AWS.
///   Braket tasks: two active ones created after ``since`` (cancelled by the runbook), one
///   completed after it, one queued before it (both left alone).
/// - **Azure** (`fakes/azure_fake.py`): qrun's operator app registration (Graph
///   Application.ReadWrite.All) and the target app whose client secret leaked, plus a second,
///   unrelated client secret on it that must survive.
/// - **IBM** (`fakes/ibm_fake.py`) when that fake exists.
public final class ProviderFakes: @unchecked Sendable {
    // @unchecked: every stored property is set once in init (servers are Sendable).

    public enum Provider: String, CaseIterable, Sendable {
        case vault, braket, azure = "azure-quantum", ibm = "ibm-quantum"
    }

    // Vault
    public static let vaultOperatorToken = "hvs.CANARYqrunOperator-e2e-7Qm2xW9pLk"
    public static let leakedVaultToken = "hvs.LEAKEDagentToken-e2e-4Rt8Yz1Nc"
    public static let operatorPolicy: [String: [String]] = [
        "auth/token/revoke-accessor": ["update"],
        "auth/token/lookup-accessor": ["update"],
        "secret/data/quantum/*": ["read", "create", "update"],
        "secret/metadata/quantum/*": ["read", "create", "update"],
    ]
    /// The value each guarded secret holds before the incident (`secret/quantum/<provider>#token`).
    public static func oldGuardedValue(_ p: Provider) -> String { "qg-OLD-\(p.rawValue)-value/+=3e7c91" }

    // Azure (same identities as Tests/QRunActionsTests/AzureFake.swift)
    public static let azureTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    public static let azureOperatorObjectID = "0f0e0d0c-0b0a-4909-8807-060504030201"
    public static let azureOperatorAppID = "a1b2c3d4-0000-4000-8000-00000000abcd"
    public static let azureOperatorSecret = "Op~CANARY-azure-e2e-client-secret/9c1f+"
    public static let azureTargetObjectID = "5d6e7f80-1111-4222-8333-444455556666"
    public static let azureTargetAppID = "c0ffee00-aaaa-4bbb-8ccc-dddddddddddd"
    public static let azureLeakedKeyID = "f0b0b335-1d71-4883-8f98-567911bfdca6"
    public static let azureLeakedSecret = "LkD~CANARY-leaked-quantum-secret-77"
    public static let azureOtherKeyID = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"

    // IBM (the fixed world of Tests/Fixtures/fakes/ibm_fake.py)
    public static let ibmOperatorAPIKey = "admin-apikey-0123456789abcdef"
    public static let ibmLeakedKeyID = "ApiKey-leaked-1"
    public static let ibmLeakedKeyValue = "leaked-apikey-value-1111"
    public static let ibmInstanceCRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/acct-1:instance-1::"
    public static let ibmSince = "2026-01-10T10:00:00Z"

    // Braket
    public static let since = "2026-11-25T06:00:00Z"
    public static let taskQueuedAfter = "arn:aws:braket:us-east-1:123456789012:quantum-task/aaaaaaaa-0000-4000-8000-000000000001"
    public static let taskRunningAfter = "arn:aws:braket:us-east-1:123456789012:quantum-task/aaaaaaaa-0000-4000-8000-000000000002"
    public static let taskCompletedAfter = "arn:aws:braket:us-east-1:123456789012:quantum-task/aaaaaaaa-0000-4000-8000-000000000003"
    public static let taskQueuedBefore = "arn:aws:braket:us-east-1:123456789012:quantum-task/aaaaaaaa-0000-4000-8000-000000000004"
    public static let awsUser = "quantum-ci"
    public static let awsRole = "quantum-runner"

    public let vault: PythonServer
    public let azure: PythonServer?
    public let moto: MotoServer?
    public let braket: ScriptServer?
    public let ibm: PythonServer?

    /// Accessor of the leaked Vault token, of a child it created, and of an unrelated token.
    public let leakedVaultAccessor: String
    public let leakedVaultChildAccessor: String
    public let bystanderVaultAccessor: String
    /// The access key ID that leaked (user `quantum-ci`'s first key) and the user's other key.
    public let leakedAWSKey: String?
    public let otherAWSKey: String?

    /// Starts the fakes for `providers` (Vault always: it guards every provider's secret).
    public init(_ providers: Set<Provider>) async throws {
        vault = try PythonServer("fakes/vault_fake.py")
        let v = vault.baseURL
        try await FakeHTTP.control(v + "/_fake/policies", ["name": "qrun-responder", "rules": Self.operatorPolicy])
        try await FakeHTTP.control(v + "/_fake/policies", ["name": "quantum-agent", "rules": [
            "auth/token/create": ["update"], "secret/data/quantum/*": ["read"],
        ]])
        try await FakeHTTP.control(v + "/_fake/tokens", ["id": Self.vaultOperatorToken, "policies": ["qrun-responder"], "ttl": 7200])
        let leaked = try await FakeHTTP.control(v + "/_fake/tokens", ["id": Self.leakedVaultToken, "policies": ["quantum-agent"], "ttl": 7200])
        leakedVaultAccessor = leaked["accessor"] as? String ?? ""
        let (status, child) = try await FakeHTTP.send("POST", v + "/v1/auth/token/create", json: ["policies": ["quantum-agent"], "ttl": "1h"],
                                                      headers: ["X-Vault-Token": Self.leakedVaultToken])
        guard status == 200, let auth = (child as? [String: Any])?["auth"] as? [String: Any], let childAccessor = auth["accessor"] as? String else {
            throw TestFailure("could not create the leaked token's child: \(status) \(String(describing: child))")
        }
        leakedVaultChildAccessor = childAccessor
        let bystander = try await FakeHTTP.control(v + "/_fake/tokens", ["policies": ["quantum-agent"], "ttl": 7200])
        bystanderVaultAccessor = bystander["accessor"] as? String ?? ""
        for p in Provider.allCases {
            try await FakeHTTP.control(v + "/_fake/kv", ["mount": "secret", "path": "quantum/\(p.rawValue)",
                                                        "data": ["token": Self.oldGuardedValue(p), "owner": "quantum-ci"]])
        }

        if providers.contains(.braket) {
            let moto = try MotoServer(users: [Self.awsUser: 2], roles: [Self.awsRole])
            self.moto = moto
            leakedAWSKey = moto.accessKeys[Self.awsUser]?.first
            otherAWSKey = moto.accessKeys[Self.awsUser]?.last
            let keys: [String: Any] = [moto.admin.id: ["secret": moto.admin.secret, "allow": true],
                                       moto.limited.id: ["secret": moto.limited.secret, "allow": false]]
            let code = """
                import json, os, sys
                sys.path.insert(0, sys.argv[1])
                import braket_fake
                braket_fake.KEYS.update(json.loads(os.environ["BRAKET_EXTRA_KEYS"]))
                braket_fake.main()
                """
            // The fakes directory goes in argv after the snippet (not a secret); keys via the environment.
            let dir = (Fixtures.path("fakes/braket_fake.py") as NSString).deletingLastPathComponent
            braket = try ScriptServer(code: code.replacingOccurrences(of: "sys.argv[1]", with: "'\(dir)'"),
                                      env: ["BRAKET_EXTRA_KEYS": FakeHTTP.canonical(keys)], label: "braket_fake.py")
            let tasks: [[String: Any]] = [
                ["quantumTaskArn": Self.taskQueuedAfter, "status": "QUEUED", "createdAt": "2026-11-25T07:00:00.000Z"],
                ["quantumTaskArn": Self.taskRunningAfter, "status": "RUNNING", "createdAt": "2026-11-25T07:30:00.000Z"],
                ["quantumTaskArn": Self.taskCompletedAfter, "status": "COMPLETED", "createdAt": "2026-11-25T07:10:00.000Z"],
                ["quantumTaskArn": Self.taskQueuedBefore, "status": "QUEUED", "createdAt": "2026-11-25T05:00:00.000Z"],
            ]
            try await FakeHTTP.control(braket!.baseURL + "/_fake/tasks", tasks)
        } else {
            moto = nil
            braket = nil
            leakedAWSKey = nil
            otherAWSKey = nil
        }

        if providers.contains(.azure) {
            let azure = try PythonServer("fakes/azure_fake.py")
            self.azure = azure
            try await FakeHTTP.control(azure.baseURL + "/_fake/applications", [
                "tenant": Self.azureTenant, "id": Self.azureOperatorObjectID, "appId": Self.azureOperatorAppID,
                "displayName": "qrun-responder", "roles": ["Application.ReadWrite.All"],
                "passwordCredentials": [["keyId": "99999999-8888-4777-8666-555544443333", "displayName": "qrun", "secretText": Self.azureOperatorSecret]],
            ])
            try await FakeHTTP.control(azure.baseURL + "/_fake/applications", [
                "tenant": Self.azureTenant, "id": Self.azureTargetObjectID, "appId": Self.azureTargetAppID,
                "displayName": "quantum-workspace-runner",
                "passwordCredentials": [
                    ["keyId": Self.azureLeakedKeyID, "displayName": "ci-pipeline", "endDateTime": "2031-03-01T00:00:00Z", "secretText": Self.azureLeakedSecret],
                    ["keyId": Self.azureOtherKeyID, "displayName": "backup", "endDateTime": "2030-01-01T00:00:00Z", "secretText": "BkpOtherSecretValue-1"],
                ],
            ])
        } else {
            azure = nil
        }

        if providers.contains(.ibm) {
            guard FileManager.default.fileExists(atPath: Fixtures.path("fakes/ibm_fake.py")) else {
                throw TestFailure("Tests/Fixtures/fakes/ibm_fake.py does not exist yet")
            }
            ibm = try PythonServer("fakes/ibm_fake.py")
        } else {
            ibm = nil
        }
    }

    /// Stops every fake this instance started.
    public func stop() {
        vault.stop()
        azure?.stop()
        moto?.stop()
        braket?.stop()
        ibm?.stop()
    }

    // MARK: - What qrun is given

    /// The provider environment qrun runs with: Vault always, plus AWS and Azure when started.
    public var environment: [String: String] {
        var env = ["VAULT_ADDR": vault.baseURL, "VAULT_TOKEN": Self.vaultOperatorToken]
        if let moto, let braket {
            env["AWS_ACCESS_KEY_ID"] = moto.admin.id
            env["AWS_SECRET_ACCESS_KEY"] = moto.admin.secret
            env["AWS_REGION"] = "us-east-1"
            env["AWS_ENDPOINT_URL_IAM"] = moto.baseURL
            env["AWS_ENDPOINT_URL_BRAKET"] = braket.baseURL
        }
        if azure != nil {
            env["AZURE_TENANT_ID"] = Self.azureTenant
            env["AZURE_CLIENT_ID"] = Self.azureOperatorAppID
            env["AZURE_CLIENT_SECRET"] = Self.azureOperatorSecret
        }
        if ibm != nil {
            env["IBMCLOUD_API_KEY"] = Self.ibmOperatorAPIKey
        }
        return env
    }

    /// `qrun.yaml` with the endpoints that have no standard variable.
    public var workspaceConfig: String {
        var lines = ["providers:"]
        if let azure {
            lines += ["  azure:", "    authority: \(azure.baseURL)/login", "    graph_endpoint: \(azure.baseURL)/graph"]
        }
        if let ibm {
            lines += ["  ibm:", "    iam_endpoint: \(ibm.baseURL)", "    quantum_endpoint: \(ibm.baseURL)/api",
                      "    quantum_instance: \"\(Self.ibmInstanceCRN)\""]
        }
        if lines.count == 1 { lines = ["providers: {}"] }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Observing the fakes

    /// Vault's `/_fake/state`.
    public func vaultState() async throws -> [String: Any] { try await FakeHTTP.getObject(vault.baseURL + "/_fake/state") }

    /// Azure's `/_fake/state`.
    public func azureState() async throws -> [String: Any] {
        guard let azure else { throw TestFailure("azure fake not started") }
        return try await FakeHTTP.getObject(azure.baseURL + "/_fake/state")
    }

    /// Braket's `/_fake/state`.
    public func braketState() async throws -> [String: Any] {
        guard let braket else { throw TestFailure("braket fake not started") }
        return try await FakeHTTP.getObject(braket.baseURL + "/_fake/state")
    }

    /// moto's whole state (`/moto-api/data.json`, every backend's models).
    public func motoState() async throws -> [String: Any] {
        guard let moto else { throw TestFailure("moto not started") }
        return try await FakeHTTP.getObject(moto.baseURL + "/moto-api/data.json")
    }

    /// `secret/quantum/<provider>` in the Vault fake: current version and each version's data.
    public func guardedSecret(_ p: Provider) async throws -> (version: Int, versions: [String: [String: Any]]) {
        let kv = (try await vaultState()["kv"] as? [String: Any])?["secret"] as? [String: Any]
        let entry = kv?["quantum/\(p.rawValue)"] as? [String: Any] ?? [:]
        return (entry["current_version"] as? Int ?? -1, entry["versions"] as? [String: [String: Any]] ?? [:])
    }

    /// A Vault token's state by accessor (`revoked`, policies, …).
    public func vaultToken(_ accessor: String) async throws -> [String: Any] {
        (try await vaultState()["tokens"] as? [String: Any])?[accessor] as? [String: Any] ?? [:]
    }

    /// Every fake's full state with only the request logs taken out (reads append to those), for
    /// before/after comparisons. moto: access keys' `last_used` is dropped too (AWS updates it on
    /// every signed request, reads included).
    public func snapshot() async throws -> [String: String] {
        var out: [String: String] = [:]
        var v = try await vaultState()
        v["log"] = nil
        out["vault"] = FakeHTTP.canonical(v)
        if azure != nil {
            var a = try await azureState()
            a["requests"] = nil
            a["tokens_issued"] = nil
            out["azure"] = FakeHTTP.canonical(a)
        }
        if braket != nil {
            var b = try await braketState()
            b["calls"] = nil
            out["braket"] = FakeHTTP.canonical(b)
        }
        if moto != nil {
            out["moto"] = FakeHTTP.canonical(Self.withoutLastUsed(try await motoState()))
        }
        if let ibm {
            var i = try await FakeHTTP.getObject(ibm.baseURL + "/_fake/state")
            for k in ["requests", "token_requests", "tokens_issued"] { i[k] = nil }
            out["ibm"] = FakeHTTP.canonical(i)
        }
        return out
    }

    /// IBM's `/_fake/state`.
    public func ibmState() async throws -> [String: Any] {
        guard let ibm else { throw TestFailure("ibm fake not started") }
        return try await FakeHTTP.getObject(ibm.baseURL + "/_fake/state")
    }

    /// The request logs of the fakes (what a drill sent), for "only reads" checks.
    public func requestLogs() async throws -> (vault: [[String: Any]], azure: [String], braket: [[String: Any]]) {
        let v = try await vaultState()["log"] as? [[String: Any]] ?? []
        let a = azure == nil ? [] : (try await azureState()["requests"] as? [String] ?? [])
        let b = braket == nil ? [] : (try await braketState()["calls"] as? [[String: Any]] ?? [])
        return (v, a, b)
    }

    static func withoutLastUsed(_ any: Any) -> Any {
        if var o = any as? [String: Any] {
            if o["access_key_id"] != nil { o["last_used"] = nil }
            return o.mapValues(withoutLastUsed)
        }
        if let a = any as? [Any] { return a.map(withoutLastUsed) }
        return any
    }

    /// Several boto3 calls in one Python process (as moto's administrator), answers by label.
    public func boto3(_ calls: [(label: String, service: String, method: String, args: [String: Any])]) throws -> [String: Any] {
        guard let moto else { throw TestFailure("moto not started") }
        let spec = calls.map { ["label": $0.label, "service": $0.service, "method": $0.method, "args": $0.args] as [String: Any] }
        let code = """
            import json, os, sys, boto3, botocore
            out = {}
            for c in json.loads(os.environ["CALLS"]):
                cl = boto3.client(c["service"], endpoint_url=os.environ["URL"], region_name="us-east-1",
                                  aws_access_key_id=os.environ["KID"], aws_secret_access_key=os.environ["KSECRET"],
                                  config=botocore.config.Config(retries={"max_attempts": 1}))
                try:
                    r = getattr(cl, c["method"])(**c["args"]); r.pop("ResponseMetadata", None); out[c["label"]] = r
                except botocore.exceptions.ClientError as e:
                    out[c["label"]] = {"Error": e.response.get("Error", {})}
            print(json.dumps(out, default=str))
            """
        let p = try RunningProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", code],
                                   environment: ["PATH": ToolPath.value, "CALLS": FakeHTTP.canonical(spec), "URL": moto.baseURL,
                                                 "KID": moto.admin.id, "KSECRET": moto.admin.secret], cwd: nil, stdin: nil)
        let r = p.wait(timeout: 60)
        guard r.status == 0, let o = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("boto3 calls failed (\(r.status)): \(r.stderr.suffix(600))")
        }
        return o
    }
}
