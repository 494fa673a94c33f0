import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Shared plumbing of the CredentialLeak* end-to-end tests: a workspace holding exactly the
/// shipped `runbooks/credential-leak.yaml`, a transcript of everything qrun printed, step lookup,
/// and the canary scan of every byte qrun wrote.
enum CredentialLeak {
    /// The shipped runbook, byte for byte.
    static func shippedRunbook() throws -> String {
        try String(contentsOfFile: Fixtures.path("../../runbooks/credential-leak.yaml"), encoding: .utf8)
    }

    /// A workspace with the shipped runbook and a `qrun.yaml` pointing at the fakes.
    static func workspace(_ label: String, _ fakes: ProviderFakes) throws -> TestWorkspace {
        let ws = try TestWorkspace(label)
        try ws.write(runbook: "credential-leak", try shippedRunbook())
        try ws.write(file: "qrun.yaml", fakes.workspaceConfig)
        return ws
    }

    /// Every output of every qrun command a test ran, for the canary scan.
    final class Transcript: @unchecked Sendable {
        // @unchecked: used from one test at a time.
        var outputs: [(label: String, text: String)] = []

        @discardableResult
        func add(_ label: String, _ out: ProcessOutput) -> ProcessOutput {
            outputs.append(("\(label) stdout", out.stdout))
            outputs.append(("\(label) stderr", out.stderr))
            return out
        }

        /// Runs qrun and records its output.
        @discardableResult
        func qrun(_ args: [String], _ ws: TestWorkspace, env: [String: String], timeout: TimeInterval = 60) throws -> ProcessOutput {
            add(args.prefix(2).joined(separator: " "), try QRun.run(args, home: ws.home, env: env, timeout: timeout))
        }
    }

    /// `qrun runs show RUN --json`, steps by id.
    static func show(_ runID: String, _ ws: TestWorkspace, env: [String: String], transcript: Transcript) throws -> (run: [String: Any], steps: [String: [String: Any]]) {
        let out = try transcript.qrun(["runs", "show", runID, "--json"], ws, env: env)
        let o = try out.json()
        return (o, byID(o["steps"]))
    }

