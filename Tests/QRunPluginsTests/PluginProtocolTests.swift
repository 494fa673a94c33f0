import Foundation
import QRunCore
@testable import QRunPlugins
import QRunPluginWire
import QRunTestSupport
import Testing

@Suite("Plugin protocol and broken plugins")
struct PluginProtocolTests {
    let who = "plugin 'p' (action test.p.run, apply)"

    func failure(_ script: String, mode: Int = 0o755, extra: String = "", log: LogLines = LogLines()) async throws -> ActionError? {
        let box = try PluginSandbox("pp")
        defer { box.cleanup() }
        try box.write(plugin: "p", script: script, mode: mode, extraManifest: extra)
        let action = try box.action("test.p.run", environment: testEnvironment)
        return await expectActionError { try await action.apply(box.call(.apply, [:], log: log)) }
    }

    @Test("the request on stdin has the documented shape; secrets arrive resolved; env is the allow-list; stderr goes to the log")
    func requestShape() async throws {
        let box = try PluginSandbox("pp-shape")
        defer { box.cleanup() }
        let capture = box.workspace.home + "/request.json"
        let envCapture = box.workspace.home + "/env.txt"
        try box.write(plugin: "p", script: """
            #!/bin/sh
            cat > '\(capture)'
            env | sort > '\(envCapture)'
            echo "working on it" >&2
            echo '{"ok":true,"outputs":{"n":1,"list":["a"]},"summary":"done"}'
            """, extraManifest: "env_allow: [PLUGIN_ALLOWED]", parameters: """
                parameters:
                  - { name: target, type: string, required: true }
                  - { name: token, type: string, secret: required }
            """)
        let hostEnv = testEnvironment.merging(["PLUGIN_ALLOWED": "yes", "AWS_SECRET_ACCESS_KEY": "host-secret"]) { $1 }
        let action = try box.action("test.p.run", environment: hostEnv)
        let log = LogLines()
        let result = try await action.apply(box.call(.apply, ["target": "db-1", "token": "secret:env:PLUGIN_CANARY", "n": 3],
                                                     key: "run-1/step-1/k", env: ["PLUGIN_CANARY": "canary-7f3a9e"], log: log))
        #expect(result.summary == "done")
        #expect(result.outputs == ["n": 1, "list": ["a"]])
        #expect(log.lines == ["p: working on it"])
        let raw = try String(contentsOfFile: capture, encoding: .utf8)
        // The exact bytes, not only the parsed value: plugins may hash or compare what they receive.
        #expect(raw == #"{"action":"test.p.run","attempt":1,"idempotency_key":"run-1/step-1/k","#
            + #""params":{"n":3,"target":"db-1","token":"canary-7f3a9e"},"protocol":1,"run_id":"run-1","step_id":"step-1","verb":"apply"}"#
            + "\n")
        let request = try Value.parseJSON(raw)
        #expect(request == [
            "protocol": 1, "verb": "apply", "action": "test.p.run", "idempotency_key": "run-1/step-1/k",
            "run_id": "run-1", "step_id": "step-1", "attempt": 1,
            "params": ["target": "db-1", "token": "canary-7f3a9e", "n": 3],
        ])
        #expect(box.redactor.redact("x canary-7f3a9e y") == "x [REDACTED] y")
        let env = try String(contentsOfFile: envCapture, encoding: .utf8).split(separator: "\n").map(String.init)
        let names = Set(env.map { String($0.prefix { $0 != "=" }) })
        // sh itself may add PWD/SHLVL/_; nothing of the host beyond the allow-list may appear,
        // only the step's lineage marker (the idempotency key, no secret).
        #expect(names.isSubset(of: ["PATH", "HOME", "LANG", "PLUGIN_ALLOWED", "QRUN_STEP_KEY", "PWD", "SHLVL", "_"]))
        #expect(env.contains("QRUN_STEP_KEY=run-1/step-1/k"))
        #expect(env.contains("PLUGIN_ALLOWED=yes"))
        #expect(!env.contains { $0.contains("host-secret") })
    }

    @Test("an error response keeps its retryable flag and names the action")
    func errorResponse() async throws {
        let e = try await failure("#!/bin/sh\necho '{\"ok\":false,\"error\":\"throttled\",\"retryable\":true}'\n")
        #expect(e?.message == "test.p.run (plugin 'p'): throttled")
        #expect(e?.retryable == true)
    }

    @Test("a secret reference in a parameter declared forbidden is refused before the call")
    func forbiddenSecret() async throws {
        let box = try PluginSandbox("pp-forbid")
        defer { box.cleanup() }
        try box.write(plugin: "p", script: "#!/bin/sh\necho '{\"ok\":true,\"outputs\":{},\"summary\":\"\"}'\n",
                      parameters: "    parameters:\n      - { name: shown, type: string, secret: forbidden }")
        let action = try box.action("test.p.run", environment: testEnvironment)
        let e = await expectActionError { try await action.apply(box.call(.apply, ["shown": "secret:env:X"], env: ["X": "v"])) }
        #expect(e?.message == "parameter 'shown' of test.p.run may not be a secret reference: the plugin declares it as shown, not secret")
    }

    @Test("missing executable")
    func missingExecutable() async throws {
        let box = try PluginSandbox("pp-missing")
        defer { box.cleanup() }
        try box.write(plugin: "p", script: "#!/bin/sh\n")
        let action = try box.action("test.p.run", environment: testEnvironment)
        try FileManager.default.removeItem(atPath: box.pluginsDir + "/p/run.sh")
        let e = await expectActionError { try await action.apply(box.call(.apply, ["token": "sekrit-value"])) }
        #expect(e?.message == "\(who) cannot run: its executable run.sh does not exist in \(box.pluginsDir)/p")
        #expect(e?.retryable == false)
    }

    @Test("not executable")
    func notExecutable() async throws {
        let e = try await failure("#!/bin/sh\n", mode: 0o644)
        #expect(e?.message.hasPrefix("\(who) cannot run: run.sh in ") == true)
        #expect(e?.message.hasSuffix("is not an executable file (chmod +x it)") == true)
    }

    @Test("non-JSON output")
    func nonJSON() async throws {
        let e = try await failure("#!/bin/sh\necho 'hello, I am not JSON'\n")
        #expect(e?.message == "\(who) gave a malformed response: its output is not one JSON object; a plugin prints one JSON object like {\"ok\":true,\"outputs\":{},\"summary\":\"…\"}")
        #expect(e?.retryable == false)
    }

    @Test("missing fields")
    func missingFields() async throws {
        let e1 = try await failure("#!/bin/sh\necho '{\"ok\":true,\"outputs\":{}}'\n")
        #expect(e1?.message.hasPrefix("\(who) gave a malformed response: its output lacks the field 'summary';") == true)
        let e2 = try await failure("#!/bin/sh\necho '{\"outputs\":{}}'\n")
        #expect(e2?.message.hasPrefix("\(who) gave a malformed response: its output lacks the field 'ok';") == true)
        let e3 = try await failure("#!/bin/sh\necho '{\"ok\":\"yes\"}'\n")
        #expect(e3?.message.hasPrefix("\(who) gave a malformed response: its output has 'ok' as a string, not a boolean;") == true)
        let e4 = try await failure("#!/bin/sh\necho '[1,2]'\n")
        #expect(e4?.message.hasPrefix("\(who) gave a malformed response: its output is an array, not a JSON object;") == true)
        let e5 = try await failure("#!/bin/sh\necho '{\"ok\":1}'\n")
        #expect(e5?.message.hasPrefix("\(who) gave a malformed response: its output has 'ok' as a number, not a boolean;") == true)
    }

    @Test("a Swift plugin's response encodes as compact JSON with sorted keys, slashes unescaped")
    func responseEncoding() throws {
        let success = PluginResponse.success(outputs: ["path": "/tmp/x", "n": 2, "list": [true, nil, 1.5]], summary: "done")
        #expect(String(decoding: try success.encoded(), as: UTF8.self)
            == #"{"ok":true,"outputs":{"list":[true,null,1.5],"n":2,"path":"/tmp/x"},"summary":"done"}"#)
        let failure = PluginResponse.failure(error: "throttled", retryable: true)
        #expect(String(decoding: try failure.encoded(), as: UTF8.self) == #"{"error":"throttled","ok":false,"retryable":true}"#)
        #expect(try PluginResponse.parse(success.encoded()) == success)
    }

    @Test("output over the 1 MiB cap")
    func overCap() async throws {
        let e = try await failure("#!/bin/sh\nhead -c 2000000 /dev/zero | tr '\\0' 'x'\n")
        #expect(e?.message == "\(who) wrote more than 1 MiB to stdout; a response must be one small JSON object")
    }

    @Test("exit non-zero without a response; stderr still reaches the log")
    func exitWithoutResponse() async throws {
        let log = LogLines()
        let e = try await failure("#!/bin/sh\necho 'boom: config missing' >&2\nexit 3\n", log: log)
        #expect(e?.message == "\(who) exited with status 3 without a response; see the step log for its stderr")
        #expect(log.lines == ["p: boom: config missing"])
    }

    @Test("success reported with a non-zero exit is a failure")
    func successButNonZero() async throws {
        let e = try await failure("#!/bin/sh\necho '{\"ok\":true,\"outputs\":{},\"summary\":\"s\"}'\nexit 1\n")
        #expect(e?.message == "\(who) reported success but exited with status 1; treating the call as failed")
    }

    @Test("timeout ends in SIGTERM then SIGKILL, and is retryable")
    func timeout() async throws {
        // Bounded, not timed: the plugin ignores SIGTERM and would mark its file after 30 s unless
        // it is killed. The mark (not the wall clock, which a loaded test process stretches) says
        // whether it was.
        let mark = FileManager.default.temporaryDirectory.path + "/qrun-plugin-timeout-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: mark) }
        let e = try await failure("#!/bin/sh\ntrap '' TERM\nsleep 30\ntouch '\(mark)'\n", extra: "timeout: 1s")
        #expect(e?.message == "\(who) did not answer within 1s and was stopped (SIGTERM, then SIGKILL)")
        #expect(e?.retryable == true)
        #expect(!FileManager.default.fileExists(atPath: mark), "the plugin ran to its end instead of being killed")
    }

    @Test("an action without a plan verb plans without a call")
    func planWithoutVerb() async throws {
        let box = try PluginSandbox("pp-noplan")
        defer { box.cleanup() }
        try box.write(plugin: "p", script: "#!/bin/sh\nexit 9\n", verbs: "[apply]")
        let action = try box.action("test.p.run", environment: testEnvironment)
        let r = try await action.plan(box.call(.plan, [:]))
        #expect(r.summary == "would call plugin 'p' to a test action (it has no plan check)")
    }
}
