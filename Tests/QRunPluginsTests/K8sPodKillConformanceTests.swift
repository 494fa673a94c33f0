import Foundation
import QRunCore
@testable import QRunPlugins
import QRunTestSupport
import Testing

@Suite("Plugin conformance: k8s-pod-kill")
struct K8sPodKillConformanceTests {
    nonisolated(unsafe) static let pods: [[String: Any]] = [
        ["name": "agent-a", "namespace": "agents", "labels": ["app": "agent", "run": "r1"]],
        ["name": "agent-b", "namespace": "agents", "labels": ["app": "agent", "run": "r1"]],
        ["name": "agent-c", "namespace": "agents", "labels": ["app": "agent", "run": "r2"]],
        ["name": "db-0", "namespace": "data", "labels": ["app": "agent", "run": "r1"]],
    ]
    let params: [String: Value] = ["namespace": "agents", "selector": "app=agent,run=r1", "grace_period": 5]

    func setup(_ label: String) throws -> (PluginSandbox, FakeKubectl, PluginAction) {
        let box = try PluginSandbox(label)
        try box.installShipped("k8s-pod-kill")
        let fake = try FakeKubectl(home: box.workspace.home, pods: Self.pods)
        var env = testEnvironment
        env["PATH"] = fake.directory + ":" + env["PATH"]!
        env["KUBECONFIG"] = box.workspace.home + "/kubeconfig"
        env["UNRELATED_SECRET"] = "must-not-pass"
        return (box, fake, try box.action("k8s.pod.delete", environment: env))
    }

    @Test("plan lists the matching pods without deleting; apply deletes them; apply again is a no-op")
    func planApplyIdempotent() async throws {
        let (box, fake, action) = try setup("k8s-conf")
        defer { box.cleanup() }
        #expect(action.descriptor.parameters.map(\.name) == ["namespace", "selector", "grace_period", "context"])
        let plan = try await action.plan(box.call(.plan, params))
        #expect(plan.outputs == ["pods": ["agent-a", "agent-b"], "count": 2, "namespace": "agents"])
        #expect(plan.summary == "would delete 2 pod(s) in agents matching app=agent,run=r1 with a 5s grace period: agent-a, agent-b")
        #expect(try fake.remaining() == ["agent-a", "agent-b", "agent-c", "db-0"])

        let log = LogLines()
        let apply = try await action.apply(box.call(.apply, params, log: log))
        #expect(apply.outputs == ["deleted": ["agent-a", "agent-b"], "count": 2, "namespace": "agents"])
        #expect(apply.summary == "deleted 2 pod(s) in agents matching app=agent,run=r1: agent-a, agent-b")
        #expect(try fake.remaining() == ["agent-c", "db-0"])

        let again = try await action.apply(box.call(.apply, params))
        #expect(again.outputs == ["deleted": [], "count": 0, "namespace": "agents"])
        #expect(again.summary == "no pods in agents match app=agent,run=r1; nothing left to delete")
        #expect(try fake.remaining() == ["agent-c", "db-0"])

        let delete = ["delete", "pods", "-n", "agents", "-l", "app=agent,run=r1", "--grace-period=5", "--ignore-not-found=true", "--wait=false", "-o", "name"]
        #expect(try fake.calls() == [["get", "pods", "-n", "agents", "-l", "app=agent,run=r1", "-o", "json"], delete, delete])
    }

