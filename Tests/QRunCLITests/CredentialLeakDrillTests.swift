import Foundation
import QRunTestSupport
import Testing

/// `qrun drill credential-leak …` on the shipped runbook against every fake at once: each drill
/// reports per step what is ready and what is missing (a credential, a permission), and across
/// all the drills nothing changes at any server — the full state dump of each fake (and moto's
/// whole state) is identical before and after, and the fakes saw only reads.
@Suite(.serialized)
struct CredentialLeakDrillTests {
    static let limitedVaultToken = "hvs.CANARYdrillReadOnly-5Kp9Ww2Zq"

    /// Runs qrun under a pseudo-terminal (`script`), as a person at a terminal sees it.
    static func onTerminal(_ args: [String], _ ws: TestWorkspace, env: [String: String]) throws -> ProcessOutput {
        func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let command = ([QRun.binary] + args).map(quote).joined(separator: " ")
        let p = try RunningProcess(executable: "/usr/bin/script", arguments: ["-qec", command, "/dev/null"],
                                   environment: QRun.environment(home: ws.home, extra: env.merging(["TERM": "dumb"]) { $1 }),
                                   cwd: ws.home, stdin: nil)
        return p.wait(timeout: 60)
    }

    @Test func drillsReportReadinessPerStepAndChangeNothing() async throws {
        let fakes = try await ProviderFakes([.vault, .braket, .azure])
        defer { fakes.stop() }
        let ws = try CredentialLeak.workspace("cl-drill", fakes)
        defer { ws.cleanup() }
        let moto = try #require(fakes.moto)
        let leakedAWS = try #require(fakes.leakedAWSKey)
        // A Vault token that may read the guarded secrets but neither write them nor revoke tokens.
        try await FakeHTTP.control(fakes.vault.baseURL + "/_fake/policies", ["name": "read-only", "rules": [
            "secret/data/quantum/*": ["read"], "secret/metadata/quantum/*": ["read"],
        ]])
        try await FakeHTTP.control(fakes.vault.baseURL + "/_fake/tokens", ["id": Self.limitedVaultToken, "policies": ["read-only"], "ttl": 7200])
        let full = fakes.environment
        let transcript = CredentialLeak.Transcript()
        let before = try await fakes.snapshot()
        let seeded = try await fakes.requestLogs()

        func drill(_ args: [String], env: [String: String], expectStatus: Int32, _ what: String,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> (summary: [String: Any], steps: [String: [String: Any]]) {
            let out = try transcript.qrun(["drill", "credential-leak"] + args + ["--json"], ws, env: env)
            #expect(out.status == expectStatus, "\(what): exit \(out.status): \(out.stdout.suffix(2500)) \(out.stderr)", sourceLocation: sourceLocation)
            let o = try out.json()
            #expect(o["mode"] as? String == "drill", sourceLocation: sourceLocation)
            return (o, CredentialLeak.byID(o["steps"]))
        }
        func readiness(_ o: [String: Any]) -> (ready: Int, steps: Int, notReady: Set<String>) {
            let r = o["readiness"] as? [String: Any] ?? [:]
            return (r["ready"] as? Int ?? -1, r["steps"] as? Int ?? -1, Set(r["not_ready"] as? [String] ?? []))
        }
        func error(_ steps: [String: [String: Any]], _ id: String) -> String { steps[id]?["error"] as? String ?? "" }

        // 1. Vault, everything in place (the approval is planned, not awaited): fully ready.
        var (o, steps) = try drill(["--token-id", fakes.leakedVaultAccessor, "--provider", "vault"], env: full, expectStatus: 0, "vault ready")
        var r = readiness(o)
        #expect(r.ready == 4 && r.steps == 4 && r.notReady.isEmpty, "snapshot, approve, revoke, rotate: \(r)")
        #expect(CredentialLeak.status(steps) == CredentialLeak.expectedStatuses(.vault, approval: true, notify: false))
        #expect((steps["vault-revoke-token"]?["outputs"] as? [String: Any])?["exists"] as? Bool == true)
        #expect((steps["rotate-guarded-secret"]?["outputs"] as? [String: Any])?["current_version"] as? Int == 1)

        // 2. Vault with a token that lacks the permissions: both Vault steps are not ready, each saying what is missing.
        (o, steps) = try drill(["--token-id", fakes.leakedVaultAccessor, "--provider", "vault", "--auto-approve"],
                               env: full.merging(["VAULT_TOKEN": Self.limitedVaultToken]) { $1 }, expectStatus: 1, "vault read-only token")
        r = readiness(o)
        #expect(r.ready == 1 && r.steps == 3 && r.notReady == ["vault-revoke-token", "rotate-guarded-secret"], "\(r)")
        #expect(error(steps, "vault-revoke-token").contains("lacks update on auth/token/revoke-accessor"), "\(error(steps, "vault-revoke-token"))")
        #expect(error(steps, "rotate-guarded-secret").contains("lacks read+update on secret/data/quantum/vault"),
                "\(error(steps, "rotate-guarded-secret"))")
        #expect(steps["snapshot"]?["status"] as? String == "succeeded")

        // 3. Braket, everything in place: ready, and the plan names what would change.
        (o, steps) = try drill(["--token-id", leakedAWS, "--provider", "braket", "--aws-user", ProviderFakes.awsUser,
                                "--aws-role", ProviderFakes.awsRole, "--since", ProviderFakes.since, "--auto-approve"],
                               env: full, expectStatus: 0, "braket ready")
        r = readiness(o)
        #expect(r.ready == 5 && r.steps == 5 && r.notReady.isEmpty, "\(r)")
        #expect(CredentialLeak.status(steps) == CredentialLeak.expectedStatuses(.braket, approval: false, notify: false))
        let deactivate = steps["aws-deactivate-key"]?["outputs"] as? [String: Any] ?? [:]
        #expect(deactivate["status"] as? String == "Active" && deactivate["would_change"] as? Bool == true, "\(deactivate)")
        let cancel = steps["braket-cancel-tasks"]?["outputs"] as? [String: Any] ?? [:]
        #expect(cancel["would_cancel"] as? Int == 2)
        #expect(Set(cancel["task_arns"] as? [String] ?? []) == [ProviderFakes.taskQueuedAfter, ProviderFakes.taskRunningAfter])

        // 4. Braket as an AWS identity without permissions: each AWS step is not ready and says AccessDenied.
        (o, steps) = try drill(["--token-id", leakedAWS, "--provider", "braket", "--aws-user", ProviderFakes.awsUser,
                                "--aws-role", ProviderFakes.awsRole, "--since", ProviderFakes.since, "--auto-approve"],
                               env: full.merging(["AWS_ACCESS_KEY_ID": moto.limited.id, "AWS_SECRET_ACCESS_KEY": moto.limited.secret]) { $1 },
                               expectStatus: 1, "braket limited")
        r = readiness(o)
        #expect(r.ready == 2 && r.steps == 5 && r.notReady == ["aws-deactivate-key", "aws-revoke-sessions", "braket-cancel-tasks"], "\(r)")
        for id in ["aws-deactivate-key", "aws-revoke-sessions", "braket-cancel-tasks"] {
            #expect(error(steps, id).contains("AccessDenied"), "\(id): \(error(steps, id))")
        }

        // 5. Azure without the client secret, and --notify without the webhook: those two are not ready.
        var noSecret = full
        noSecret["AZURE_CLIENT_SECRET"] = nil
        (o, steps) = try drill(["--token-id", ProviderFakes.azureLeakedKeyID, "--provider", "azure-quantum",
                                "--azure-app", ProviderFakes.azureTargetObjectID, "--auto-approve", "--notify"],
                               env: noSecret, expectStatus: 1, "azure without secret")
        r = readiness(o)
        #expect(r.ready == 2 && r.steps == 4 && r.notReady == ["azure-remove-secret", "notify"], "\(r)")
        #expect(error(steps, "azure-remove-secret").contains("AZURE_CLIENT_SECRET"), "\(error(steps, "azure-remove-secret"))")
        #expect(error(steps, "notify").contains("QRUN_INCIDENT_WEBHOOK is not set"), "\(error(steps, "notify"))")

        // 6. Azure with everything in place: ready.
        (o, steps) = try drill(["--token-id", ProviderFakes.azureLeakedKeyID, "--provider", "azure-quantum",
                                "--azure-app", ProviderFakes.azureTargetObjectID, "--auto-approve"], env: full, expectStatus: 0, "azure ready")
        r = readiness(o)
        #expect(r.ready == 3 && r.steps == 3 && r.notReady.isEmpty, "\(r)")
        let present = steps["azure-remove-secret"]?["outputs"] as? [String: Any] ?? [:]
        #expect(present["present"] as? Bool == true && present["credential_display_name"] as? String == "ci-pipeline", "\(present)")

        // 7. What a person sees on a terminal (a pty): the readiness line and one "not ready" line per missing step.
        let tty = try Self.onTerminal(["drill", "credential-leak", "--token-id", fakes.leakedVaultAccessor, "--provider", "vault", "--auto-approve"],
                                      ws, env: full.merging(["VAULT_TOKEN": Self.limitedVaultToken]) { $1 })
        transcript.add("drill on a terminal", tty)
        #expect(tty.status == 1, "\(tty.stdout.suffix(1500))")
        #expect(tty.stdout.contains("readiness: 1/3 steps ready"), "\(tty.stdout.suffix(1500))")
        #expect(tty.stdout.contains("not ready: vault-revoke-token (vault.token.revoke-accessor): the Vault token lacks update on auth/token/revoke-accessor"))
        #expect(tty.stdout.contains("not ready: rotate-guarded-secret (vault.kv.rotate): the Vault token lacks read+update on secret/data/quantum/vault"))

        // Nothing changed anywhere: every fake's whole state (request logs aside) and moto's.
        let after = try await fakes.snapshot()
        for (name, state) in before {
            #expect(after[name] == state, "\(name) changed during the drills:\nbefore \(state.prefix(1500))\nafter  \(after[name]?.prefix(1500) ?? "")")
        }
        #expect(Set(after.keys) == ["vault", "azure", "braket", "moto"])
        // …and the drills did talk to every server, with reads only.
        let all = try await fakes.requestLogs()
        let logs = (vault: Array(all.vault.dropFirst(seeded.vault.count)), azure: Array(all.azure.dropFirst(seeded.azure.count)),
                    braket: Array(all.braket.dropFirst(seeded.braket.count)))
        let readOnlyPosts: Set<String> = ["/v1/auth/token/lookup-self", "/v1/auth/token/lookup-accessor", "/v1/sys/capabilities-self"]
        let vaultWrites = logs.vault.filter { e in
            let m = e["method"] as? String ?? "", p = e["path"] as? String ?? ""
            return !(m == "GET" || m == "LIST" || (m == "POST" && readOnlyPosts.contains(p)))
        }
        #expect(vaultWrites.isEmpty, "Vault saw writes: \(vaultWrites)")
        #expect(logs.vault.contains { ($0["path"] as? String ?? "").hasPrefix("/v1/secret/metadata/quantum/") })
        #expect(logs.vault.contains { ($0["path"] as? String) == "/v1/auth/token/lookup-accessor" })
        let azureWrites = logs.azure.filter { !($0.hasPrefix("GET /graph/") || $0.hasPrefix("POST /login/")) }
        #expect(azureWrites.isEmpty, "Graph saw writes: \(azureWrites)")
        #expect(logs.azure.contains { $0.hasPrefix("GET /graph/v1.0/applications/\(ProviderFakes.azureTargetObjectID)") })
        let braketOps = Set(logs.braket.compactMap { $0["op"] as? String })
        #expect(braketOps == ["SearchQuantumTasks"], "Braket saw \(braketOps)")
        // No secret in anything the drills printed or stored.
        let runs = try QRun.run(["runs", "list", "--json"], home: ws.home, env: full)
        let runIDs = ((try runs.json())["runs"] as? [[String: Any]] ?? []).compactMap { $0["run_id"] as? String }
        #expect(runIDs.count == 7)
        #expect(((try runs.json())["runs"] as? [[String: Any]] ?? []).allSatisfy { $0["mode"] as? String == "drill" })
        try CredentialLeak.expectNoCanary([ProviderFakes.vaultOperatorToken, Self.limitedVaultToken, moto.admin.secret, moto.limited.secret,
                                           ProviderFakes.azureOperatorSecret] + ProviderFakes.Provider.allCases.map(ProviderFakes.oldGuardedValue),
                                          runID: try #require(runIDs.first), ws, env: full, transcript: transcript)
    }
}
