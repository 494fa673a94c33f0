import Foundation
import QRunTestSupport
import Testing

/// Retries only for errors that say a retry may help, with the same idempotency key; timeouts.
@Suite
struct RetryAndTimeoutTests {
    func run(_ yaml: String, name: String, server: EffectServer) throws -> (ProcessOutput, [String: Any]) {
        let ws = try TestWorkspace(name)
        defer { ws.cleanup() }
        try ws.write(runbook: name, yaml)
        let out = try QRun.run(["run", name, "--input", "base=\(server.baseURL)", "--json"], home: ws.home)
        return (out, (try? out.json()) ?? [:])
    }

    @Test func a503IsRetriedUnderTheSameKeyUntilItSucceeds() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let (out, o) = try run("""
            runbook: flaky
            version: 1
            inputs: { base: { type: string, required: true } }
            steps:
              - id: revoke
                uses: http.request
                with: { method: POST, url: "${{ inputs.base }}/flaky/2/revoke" }
                retry: { max_attempts: 4, backoff: exponential, initial: 10ms, max: 50ms }
            """, name: "flaky", server: server)
        #expect(out.status == 0, "\(out.stderr)")
        let step = (o["steps"] as? [[String: Any]])?.first ?? [:]
        #expect(step["attempt"] as? Int == 3)
        let stats = try server.stats()
        #expect(stats.keys.count == 1, "every attempt carries the same Idempotency-Key")
        #expect(stats.keys.values.first?.requests == 3)
        #expect(stats.keys.values.first?.effects == 1)
    }

    @Test func a403IsNotRetried() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let (out, o) = try run("""
            runbook: denied
            version: 1
            inputs: { base: { type: string, required: true } }
            steps:
              - id: revoke
                uses: http.request
                with: { method: POST, url: "${{ inputs.base }}/status/403/revoke" }
                retry: { max_attempts: 5, initial: 10ms }
              - id: notify
                needs: [revoke]
                uses: core.noop
              - id: independent
                uses: http.request
                with: { method: POST, url: "${{ inputs.base }}/effect/independent" }
            """, name: "denied", server: server)
        #expect(out.status == 1)
        let steps = Dictionary(uniqueKeysWithValues: ((o["steps"] as? [[String: Any]]) ?? []).map { ($0["id"] as! String, $0) })
        #expect(steps["revoke"]?["status"] as? String == "failed")
        let revokeError = steps["revoke"]?["error"] as? String ?? ""
        #expect(revokeError.contains("answered HTTP 403"))
        #expect(steps["revoke"]?["attempt"] as? Int == 1)
        #expect(steps["notify"]?["status"] as? String == "cancelled")
        #expect(steps["independent"]?["status"] as? String == "succeeded", "an independent branch still completes")
        #expect(try server.stats().requests == 2)
    }

    @Test func retriesStopWhenAttemptsRunOut() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let (out, o) = try run("""
            runbook: down
            version: 1
            inputs: { base: { type: string, required: true } }
            steps:
              - id: revoke
                uses: http.request
                with: { method: POST, url: "${{ inputs.base }}/status/502/revoke" }
                retry: { max_attempts: 3, backoff: constant, initial: 10ms, max: 10ms }
            on_failure:
              - id: page
                uses: http.request
                with: { method: POST, url: "${{ inputs.base }}/effect/page" }
            """, name: "down", server: server)
        #expect(out.status == 1)
        let steps = (o["steps"] as? [[String: Any]]) ?? []
        #expect(steps.first?["attempt"] as? Int == 3)
        #expect(steps.last?["status"] as? String == "succeeded", "on_failure pages")
        let stats = try server.stats()
        #expect(stats.keys.values.map(\.requests).sorted() == [1, 3])
    }

    @Test func aStepPastItsTimeoutIsInterruptedAndRetried() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let (out, o) = try run("""
            runbook: slow
            version: 1
            inputs: { base: { type: string, required: true } }
            steps:
              - id: hang
                uses: http.request
                with: { method: POST, url: "${{ inputs.base }}/slow/3000/hang" }
                timeout: 200ms
                retry: { max_attempts: 2, initial: 10ms }
            """, name: "slow", server: server)
        #expect(out.status == 1)
        let step = (o["steps"] as? [[String: Any]])?.first ?? [:]
        #expect(step["attempt"] as? Int == 2)
        #expect(step["error"] as? String == "timed out after 200ms")
        #expect(try server.stats().keys.values.first?.effects == 1)
    }

    @Test func shellExecFailureIsDataNotACrash() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let (out, o) = try run("""
            runbook: shell
            version: 1
            inputs: { base: { type: string, required: true } }
            steps:
              - id: ok
                uses: shell.exec
                with: { argv: ["/bin/sh", "-c", "echo '{\\"rotated\\": 3}'"] }
              - id: use
                needs: [ok]
                uses: core.noop
                with: { message: "version ${{ steps.ok.outputs.json.rotated }}" }
              - id: bad
                uses: shell.exec
                with: { argv: ["/bin/sh", "-c", "echo nope >&2; exit 3"] }
              - id: missing
                uses: shell.exec
                with: { argv: ["no-such-program-qrun"] }
            """, name: "shell", server: server)
        #expect(out.status == 1)
        let steps = Dictionary(uniqueKeysWithValues: ((o["steps"] as? [[String: Any]]) ?? []).map { ($0["id"] as! String, $0) })
        #expect(steps["use"]?["status"] as? String == "succeeded")
        #expect(steps["bad"]?["error"] as? String == "/bin/sh with 2 arguments exited with 3: nope")
        let missingError = steps["missing"]?["error"] as? String ?? ""
        #expect(missingError.contains("not found"))
    }
}
