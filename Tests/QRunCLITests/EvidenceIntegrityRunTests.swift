import Foundation
import QRunTestSupport
import Testing

/// `integrity.manifest` in real runs: a baseline, then tampering fails the verify step (not
/// retried) with a message naming the file, and the runbook's on_failure reacts.
@Suite(.serialized)
struct EvidenceIntegrityRunTests {
    @Test func tamperingFailsTheVerifyStepNamingTheFile() throws {
        let ws = try TestWorkspace("integrity")
        defer { ws.cleanup() }
        try ws.write(file: "exp/circuits/bell.qasm", "OPENQASM 3;\n")
        try ws.write(file: "exp/parameters.json", "{\"shots\": 1000}")
        try ws.write(runbook: "baseline", """
            runbook: baseline
            version: 1
            steps:
              - id: record
                uses: integrity.manifest
                with: { mode: create, paths: [exp], manifest: exp.manifest.json }
            """)
        try ws.write(runbook: "check", """
            runbook: check
            version: 1
            steps:
              - id: verify
                uses: integrity.manifest
                with: { mode: verify, manifest: exp.manifest.json }
                retry: { max_attempts: 3, backoff: constant, initial: 10ms, max: 10ms }
            on_failure:
              - id: react
                uses: core.noop
                with: { message: "tampering detected" }
            """)
        let base = try QRun.run(["run", "baseline", "--json"], home: ws.home)
        #expect(base.status == 0, "\(base.stderr)")
        let clean = try QRun.run(["run", "check", "--json"], home: ws.home)
        #expect(clean.status == 0, "\(clean.stderr) \(clean.stdout)")
        let cleanSteps = try clean.json()["steps"] as? [[String: Any]] ?? []
        #expect((cleanSteps.first?["outputs"] as? [String: Any])?["intact"] as? Bool == true)

        try ws.write(file: "exp/parameters.json", "{\"shots\": 1}")
        let out = try QRun.run(["run", "check", "--json"], home: ws.home)
        #expect(out.status == 1)
        let steps = try out.json()["steps"] as? [[String: Any]] ?? []
        let verify = try #require(steps.first { $0["id"] as? String == "verify" })
        #expect(verify["status"] as? String == "failed")
        #expect(verify["attempt"] as? Int == 1, "a tampering failure is not retryable")
        #expect((verify["error"] as? String ?? "").contains("modified: exp/parameters.json"), "\(verify)")
        #expect(steps.first { $0["id"] as? String == "react" }?["status"] as? String == "succeeded")
    }
}
