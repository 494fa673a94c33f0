import Foundation
import QRunTestSupport
import Testing

/// `qrun drill credential-leak --simulate …` on the shipped runbook with every provider fake
/// running: the real engine (approvals, retries, timeouts, on_failure) against simulated actions,
/// recorded as drills, with no request reaching any server; then plan-mode drills, and
/// `qrun drills` over all of them.
@Suite(.serialized)
struct SimulatedDrillTests {
    static func text(_ o: [String: Any]?, _ key: String) -> String { o?[key] as? String ?? "" }

    @Test func simulationsRehearseTheControlFlowAndCallNothing() async throws {
        let fakes = try await ProviderFakes([.vault, .braket, .azure])
        defer { fakes.stop() }
        let ws = try CredentialLeak.workspace("cl-simulate", fakes)
        defer { ws.cleanup() }
        let env = fakes.environment
        let transcript = CredentialLeak.Transcript()
        let before = try await fakes.snapshot()
        let seeded = try await fakes.requestLogs()
        let vault = ["--token-id", fakes.leakedVaultAccessor, "--provider", "vault", "--notify"]

        func simulate(_ args: [String], expectStatus: Int32, _ what: String,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> (summary: [String: Any], steps: [String: [String: Any]]) {
            let out = try transcript.qrun(["drill", "credential-leak", "--simulate"] + args + ["--json"], ws, env: env)
            #expect(out.status == expectStatus, "\(what): exit \(out.status): \(out.stdout.suffix(2500)) \(out.stderr)", sourceLocation: sourceLocation)
            let o = try out.json()
            #expect(o["mode"] as? String == "drill", "\(what)", sourceLocation: sourceLocation)
            #expect((o["trigger"] as? [String: Any])?["drill"] as? String == "simulate", "\(what)", sourceLocation: sourceLocation)
            return (o, CredentialLeak.byID(o["steps"]))
        }
        func simulation(_ o: [String: Any]) -> [String: [String: Any]] {
            CredentialLeak.byID((o["simulation"] as? [String: Any])?["steps"])
        }

        // 1. The whole containment, its approval answered by the simulation: every step of the vault branch succeeded.
        var (o, steps) = try simulate(vault, expectStatus: 0, "vault containment")
        #expect(o["status"] as? String == "succeeded")
        #expect(CredentialLeak.status(steps) == CredentialLeak.expectedStatuses(.vault, approval: true, notify: true), "\(CredentialLeak.status(steps))")
        #expect((steps["rotate-guarded-secret"]?["outputs"] as? [String: Any])?["simulated"] as? Bool == true)
        let runID = try #require(o["run_id"] as? String)
        let shown = try CredentialLeak.show(runID, ws, env: env, transcript: transcript).run
        let approvals = shown["approvals"] as? [[String: Any]] ?? []
        #expect(approvals.count == 1 && approvals.first?["actor"] as? String == "drill:simulated" && approvals.first?["approved"] as? Bool == true,
                "\(approvals)")
        #expect(((o["simulation"] as? [String: Any])?["simulated_time_to_contain_ms"] as? Int ?? 0) > 0)
        let report = try transcript.qrun(["report", runID, "--format", "md"], ws, env: env)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("drill:simulated"), "the review names who approved: \(report.stdout.prefix(3000))")

        // 2. A revoke that fails every attempt: retried up to max_attempts (6), then on_failure pages.
        (o, steps) = try simulate(vault + ["--fault", "vault-revoke-token=error"], expectStatus: 1, "revoke fails")
        #expect(steps["vault-revoke-token"]?["status"] as? String == "failed")
        #expect(steps["vault-revoke-token"]?["attempt"] as? Int == 6, "\(steps["vault-revoke-token"] ?? [:])")
        #expect(Self.text(steps["vault-revoke-token"], "error").contains("simulated fault"))
        #expect(steps["page"]?["status"] as? String == "succeeded", "on_failure ran: \(CredentialLeak.status(steps))")
        #expect(steps["rotate-guarded-secret"]?["status"] as? String != "succeeded")
        #expect(((o["simulation"] as? [String: Any])?["on_failure_ran"] as? [String]) == ["page"])

        // 3. A revoke that never answers: the step's own timeout (20s) ends each attempt.
        (o, steps) = try simulate(vault + ["--fault", "vault-revoke-token=timeout"], expectStatus: 1, "revoke hangs")
        #expect(Self.text(steps["vault-revoke-token"], "error").contains("timed out after 20s"), "\(steps["vault-revoke-token"] ?? [:])")
        #expect(steps["vault-revoke-token"]?["attempt"] as? Int == 6)
        #expect(steps["page"]?["status"] as? String == "succeeded")

        // 4. A rotation that hangs in a step without timeout: the simulation's default (30s) stops it, and says so.
        (o, steps) = try simulate(vault + ["--fault", "rotate-guarded-secret=timeout"], expectStatus: 1, "rotate hangs")
        let rotateError = steps["rotate-guarded-secret"]?["error"] as? String ?? ""
        #expect(rotateError.contains("timed out after 30s") && rotateError.contains("no timeout:"), "\(rotateError)")
        #expect(steps["rotate-guarded-secret"]?["attempt"] as? Int == 5)

