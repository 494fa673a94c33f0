import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `aws.braket.cancel-tasks` against the Braket fake (SigV4 verified by the fake).
@Suite
struct AWSBraketActionTests {
    static let keyID = "AKIDBRAKETFAKE000001"
    static let secret = "braketFakeSecretKey/000000000000000000001"
    static let sv1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
    static let other = "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1"
    static func arn(_ n: String) -> String { "arn:aws:braket:us-east-1:123456789012:quantum-task/task-\(n)" }

    /// A fake with tasks A (queued, tagged), B (running), C (queued before the window),
    /// D (completed) and E (queued on another device).
    func fake() async throws -> PythonServer {
        let server = try PythonServer("fakes/braket_fake.py")
        let tasks: [[String: Any]] = [
            ["quantumTaskArn": Self.arn("a"), "status": "QUEUED", "createdAt": "2026-11-25T09:00:00.000Z", "deviceArn": Self.sv1, "tags": ["team": "q"]],
            ["quantumTaskArn": Self.arn("b"), "status": "RUNNING", "createdAt": "2026-11-25T09:30:00.000Z", "deviceArn": Self.sv1],
            ["quantumTaskArn": Self.arn("c"), "status": "QUEUED", "createdAt": "2026-11-24T00:00:00.000Z", "deviceArn": Self.sv1],
            ["quantumTaskArn": Self.arn("d"), "status": "COMPLETED", "createdAt": "2026-11-25T10:00:00.000Z", "deviceArn": Self.sv1],
            ["quantumTaskArn": Self.arn("e"), "status": "QUEUED", "createdAt": "2026-11-25T10:00:00.000Z", "deviceArn": Self.other],
        ]
        try await post(server, "/_fake/tasks", tasks)
        return server
    }

    func post(_ server: PythonServer, _ path: String, _ body: Any = [String: Any]()) async throws {
        let data = try JSONSerialization.data(withJSONObject: body)
        let r = try await CurlTransport().send(HTTPRequest(method: "POST", url: URL(string: server.baseURL + path)!, body: data))
        #expect(r.status == 200)
    }

    func state(_ server: PythonServer) throws -> [String: Any] { try server.getJSON("/_fake/state") as! [String: Any] }
    func effects(_ server: PythonServer) throws -> [String: Int] { try state(server)["cancel_effects"] as? [String: Int] ?? [:] }
    func calls(_ server: PythonServer, _ op: String) throws -> [[String: Any]] {
        (try state(server)["calls"] as? [[String: Any]] ?? []).filter { $0["op"] as? String == op }
    }
    func status(_ server: PythonServer, _ arn: String) throws -> String? {
        ((try state(server)["tasks"] as? [String: Any])?[arn] as? [String: Any])?["status"] as? String
    }

    func env(_ server: PythonServer, id: String = keyID, secret: String = secret) -> [String: String] {
        ["AWS_ENDPOINT_URL_BRAKET": server.baseURL, "AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ACCESS_KEY_ID": id,
         "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": "us-east-1"]
    }

    static let window: [String: Value] = ["created_after": "2026-11-25T08:30:00Z", "device_arn": .string(sv1)]