    @Test("context and the default grace period reach kubectl exactly")
    func contextArgv() async throws {
        let (box, fake, action) = try setup("k8s-ctx")
        defer { box.cleanup() }
        _ = try await action.apply(box.call(.apply, ["namespace": "data", "selector": "app=agent", "context": "prod-eu"]))
        #expect(try fake.calls() == [["--context", "prod-eu", "delete", "pods", "-n", "data", "-l", "app=agent", "--grace-period=30",
                                      "--ignore-not-found=true", "--wait=false", "-o", "name"]])
        #expect(try fake.remaining() == ["agent-a", "agent-b", "agent-c"])
    }

    @Test("NotFound counts as done; a refused connection is retryable; Forbidden is not")
    func errorClassification() async throws {
        let (box, fake, action) = try setup("k8s-errors")
        defer { box.cleanup() }
        try fake.failNext(#"Error from server (NotFound): namespaces "agents" not found"#)
        let gone = try await action.apply(box.call(.apply, params))
        #expect(gone.outputs["count"] == 0)
        try fake.failNext("The connection to the server 10.0.0.1:6443 was refused - did you specify the right host or port?")
        let refused = await expectActionError { try await action.apply(box.call(.apply, params)) }
        #expect(refused?.message == "k8s.pod.delete (plugin 'k8s-pod-kill'): kubectl delete pods failed with status 1; see the step log for its message")
        #expect(refused?.retryable == true)
        try fake.failNext(#"Error from server (Forbidden): pods is forbidden: User "agent" cannot delete resource "pods""#)
        let log = LogLines()
        let forbidden = await expectActionError { try await action.apply(box.call(.apply, params, log: log)) }
        #expect(forbidden?.message == "k8s.pod.delete (plugin 'k8s-pod-kill'): kubectl delete pods failed with status 1 (Forbidden: the kubeconfig's identity may not do this); see the step log for its message")
        #expect(forbidden?.retryable == false)
        #expect(log.lines.contains { $0.hasPrefix("k8s-pod-kill: kubectl: Error from server (Forbidden)") })
    }

    @Test("malformed input is refused with a clear, non-retryable error and no kubectl call")
    func malformedInput() async throws {
        let (box, fake, action) = try setup("k8s-malformed")
        defer { box.cleanup() }
        let cases: [([String: Value], String)] = [
            (["selector": "app=x"], "parameter 'namespace' is required"),
            (["namespace": "Bad NS", "selector": "app=x"], "parameter 'namespace' must be a Kubernetes namespace name (lowercase letters, digits, dashes)"),
            (["namespace": "agents", "selector": " "], "parameter 'selector' is required and may not be empty (an empty selector would match every pod)"),
            (["namespace": "agents", "selector": "app=x; rm -rf /"], "parameter 'selector' is not a label selector like app=agent,tier!=db"),
            (["namespace": "agents", "selector": "app=x", "grace_period": "soon"], "parameter 'grace_period' must be a whole number of seconds, 0 or more"),
        ]
        for (p, message) in cases {
            let e = await expectActionError { try await action.apply(box.call(.apply, p)) }
            #expect(e?.message == "k8s.pod.delete (plugin 'k8s-pod-kill'): \(message)")
            #expect(e?.retryable == false)
        }
        #expect(try fake.calls().isEmpty)
        // Garbage on stdin, straight to the executable: still one JSON error response.
        let m = action.manifest
        let r = try await ChildProcessHelper.run(m.executablePath, stdin: "not json", env: testEnvironment)
        #expect(r == #"{"error": "the request on stdin is not JSON", "ok": false, "retryable": false}"#)
    }

    @Test("without kubectl on PATH the plugin says so")
    func missingKubectl() async throws {
        let box = try PluginSandbox("k8s-nokubectl")
        defer { box.cleanup() }
        try box.installShipped("k8s-pod-kill")
        let bin = box.workspace.home + "/pyonly"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/python3", withDestinationPath: "/usr/bin/python3")
        let action = try box.action("k8s.pod.delete", environment: testEnvironment.merging(["PATH": bin]) { $1 })
        let e = await expectActionError { try await action.plan(box.call(.plan, params)) }
        #expect(e?.message == "k8s.pod.delete (plugin 'k8s-pod-kill'): kubectl was not found on PATH; install kubectl or put its directory on the PATH qrun runs with (the plugin sees only PATH, HOME, LANG and KUBECONFIG)")
        #expect(e?.retryable == false)
    }
}