    static func byID(_ steps: Any?) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for s in steps as? [[String: Any]] ?? [] { if let id = s["id"] as? String { out[id] = s } }
        return out
    }

    static func status(_ steps: [String: [String: Any]]) -> [String: String] {
        steps.mapValues { $0["status"] as? String ?? "?" }
    }

    /// The runbook's steps and the status each must end with for `provider` (approval gated or
    /// not, notify or not).
    static func expectedStatuses(_ provider: ProviderFakes.Provider, approval: Bool, notify: Bool, since: Bool = true,
                                 role: Bool = true) -> [String: String] {
        var s: [String: String] = [
            "snapshot": "succeeded", "approve": approval ? "succeeded" : "skipped",
            "ibm-disable-key": "skipped", "ibm-cancel-jobs": "skipped", "aws-deactivate-key": "skipped",
            "aws-revoke-sessions": "skipped", "braket-cancel-tasks": "skipped", "azure-remove-secret": "skipped",
            "vault-revoke-token": "skipped", "rotate-guarded-secret": "succeeded", "notify": notify ? "succeeded" : "skipped",
            "page": "skipped",
        ]
        switch provider {
        case .vault: s["vault-revoke-token"] = "succeeded"
        case .azure: s["azure-remove-secret"] = "succeeded"
        case .braket:
            s["aws-deactivate-key"] = "succeeded"
            if role { s["aws-revoke-sessions"] = "succeeded" }
            if since { s["braket-cancel-tasks"] = "succeeded" }
        case .ibm:
            s["ibm-disable-key"] = "succeeded"
            if since { s["ibm-cancel-jobs"] = "succeeded" }
        }
        return s
    }

    /// Polls `runs list --json` until a run has `status`; returns its id.
    static func waitForRun(status: String, _ ws: TestWorkspace, env: [String: String], timeout: TimeInterval = 30) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let out = try QRun.run(["runs", "list", "--json"], home: ws.home, env: env)
            if out.status == 0, let runs = (try? out.json())?["runs"] as? [[String: Any]],
               let r = runs.first(where: { $0["status"] as? String == status }), let id = r["run_id"] as? String {
                return id
            }
            usleep(100_000)
        }
        throw TestFailure("no run reached status \(status) within \(timeout) s")
    }

    /// The guarded secret rotated exactly once: version 1 → 2, field `token` changed, field
    /// `owner` kept; the other providers' guarded secrets untouched. Returns the new value.
    @discardableResult
    static func expectRotated(_ provider: ProviderFakes.Provider, _ fakes: ProviderFakes,
                              sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let (version, versions) = try await fakes.guardedSecret(provider)
        #expect(version == 2, "secret/quantum/\(provider.rawValue) must be at version 2, is at \(version)", sourceLocation: sourceLocation)
        #expect(versions.count == 2, "exactly one new version: \(versions.keys.sorted())", sourceLocation: sourceLocation)
        #expect(versions["1"]?["token"] as? String == ProviderFakes.oldGuardedValue(provider), sourceLocation: sourceLocation)
        let new = versions["2"]?["token"] as? String ?? ""
        #expect(!new.isEmpty && new != ProviderFakes.oldGuardedValue(provider), "the value must change", sourceLocation: sourceLocation)
        #expect(new.count >= 43, "a generated 32-byte value (base64url), got \(new.count) characters", sourceLocation: sourceLocation)
        #expect(versions["2"]?["owner"] as? String == "quantum-ci", "the other field is kept", sourceLocation: sourceLocation)
        for other in ProviderFakes.Provider.allCases where other != provider {
            let (v, vs) = try await fakes.guardedSecret(other)
            #expect(v == 1 && vs.count == 1, "secret/quantum/\(other.rawValue) must not change (version \(v))", sourceLocation: sourceLocation)
        }
        let counters = try await fakes.vaultState()["counters"] as? [String: Int] ?? [:]
        #expect(counters["kv_writes"] == 1, "one KV write in all: \(counters)", sourceLocation: sourceLocation)
        return new
    }

    /// Runs every read command over `runID` (reports in all formats, audit export and verify,
    /// runs show/list), then scans the state directory and every output for each canary in every
    /// encoding ``CanaryScanner`` knows.
    static func expectNoCanary(_ canaries: [String], runID: String, _ ws: TestWorkspace, env: [String: String],
                               transcript: Transcript, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for format in ["md", "html", "json"] {
            let r = try transcript.qrun(["report", runID, "--format", format], ws, env: env)
            #expect(r.status == 0, "report \(format): \(r.stderr)", sourceLocation: sourceLocation)
            #expect(r.stdout.count > 500, "report \(format) is not empty", sourceLocation: sourceLocation)
        }
        let export = try transcript.qrun(["audit", "export"], ws, env: env)
        #expect(export.status == 0 && export.stdout.split(separator: "\n").count > 10, sourceLocation: sourceLocation)
        let verify = try transcript.qrun(["audit", "verify"], ws, env: env)
        #expect(verify.status == 0, "audit verify: \(verify.stdout) \(verify.stderr)", sourceLocation: sourceLocation)
        try transcript.qrun(["runs", "show", runID, "--json"], ws, env: env)
        try transcript.qrun(["runs", "show", runID], ws, env: env)
        try transcript.qrun(["runs", "list"], ws, env: env)

        let scanners = canaries.map(CanaryScanner.init)
        var scanned = 0
        var files = 0
        for file in TestWorkspace.files(under: ws.stateDirectory) {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            scanned += data.count
            files += 1
            for c in scanners {
                let found = c.find(in: data)
                #expect(found.isEmpty, "secret \(c.canary.prefix(6))… found in \(file) as \(found)", sourceLocation: sourceLocation)
            }
        }
        for (label, text) in transcript.outputs {
            scanned += text.utf8.count
            for c in scanners {
                let found = c.find(in: text)
                #expect(found.isEmpty, "secret \(c.canary.prefix(6))… found in \(label) as \(found)", sourceLocation: sourceLocation)
            }
        }
        #expect(files >= 1 && scanned > 50_000, "the scan must cover the database and the outputs (\(files) files, \(scanned) bytes)",
                sourceLocation: sourceLocation)
    }
}
