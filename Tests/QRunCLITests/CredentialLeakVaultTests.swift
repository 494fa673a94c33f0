import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The shipped credential-leak runbook, `--provider vault`, run by the built `qrun` against the
/// Vault fake: the leaked token (found by accessor) is revoked with its child token, the secret
/// it guarded is rotated once, nothing else changes, and no secret appears anywhere qrun wrote.
@Suite(.serialized)
struct CredentialLeakVaultTests {
    /// With the approval gate: nothing happens at Vault while the run waits; `qrun approve` from
    /// another process lets the waiting process finish; the webhook hears about it once.
    @Test func approvedRunRevokesTheLeakedTokenAndRotatesItsSecret() async throws {
        let fakes = try await ProviderFakes([.vault])
        defer { fakes.stop() }
        let webhook = try EffectServer()
        defer { webhook.stop() }
        let ws = try CredentialLeak.workspace("cl-vault", fakes)
        defer { ws.cleanup() }
        let hookURL = "\(webhook.baseURL)/effect/incident-hook-Wh00kC4n4ry-31f7a9"
        let env = fakes.environment.merging(["QRUN_INCIDENT_WEBHOOK": hookURL]) { $1 }
        let transcript = CredentialLeak.Transcript()
        let before = try await fakes.snapshot()

        let incident = try QRun.start(["incident", "credential-leak", "--token-id", fakes.leakedVaultAccessor, "--provider", "vault",
                                       "--agent", "agent-7", "--notify"], home: ws.home, env: env)
        let runID = try CredentialLeak.waitForRun(status: "waiting", ws, env: env)
        // Waiting for approval: nothing may have changed anywhere yet.
        #expect(try await fakes.snapshot() == before, "Vault changed before the approval")
        #expect(try webhook.stats().requests == 0)
        let waiting = try CredentialLeak.show(runID, ws, env: env, transcript: transcript)
        #expect(waiting.steps["approve"]?["status"] as? String == "waiting_approval")
        #expect(waiting.steps["vault-revoke-token"]?["status"] as? String == "pending")

        let approve = try transcript.qrun(["approve", runID, "approve", "--comment", "contain it"], ws, env: env)
        #expect(approve.status == 0, "\(approve.stderr)")
        let out = transcript.add("incident", incident.wait(timeout: 60))
        #expect(out.status == 0, "the run must succeed: \(out.stdout.suffix(1500)) \(out.stderr)")

        let (run, steps) = try CredentialLeak.show(runID, ws, env: env, transcript: transcript)
        #expect(run["status"] as? String == "succeeded")
        #expect(run["version"] as? Int == 5)
        #expect(CredentialLeak.status(steps) == CredentialLeak.expectedStatuses(.vault, approval: true, notify: true))
        let rotated = steps["rotate-guarded-secret"]?["outputs"] as? [String: Any] ?? [:]
        #expect(rotated["version"] as? Int == 2)
        #expect(rotated["previous_version"] as? Int == 1)
        #expect(rotated["reference"] as? String == "secret:vault:secret/quantum/vault#token")
        let revoked = steps["vault-revoke-token"]?["outputs"] as? [String: Any] ?? [:]
        #expect(revoked["already_revoked"] as? Bool == false)

        // At Vault: the leaked token and its child are revoked, nobody else's token is.
        #expect(try await fakes.vaultToken(fakes.leakedVaultAccessor)["revoked"] as? Bool == true)
        #expect(try await fakes.vaultToken(fakes.leakedVaultChildAccessor)["revoked"] as? Bool == true)
        #expect(try await fakes.vaultToken(fakes.bystanderVaultAccessor)["revoked"] as? Bool == false)
        let tokens = try await fakes.vaultState()["tokens"] as? [String: [String: Any]] ?? [:]
        #expect(tokens.values.filter { $0["revoked"] as? Bool == true }.count == 2, "only the leaked token and its child")
        let counters = try await fakes.vaultState()["counters"] as? [String: Int] ?? [:]
        #expect(counters["accessor_revocations"] == 1)
        let (status, _) = try await FakeHTTP.send("GET", fakes.vault.baseURL + "/v1/auth/token/lookup-self",
                                                  headers: ["X-Vault-Token": ProviderFakes.leakedVaultToken])
        #expect(status == 403, "the leaked token is refused now")
        let newValue = try await CredentialLeak.expectRotated(.vault, fakes)

        // The responders were told once.
        let stats = try webhook.stats()
        #expect(stats.requests == 1 && stats.keys.count == 1 && stats.keys.values.first?.effects == 1)

        try CredentialLeak.expectNoCanary([ProviderFakes.vaultOperatorToken, newValue, ProviderFakes.oldGuardedValue(.vault),
                                           ProviderFakes.leakedVaultToken, "incident-hook-Wh00kC4n4ry-31f7a9"],
                                          runID: runID, ws, env: env, transcript: transcript)
    }