        // 5. A slow revoke still contains.
        (o, steps) = try simulate(vault + ["--fault", "vault-revoke-token=slow"], expectStatus: 0, "revoke slow")
        #expect(steps["vault-revoke-token"]?["status"] as? String == "succeeded" && steps["vault-revoke-token"]?["attempt"] as? Int == 1)
        #expect(simulation(o)["vault-revoke-token"]?["fault"] as? String == "slow")

        // 6. A rejected approval: nothing is revoked, on_failure pages.
        (o, steps) = try simulate(vault + ["--reject", "approve"], expectStatus: 1, "rejected")
        #expect(steps["approve"]?["status"] as? String == "failed")
        #expect(steps["vault-revoke-token"]?["status"] as? String != "succeeded")
        #expect(steps["page"]?["status"] as? String == "succeeded")

        // 7. Naming a step the runbook does not have is a usage error with a suggestion; nothing is recorded.
        let unknown = try transcript.qrun(["drill", "credential-leak", "--simulate", "--fault", "vault-revoke=error"] + vault, ws, env: env)
        #expect(unknown.status == 64, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("no step 'vault-revoke'") && unknown.stderr.contains("did you mean 'vault-revoke-token'?"), "\(unknown.stderr)")
        let badKind = try transcript.qrun(["drill", "credential-leak", "--simulate", "--fault", "approve=crash"] + vault, ws, env: env)
        #expect(badKind.status == 64, "\(badKind.stderr)")
        let noSimulate = try transcript.qrun(["drill", "credential-leak", "--fault", "approve=error"] + vault, ws, env: env)
        #expect(noSimulate.status == 64, "\(noSimulate.stderr)")

        // No request reached any server during the simulations, and nothing changed.
        let afterSimulations = try await fakes.requestLogs()
        #expect(afterSimulations.vault.count == seeded.vault.count, "Vault saw \(afterSimulations.vault.dropFirst(seeded.vault.count))")
        #expect(afterSimulations.azure.count == seeded.azure.count, "Graph saw \(afterSimulations.azure.dropFirst(seeded.azure.count))")
        #expect(afterSimulations.braket.count == seeded.braket.count)
        #expect(try await fakes.snapshot() == before)

        // 8. Plan-mode drills: ready, then with the notification asked for but its webhook not configured.
        let ready = try transcript.qrun(["drill", "credential-leak", "--token-id", fakes.leakedVaultAccessor, "--provider", "vault", "--json"], ws, env: env)
        #expect(ready.status == 0, "\(ready.stdout.suffix(2000)) \(ready.stderr)")
        let missing = try transcript.qrun(["drill", "credential-leak"] + vault + ["--json"], ws, env: env)
        #expect(missing.status == 1, "\(missing.stdout.suffix(2000))")
        let missingSteps = CredentialLeak.byID(try missing.json()["steps"])
        #expect(Self.text(missingSteps["notify"], "error").contains("QRUN_INCIDENT_WEBHOOK"), "the failed drill names the missing thing")
        #expect(try await fakes.snapshot() == before, "a plan-mode drill changes nothing")

        // 9. qrun drills: every drill of the runbook with its readiness or simulated time to contain, and the trend.
        let listed = try transcript.qrun(["drills", "--last", "20", "--json"], ws, env: env)
        #expect(listed.status == 0, "\(listed.stderr)")
        let drills = (try listed.json())["drills"] as? [[String: Any]] ?? []
        #expect(drills.count == 8, "6 simulations and 2 plan drills: \(drills)")
        let plans = drills.filter { $0["kind"] as? String == "plan" }
        #expect(plans.count == 2)
        let newest = plans.first?["readiness"] as? [String: Any] ?? [:]
        #expect(newest["ready"] as? Int == 4 && newest["steps"] as? Int == 5, "\(newest)")
        #expect(plans.first?["trend"] as? String == "down" && plans.last?["trend"] is NSNull, "\(plans)")
        let sims = drills.filter { $0["kind"] as? String == "simulate" }
        #expect(sims.count == 6)
        #expect(sims.filter { $0["simulated_time_to_contain_ms"] is Int }.count == 2, "the two that contained: \(sims)")
        let text = try transcript.qrun(["drills"], ws, env: env)
        #expect(text.stdout.contains("credential-leak") && text.stdout.contains("readiness 4/5 (80%)") && text.stdout.contains("↓"), "\(text.stdout)")
        #expect(text.stdout.contains("simulated time to contain"), "\(text.stdout)")

        try CredentialLeak.expectNoCanary([ProviderFakes.vaultOperatorToken] + ProviderFakes.Provider.allCases.map(ProviderFakes.oldGuardedValue),
                                          runID: runID, ws, env: env, transcript: transcript)
    }
}