    @Test func plansCancelsOnceAndVerifies() async throws {
        let server = try await fake()
        defer { server.stop() }
        let env = env(server)
        let action = AWSTest.action("aws.braket.cancel-tasks", env: env)

        let plan = try await action.plan(AWSTest.call(Self.window, env: env, verb: .plan))
        #expect(plan.outputs["would_cancel"] == 2)
        #expect(plan.outputs["task_arns"] == .array([.string(Self.arn("a")), .string(Self.arn("b"))]))
        #expect(plan.summary == "would cancel 2 quantum tasks created at or after 2026-11-25T08:30:00Z on \(Self.sv1)")
        #expect(try calls(server, "CancelQuantumTask").isEmpty, "plan changed nothing")

        let call = AWSTest.call(Self.window, env: env)
        let first = try await action.apply(call)
        #expect(first.outputs["cancelled"] == 2)
        #expect(first.outputs["newly_cancelled"] == 2)
        #expect(first.outputs["task_arns"] == .array([.string(Self.arn("a")), .string(Self.arn("b"))]))
        #expect(try effects(server) == [Self.arn("a"): 1, Self.arn("b"): 1])
        #expect(try status(server, Self.arn("a")) == "CANCELLED")
        #expect(try status(server, Self.arn("b")) == "CANCELLING")
        #expect(try status(server, Self.arn("c")) == "QUEUED", "outside the window")
        #expect(try status(server, Self.arn("e")) == "QUEUED", "another device")
        let tokens = try calls(server, "CancelQuantumTask").compactMap { $0["clientToken"] as? String }
        #expect(Set(tokens) == [AWSBraketCancelTasksAction.clientToken(call, arn: Self.arn("a")),
                                AWSBraketCancelTasksAction.clientToken(call, arn: Self.arn("b"))])
        #expect(tokens.allSatisfy { $0.count == 64 })

        // Resume after a crash between the cancellations and the commit: same outputs, no new call.
        let again = try await action.apply(AWSTest.call(Self.window, env: env))
        #expect(again.outputs["cancelled"] == 2)
        #expect(again.outputs["newly_cancelled"] == 0)
        #expect(again.outputs["task_arns"] == first.outputs["task_arns"])
        #expect(try effects(server) == [Self.arn("a"): 1, Self.arn("b"): 1])
        #expect(try calls(server, "CancelQuantumTask").count == 2)

        let v = try await action.verify(AWSTest.call(Self.window, env: env, verb: .verify))
        #expect(v.outputs["verified"] == true)
        #expect(v.outputs["residual_validity"]?.stringValue?.hasPrefix("Tasks still CANCELLING may finish") == true)

        try await post(server, "/_fake/tasks", [["quantumTaskArn": Self.arn("f"), "status": "QUEUED", "createdAt": "2026-11-25T11:00:00.000Z", "deviceArn": Self.sv1]])
        let late = await AWSTest.failure { try await action.verify(AWSTest.call(Self.window, env: env, verb: .verify)) }
        #expect(late?.message == "1 quantum task is still created, queued or running created at or after 2026-11-25T08:30:00Z on \(Self.sv1), e.g. \(Self.arn("f"))")
        #expect(late?.retryable == true)
        AWSTest.expectNoSecrets([Self.secret], results: [plan, first, again, v], errors: [late])
    }

    @Test func tagsNarrowTheScopeAndRacesAreSettled() async throws {
        let server = try await fake()
        defer { server.stop() }
        let env = env(server)
        let action = AWSTest.action("aws.braket.cancel-tasks", env: env)
        let tagged = try await action.apply(AWSTest.call(["tags": ["team": "q"]], env: env))
        #expect(tagged.outputs["task_arns"] == .array([.string(Self.arn("a"))]))
        #expect(try effects(server) == [Self.arn("a"): 1])

        // Task E finishes on its own just before our cancellation reaches it: 409, then GetQuantumTask.
        let e = Self.arn("e").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        try await post(server, "/_fake/finish-before-cancel?arn=\(e)&status=COMPLETED")
        let r = try await action.apply(AWSTest.call(["created_after": "2026-11-25T08:30:00Z"], env: env, key: "step-2"))
        #expect(r.outputs["finished_before_cancel"] == .array([.string(Self.arn("e"))]))
        #expect(r.outputs["task_arns"] == .array([.string(Self.arn("a")), .string(Self.arn("b"))]))
        #expect(r.outputs["newly_cancelled"] == 1)
        #expect(try calls(server, "GetQuantumTask").count == 1)
        #expect(try effects(server) == [Self.arn("a"): 1, Self.arn("b"): 1])
    }

    @Test func errorsAreClassified() async throws {
        let server = try await fake()
        defer { server.stop() }
        let env = env(server)
        let action = AWSTest.action("aws.braket.cancel-tasks", env: env)
        try await post(server, "/_fake/fail?count=1&status=503")
        let e503 = await AWSTest.failure { try await action.apply(AWSTest.call(Self.window, env: env)) }
        #expect(e503?.message == "Braket SearchQuantumTasks failed: ServiceUnavailableException (HTTP 503): injected failure")
        #expect(e503?.retryable == true)
        try await post(server, "/_fake/ratelimit?retry_after=7")
        let e429 = await AWSTest.failure { try await action.apply(AWSTest.call(Self.window, env: env)) }
        #expect(e429?.message == "Braket SearchQuantumTasks failed: ThrottlingException (HTTP 429): Rate exceeded")
        #expect(e429?.retryable == true)
        #expect(e429?.retryAfter == .seconds(7))

        let deniedEnv = self.env(server, id: "AKIDBRAKETDENIED0001", secret: "braketFakeSecretKey/000000000000000000002")
        let denied = await AWSTest.failure { try await AWSTest.action("aws.braket.cancel-tasks", env: deniedEnv).apply(AWSTest.call(Self.window, env: deniedEnv)) }
        #expect(denied?.message.hasPrefix("Braket SearchQuantumTasks failed: AccessDeniedException (HTTP 403): User: ") == true)
        #expect(denied?.retryable == false)

        let wrong = "wrongSecret/000000000000000000000000000000"
        let wrongEnv = self.env(server, secret: wrong)
        let badSig = await AWSTest.failure { try await AWSTest.action("aws.braket.cancel-tasks", env: wrongEnv).apply(AWSTest.call(Self.window, env: wrongEnv)) }
        #expect(badSig?.message.hasPrefix("Braket SearchQuantumTasks failed: InvalidSignatureException (HTTP 403): The request signature we calculated does not match") == true)
        #expect(badSig?.message.contains("check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY") == true)
        #expect(badSig?.retryable == false)
        #expect((try state(server)["auth_failures"] as? [[String: String]])?.map { $0["code"] } == ["InvalidSignatureException"])

        let tooMany = await AWSTest.failure { try await action.apply(AWSTest.call(["created_after": "2026-01-01T00:00:00Z", "max_tasks": 2], env: env)) }
        #expect(tooMany?.message == "4 quantum tasks match created at or after 2026-01-01T00:00:00Z, more than max_tasks (2); narrow the scope or raise max_tasks")
        #expect(try effects(server).isEmpty, "no failed call cancelled anything")
        AWSTest.expectNoSecrets([Self.secret, wrong, "braketFakeSecretKey/000000000000000000002"], results: [], errors: [e503, e429, denied, badSig, tooMany])
    }

    /// `created_after` as a duration is that long before now; as a time, that time in UTC.
    @Test func createdAfterTakesADurationOrATime() throws {
        let now = try #require(Timestamp.parse("2026-11-25T12:00:00Z"))
        let env: [String: String] = [:]
        #expect(try AWSBraketTaskSearch(AWSTest.call(["created_after": "6h"], env: env), now: now).createdAfter == "2026-11-25T06:00:00Z")
        #expect(try AWSBraketTaskSearch(AWSTest.call(["created_after": "90m"], env: env), now: now).createdAfter == "2026-11-25T10:30:00Z")
        #expect(try AWSBraketTaskSearch(AWSTest.call(["created_after": "2026-11-24T08:00:00.000Z"], env: env), now: now).createdAfter == "2026-11-24T08:00:00Z")
    }

    @Test func refusesAnUnscopedOrMalformedRequestAndMissingCredentials() async throws {
        let env = ["AWS_ENDPOINT_URL_BRAKET": "http://127.0.0.1:1", "AWS_ACCESS_KEY_ID": Self.keyID, "AWS_SECRET_ACCESS_KEY": Self.secret]
        let action = AWSTest.action("aws.braket.cancel-tasks", env: env)
        let unscoped = await AWSTest.failure { try await action.plan(AWSTest.call([:], env: env, verb: .plan)) }
        #expect(unscoped?.message.hasPrefix("give at least one of 'created_after', 'device_arn' or 'tags'; Braket cannot tell which identity created a task") == true)
        let badTime = await AWSTest.failure { try await action.plan(AWSTest.call(["created_after": "yesterday"], env: env, verb: .plan)) }
        #expect(badTime?.message == "parameter 'created_after' must be a UTC time such as 2026-11-25T08:00:00Z, or a duration such as 6h meaning that long before now")
        let noCreds = ["AWS_ENDPOINT_URL_BRAKET": "http://127.0.0.1:1"]
        let missing = await AWSTest.failure { try await AWSTest.action("aws.braket.cancel-tasks", env: noCreds).plan(AWSTest.call(Self.window, env: noCreds, verb: .plan)) }
        #expect(missing?.message == "no AWS access key ID configured; set AWS_ACCESS_KEY_ID or providers.aws.access_key_id (a secret reference such as secret:env:NAME)")
        let refused = await AWSTest.failure { try await action.plan(AWSTest.call(Self.window, env: env, verb: .plan)) }
        #expect(refused?.retryable == true, "connection refused may be retried")
        #expect(refused?.message.hasPrefix("Braket SearchQuantumTasks failed: cannot reach http://127.0.0.1:1") == true, "\(refused?.message ?? "none")")
    }
}