    /// `kill -9` right after Vault carried out the rotation but before qrun learnt of it (the
    /// answers to the revocation and to the KV write are lost, as with a dropped connection),
    /// then `qrun resume`: the token is revoked once, the secret gets exactly one new version,
    /// and the resumed step recognises its own write instead of rotating again.
    @Test func killNineMidRotationThenResumeAppliesEachEffectOnce() async throws {
        // The kill must land in the backoff after Vault applied the write but before qrun recorded
        // it (about a second). On a loaded machine the watcher can miss that window and the run
        // simply finishes; that is not a failure of qrun, so the scenario is tried again afresh.
        var hit = false
        for _ in 0..<4 where !hit {
            hit = try await killMidRotationScenario()
        }
        #expect(hit, "no attempt managed to kill qrun between Vault's write and its commit")
    }

    /// One try of the scenario; false when the run finished before it could be killed mid-rotation.
    func killMidRotationScenario() async throws -> Bool {
        let fakes = try await ProviderFakes([.vault])
        defer { fakes.stop() }
        let ws = try CredentialLeak.workspace("cl-kill", fakes)
        defer { ws.cleanup() }
        let env = fakes.environment
        let transcript = CredentialLeak.Transcript()
        let v = fakes.vault.baseURL
        try await FakeHTTP.control(v + "/_fake/fault", ["status": 503, "match": "/auth/token/revoke-accessor", "method": "POST",
                                                        "count": 1, "after_effect": true])
        try await FakeHTTP.control(v + "/_fake/fault", ["status": 503, "match": "/data/quantum/vault", "method": "POST",
                                                        "count": 1, "after_effect": true])

        let first = try QRun.start(["incident", "credential-leak", "--token-id", fakes.leakedVaultAccessor, "--provider", "vault",
                                    "--auto-approve"], home: ws.home, env: env)
        let deadline = Date().addingTimeInterval(30)
        var written = false
        while Date() < deadline, first.isRunning {
            if try await fakes.guardedSecret(.vault).version == 2 { written = true; break }
            usleep(5_000)
        }
        first.signal(SIGKILL)
        let killed = transcript.add("first", first.wait(timeout: 10))
        guard written, killed.killedBySignal else { return false }

        // Killed with the effect done and unrecorded. On a loaded machine the kill can land after
        // the run already recorded its end: that try missed the window and is made again.
        let list = try QRun.run(["runs", "list", "--json"], home: ws.home, env: env)
        let listed = (try? list.json())?["runs"] as? [[String: Any]] ?? []
        guard let running = listed.first(where: { $0["status"] as? String == "running" }), let runID = running["run_id"] as? String else {
            #expect(listed.count == 1 && listed.first?["status"] as? String == "succeeded", "\(listed) \(list.stderr)")
            return false
        }
        let mid = try CredentialLeak.show(runID, ws, env: env, transcript: transcript)
        #expect(mid.steps["vault-revoke-token"]?["status"] as? String == "succeeded")
        #expect((mid.steps["vault-revoke-token"]?["outputs"] as? [String: Any])?["already_revoked"] as? Bool == true,
                "the retry after the lost answer found the token already revoked")
        #expect(mid.steps["rotate-guarded-secret"]?["status"] as? String != "succeeded")
        var counters = try await fakes.vaultState()["counters"] as? [String: Int] ?? [:]
        #expect(counters["accessor_revocations"] == 1 && counters["kv_writes"] == 1)

        let resumed = try transcript.qrun(["resume", runID, "--json"], ws, env: env)
        #expect(resumed.status == 0, "resume: \(resumed.stdout.suffix(1500)) \(resumed.stderr)")
        let (run, steps) = try CredentialLeak.show(runID, ws, env: env, transcript: transcript)
        #expect(run["status"] as? String == "succeeded")
        #expect(CredentialLeak.status(steps) == CredentialLeak.expectedStatuses(.vault, approval: false, notify: false))
        let rotated = steps["rotate-guarded-secret"]?["outputs"] as? [String: Any] ?? [:]
        #expect(rotated["version"] as? Int == 2)
        #expect(rotated["resumed"] as? Bool == true, "the resumed step must find its own write: \(rotated)")
        let attempts = (run["attempts"] as? [[String: Any]] ?? []).filter { $0["step"] as? String == "rotate-guarded-secret" && $0["verb"] as? String == "apply" }
        #expect(attempts.count >= 2, "the rotation was attempted again after the kill: \(attempts)")

        let newValue = try await CredentialLeak.expectRotated(.vault, fakes)
        counters = try await fakes.vaultState()["counters"] as? [String: Int] ?? [:]
        #expect(counters["accessor_revocations"] == 1, "one revocation: \(counters)")
        #expect(counters["kv_writes"] == 1, "one KV write: \(counters)")
        #expect(try await fakes.vaultToken(fakes.leakedVaultAccessor)["revoked"] as? Bool == true)
        #expect(try await fakes.vaultToken(fakes.bystanderVaultAccessor)["revoked"] as? Bool == false)

        try CredentialLeak.expectNoCanary([ProviderFakes.vaultOperatorToken, newValue], runID: runID, ws, env: env, transcript: transcript)
        return true
    }
}
