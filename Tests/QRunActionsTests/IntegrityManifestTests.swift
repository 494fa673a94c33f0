import Foundation
@testable import QRunActions
import QRunCore
import Testing

/// `integrity.manifest` create/verify on real experiment files.
@Suite struct IntegrityManifestTests {
    func experiment() throws -> String {
        let base = try EvidenceTestSupport.tempDirectory("integrity")
        try EvidenceTestSupport.write("OPENQASM 3;\nqubit[2] q;\n", to: base + "/exp/circuits/bell.qasm")
        try EvidenceTestSupport.write("{\"shots\": 1024}", to: base + "/exp/parameters.json")
        try EvidenceTestSupport.write("t1,t2\n100,80\n", to: base + "/exp/calibration/2026-11-25.csv")
        return base
    }

    func create(_ base: String, key: String = "k1") async throws -> ActionResult {
        try await IntegrityManifestAction().apply(EvidenceTestSupport.call([
            "mode": "create", "paths": .array([.string(base + "/exp")]), "manifest": .string(base + "/exp.manifest.json"),
        ], key: key))
    }

    func verify(_ base: String, fail: Bool = true) async throws -> ActionResult {
        try await IntegrityManifestAction().apply(EvidenceTestSupport.call([
            "mode": "verify", "manifest": .string(base + "/exp.manifest.json"), "fail_on_change": .bool(fail),
        ]))
    }

    @Test func createThenVerifyIntact() async throws {
        let base = try experiment()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let c = try await create(base)
        #expect(c.outputs["files"] == .int(3))
        let doc = try Value.parseJSON(Data(contentsOf: URL(fileURLWithPath: base + "/exp.manifest.json")))
        #expect(doc["files"]?["exp/parameters.json"]?["sha256"] == .string(Digest.sha256Hex(Data("{\"shots\": 1024}".utf8))))
        #expect(doc["files"]?["exp/parameters.json"]?["size"] == .int(15))
        #expect(EvidenceTestSupport.mode(base + "/exp.manifest.json") == 0o600)
        let v = try await verify(base)
        #expect(v.outputs["intact"] == .bool(true))
        #expect(v.outputs["modified"] == .array([]) && v.outputs["missing"] == .array([]) && v.outputs["added"] == .array([]))
    }

    @Test func verifyReportsEachTamperedFileAndFailsTheStep() async throws {
        let base = try experiment()
        defer { try? FileManager.default.removeItem(atPath: base) }
        _ = try await create(base)
        try EvidenceTestSupport.write("{\"shots\": 1025}", to: base + "/exp/parameters.json")
        try FileManager.default.removeItem(atPath: base + "/exp/calibration/2026-11-25.csv")
        try EvidenceTestSupport.write("backdoor", to: base + "/exp/circuits/extra.qasm")
        let v = try await verify(base, fail: false)
        #expect(v.outputs["intact"] == .bool(false))
        #expect(v.outputs["modified"] == .array([.string("exp/parameters.json")]))
        #expect(v.outputs["missing"] == .array([.string("exp/calibration/2026-11-25.csv")]))
        #expect(v.outputs["added"] == .array([.string("exp/circuits/extra.qasm")]))
        do {
            _ = try await verify(base)
            Issue.record("verify with changes must fail")
        } catch let e as ActionError {
            #expect(!e.retryable)
            #expect(e.message.contains("modified: exp/parameters.json"))
            #expect(e.message.contains("missing: exp/calibration/2026-11-25.csv"))
            #expect(e.message.contains("added: exp/circuits/extra.qasm"))
        }
    }

    @Test func createIsIdempotentUnderItsKeyAndRefusesToRebaselineOthers() async throws {
        let base = try experiment()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let first = try await create(base)
        try EvidenceTestSupport.write("tampered", to: base + "/exp/parameters.json")
        let resumed = try await create(base)
        #expect(resumed.outputs["manifest_sha256"] == first.outputs["manifest_sha256"])
        await #expect(throws: ActionError.self) { try await create(base, key: "other-run") }
        await #expect(throws: ActionError.self) { try await verify(base) }
    }

    @Test func planAndValidation() async throws {
        let base = try experiment()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let p = try await IntegrityManifestAction().plan(EvidenceTestSupport.call([
            "mode": "create", "paths": .array([.string(base + "/exp")]), "manifest": .string(base + "/m.json"),
        ], verb: .plan))
        #expect(p.outputs["files"] == .int(3))
        #expect(!FileManager.default.fileExists(atPath: base + "/m.json"))
        await #expect(throws: ActionError.self) {
            try await IntegrityManifestAction().plan(EvidenceTestSupport.call(["mode": "delete", "manifest": "x"], verb: .plan))
        }
        await #expect(throws: ActionError.self) {
            try await IntegrityManifestAction().plan(EvidenceTestSupport.call(["mode": "create", "manifest": "x", "algorithm": "md5",
                                                                               "paths": "y"], verb: .plan))
        }
    }
}
