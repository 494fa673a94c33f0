import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QRunTestSupport
import Testing

/// The shipped credential-leak runbook, `--provider ibm-quantum`, against the IBM Cloud fake
/// (IAM token exchange, IAM Identity API keys, Qiskit Runtime jobs; endpoints and the instance CRN
/// from `qrun.yaml`, qrun's own API key from IBMCLOUD_API_KEY) and the Vault fake. First a drill
/// (ready, nothing changed), then the containment run.
@Suite(.serialized)
struct CredentialLeakIBMTests {
    @Test func ibmRunDisablesTheKeyCancelsItsJobsAndRotates() async throws {
        let fakes = try await ProviderFakes([.ibm])
        defer { fakes.stop() }
        let ws = try CredentialLeak.workspace("cl-ibm", fakes)
        defer { ws.cleanup() }
        let env = fakes.environment
        let transcript = CredentialLeak.Transcript()
        let ibm = try #require(fakes.ibm)
        #expect(try await exchange(ibm, ProviderFakes.ibmLeakedKeyValue) == 200, "the leaked key works before the run")
        let args = ["--token-id", ProviderFakes.ibmLeakedKeyID, "--provider", "ibm-quantum", "--since", ProviderFakes.ibmSince,
                    "--auto-approve", "--json"]

        // Drill: ready, the plan lists the three pending jobs, and nothing changes.
        let before = try await fakes.snapshot()
        let drill = try transcript.qrun(["drill", "credential-leak"] + args, ws, env: env)
        #expect(drill.status == 0, "drill: \(drill.stdout.suffix(2000)) \(drill.stderr)")
        let drillSteps = CredentialLeak.byID(try drill.json()["steps"])
        #expect(CredentialLeak.status(drillSteps) == CredentialLeak.expectedStatuses(.ibm, approval: false, notify: false))
        let cancelOutputs = "\(drillSteps["ibm-cancel-jobs"]?["outputs"] ?? "")"
        #expect(cancelOutputs.contains("job-r1"), "\(drillSteps["ibm-cancel-jobs"] ?? [:])")
        let readiness = try drill.json()["readiness"] as? [String: Any] ?? [:]
        #expect(readiness["ready"] as? Int == 4 && readiness["steps"] as? Int == 4, "\(readiness)")
        let afterDrill = try await fakes.snapshot()
        for (name, state) in before {
            #expect(afterDrill[name] == state, "\(name) changed during the drill:\nbefore \(state.prefix(1500))\nafter  \(afterDrill[name]?.prefix(1500) ?? "")")
        }
        #expect((try await fakes.ibmState()["writes"] as? [String] ?? []).isEmpty, "the drill wrote at IBM")

        // The run.
        let out = try transcript.qrun(["incident", "credential-leak"] + args, ws, env: env)
        #expect(out.status == 0, "the run must succeed: \(out.stdout.suffix(2000)) \(out.stderr)")
        let summary = try out.json()
        let runID = try #require(summary["run_id"] as? String)
        #expect(summary["status"] as? String == "succeeded")
        let steps = CredentialLeak.byID(summary["steps"])
        #expect(CredentialLeak.status(steps) == CredentialLeak.expectedStatuses(.ibm, approval: false, notify: false))

        // IAM: only the leaked key is disabled; Runtime: the three pending jobs created since the
        // leak are cancelled once each; the older queued job and finished ones are left alone.
        let state = try await fakes.ibmState()
        let keys = state["keys"] as? [String: [String: Any]] ?? [:]
        #expect(keys[ProviderFakes.ibmLeakedKeyID]?["disabled"] as? Bool == true)
        #expect(keys.filter { $0.value["disabled"] as? Bool == true }.map(\.key) == [ProviderFakes.ibmLeakedKeyID])
        let jobs = Dictionary(uniqueKeysWithValues: (state["jobs"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", $0["status"] as? String ?? "") })
        #expect(jobs == ["job-q1": "Cancelled", "job-r1": "Cancelled", "job-q2": "Cancelled", "job-c1": "Completed",
                         "job-x1": "Cancelled", "job-old": "Queued"], "\(jobs)")
        let writes = state["writes"] as? [String] ?? []
        #expect(writes.count == 4 && Set(writes) == ["POST /v1/apikeys/\(ProviderFakes.ibmLeakedKeyID)/disable", "POST /api/v1/jobs/job-q1/cancel",
                                                     "POST /api/v1/jobs/job-r1/cancel", "POST /api/v1/jobs/job-q2/cancel"], "\(writes)")
        #expect(state["effects"] as? Int == 4)
        #expect(try await exchange(ibm, ProviderFakes.ibmLeakedKeyValue) == 400, "IAM refuses the leaked key now")

        let newValue = try await CredentialLeak.expectRotated(.ibm, fakes)
        try CredentialLeak.expectNoCanary([ProviderFakes.ibmOperatorAPIKey, ProviderFakes.vaultOperatorToken, newValue,
                                           ProviderFakes.oldGuardedValue(.ibm)],
                                          runID: runID, ws, env: env, transcript: transcript)
    }

    /// The status of an IAM token exchange with `apikey`, straight to the fake.
    func exchange(_ ibm: PythonServer, _ apikey: String) async throws -> Int {
        var request = URLRequest(url: URL(string: ibm.baseURL + "/identity/token")!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=\(apikey)".utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}
