import Crypto
import Foundation
@testable import QRunActions
import QRunCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `evidence.snapshot` on real files: caps, symlinks, permissions, idempotency, canaries.
@Suite(.serialized) struct EvidenceSnapshotTests {
    /// A project with a text file, a nested folder, a big file, a symlink inside and one outside the root.
    struct Fixture {
        var base: String
        var project: String
        var outside: String
        var evidence: String
        func cleanup() { try? FileManager.default.removeItem(atPath: base) }
    }

    func fixture() throws -> Fixture {
        let base = try EvidenceTestSupport.tempDirectory("snap")
        let project = base + "/project"
        try EvidenceTestSupport.write("print('hello')\n", to: project + "/agent.py")
        try EvidenceTestSupport.write("qreg q[2];\n", to: project + "/circuits/bell.qasm", mode: 0o640)
        try Data(repeating: 0x41, count: 5000).write(to: URL(fileURLWithPath: project + "/big.bin"))
        try EvidenceTestSupport.write("outside secret\n", to: base + "/outside/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: project + "/inside-link", withDestinationPath: "circuits/bell.qasm")
        try FileManager.default.createSymbolicLink(atPath: project + "/outside-link", withDestinationPath: base + "/outside/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: project + "/outside-dir", withDestinationPath: base + "/outside")
        return Fixture(base: base, project: project, outside: base + "/outside", evidence: base + "/state/evidence")
    }

    func params(_ f: Fixture, _ extra: [String: Value] = [:]) -> [String: Value] {
        var p: [String: Value] = ["paths": .array([.string(f.project)]), "max_bytes": .int(1000), "directory": .string(f.evidence),
                                  "home": .string(f.base + "/home")]
        for (k, v) in extra { p[k] = v }
        return p
    }

    func item(_ m: EvidenceManifest, _ source: String) -> EvidenceManifest.Item? { m.items.first { $0.source == source } }

    @Test func collectsFilesCapsBigOnesAndRecordsSymlinksWithoutFollowing() async throws {
        let f = try fixture()
        defer { f.cleanup() }
        let action = EvidenceSnapshotAction(settings: ProviderSettings(environment: [:]))
        let r = try await action.apply(EvidenceTestSupport.call(params(f)))
        let dir = f.evidence + "/run-1/snap"
        #expect(r.outputs["directory"] == .string(dir))
        #expect(r.outputs["sealed"] == .bool(false))
        #expect(r.outputs["warning"]?.stringValue?.contains("unencrypted") == true)
        #expect(r.summary.contains("WARNING"))
        let (m, data) = try EvidenceManifest.load(directory: dir)
        #expect(r.outputs["manifest_sha256"] == .string(Digest.sha256Hex(data)))
        #expect(r.outputs["items"] == .int(m.items.count))
        #expect(m.runID == "run-1" && m.stepID == "snap" && !m.host.isEmpty)

        let agent = try #require(item(m, f.project + "/agent.py"))
        #expect(agent.kind == "file" && agent.path == "files/0-project/agent.py" && agent.size == 15)
        #expect(agent.sha256 == Digest.sha256Hex(Data("print('hello')\n".utf8)))
        #expect(try String(contentsOfFile: dir + "/files/0-project/agent.py", encoding: .utf8) == "print('hello')\n")
        #expect(item(m, f.project + "/circuits/bell.qasm")?.mode == "0640")

        let big = try #require(item(m, f.project + "/big.bin"))
        #expect(big.truncated == true && big.originalSize == 5000 && big.size == 1000)
        #expect(FileManager.default.contents(atPath: dir + "/files/0-project/big.bin")?.count == 1000)

        let inside = try #require(item(m, f.project + "/inside-link"))
        #expect(inside.kind == "symlink" && inside.symlinkTarget == "circuits/bell.qasm" && inside.path == nil)
        let outside = try #require(item(m, f.project + "/outside-link"))
        #expect(outside.kind == "symlink" && outside.symlinkTarget == f.outside + "/secret.txt")
        #expect(item(m, f.project + "/outside-dir")?.kind == "symlink")
        #expect(!m.items.contains { $0.source.hasPrefix(f.outside) })
        #expect(!EvidenceTestSupport.allBytes(under: dir).contains(Data("outside secret".utf8)))
        #expect(!FileManager.default.fileExists(atPath: dir + "/files/0-project/outside-link"))

        for rec in ["processes", "sockets", "environment_names", "sdk_paths"] {
            #expect(item(m, "system:\(rec)")?.path == "system/\(rec).json")
        }
        // permissions: directories 0700, files 0600
        for rel in EvidenceVerifier.storedFiles(dir) { #expect(EvidenceTestSupport.mode(dir + "/" + rel) == 0o600, "\(rel)") }
        for d in [dir, dir + "/files", dir + "/files/0-project/circuits", dir + "/system", f.evidence + "/run-1"] {
            #expect(EvidenceTestSupport.mode(d) == 0o700, "\(d)")
        }
        let hash = r.outputs["manifest_sha256"]?.stringValue
        let problems = EvidenceVerifier.verify(directory: dir, expectedManifestSHA256: hash)
        #expect(problems.isEmpty)
    }

    @Test func totalCapSkipsLaterFiles() async throws {
        let f = try fixture()
        defer { f.cleanup() }
        let action = EvidenceSnapshotAction(settings: ProviderSettings(environment: [:]))
        _ = try await action.apply(EvidenceTestSupport.call(params(f, ["max_total_bytes": .int(1010), "processes": .bool(false)])))
        let (m, _) = try EvidenceManifest.load(directory: f.evidence + "/run-1/snap")
        #expect(item(m, f.project + "/agent.py")?.kind == "file")          // sorted first: 15 bytes
        #expect(item(m, f.project + "/big.bin")?.size == 995)              // 1010 - 15
        #expect(item(m, f.project + "/circuits/bell.qasm")?.kind == "skipped")
        #expect(item(m, "system:processes") == nil)
    }

    @Test func environmentNamesButNeverValues() async throws {
        let f = try fixture()
        defer { f.cleanup() }
        let canary = "ev-canary-\(UUID().uuidString)"
        setenv("QRUN_EVIDENCE_TEST_CANARY", canary, 1)
        defer { unsetenv("QRUN_EVIDENCE_TEST_CANARY") }
        let action = EvidenceSnapshotAction(settings: ProviderSettings(environment: [:]))
        let r = try await action.apply(EvidenceTestSupport.call(params(f)))
        let dir = f.evidence + "/run-1/snap"
        let names = try Value.parseJSON(Data(contentsOf: URL(fileURLWithPath: dir + "/system/environment_names.json")))
        #expect(names.arrayValue?.contains(.string("QRUN_EVIDENCE_TEST_CANARY")) == true)
        #expect(!EvidenceTestSupport.allBytes(under: dir).contains(Data(canary.utf8)))
        #expect(!Value.object(r.outputs).jsonText.contains(canary) && !r.summary.contains(canary))
    }

    @Test func resumeReturnsTheFirstCollectionAndIncompleteIsMovedAside() async throws {
        let f = try fixture()
        defer { f.cleanup() }
        let action = EvidenceSnapshotAction(settings: ProviderSettings(environment: [:]))
        // a crash mid-collection left a directory without a manifest
        try EvidenceTestSupport.write("partial", to: f.evidence + "/run-1/snap/files/0-project/agent.py")
        let first = try await action.apply(EvidenceTestSupport.call(params(f)))
        #expect(FileManager.default.fileExists(atPath: f.evidence + "/run-1/snap-incomplete-1/files/0-project/agent.py"))
        try EvidenceTestSupport.write("changed after the first collection\n", to: f.project + "/agent.py")
        let second = try await action.apply(EvidenceTestSupport.call(params(f)))
        #expect(second.outputs["manifest_sha256"] == first.outputs["manifest_sha256"])
        #expect(second.outputs["collected_at"] == first.outputs["collected_at"])
        #expect(try String(contentsOfFile: f.evidence + "/run-1/snap/files/0-project/agent.py", encoding: .utf8) == "print('hello')\n")
        #expect(second.summary.contains("already preserved"))
    }

    @Test func planWritesNothing() async throws {
        let f = try fixture()
        defer { f.cleanup() }
        let action = EvidenceSnapshotAction(settings: ProviderSettings(environment: [:]))
        let r = try await action.plan(EvidenceTestSupport.call(params(f, ["paths": .array([.string(f.project), .string(f.base + "/nope")])]), verb: .plan))
        #expect(r.outputs["files"] == .int(3))
        #expect(r.outputs["directories"] == .int(2))
        #expect(r.outputs["symlinks"] == .int(3))
        #expect(r.outputs["bytes"] == .int(15 + 11 + 1000))
        #expect(r.outputs["missing"] == .array([.string(f.base + "/nope")]))
        #expect(r.outputs["warning"] != nil)
        #expect(!FileManager.default.fileExists(atPath: f.evidence))
    }

    @Test func sealedEvidenceOpensWithTheKeyAndFailsWhenAByteChanges() async throws {
        let f = try fixture()
        defer { f.cleanup() }
        let key = Curve25519.KeyAgreement.PrivateKey()
        let settings = ProviderSettings(config: ["evidence": ["recipient": key.publicKey.rawRepresentation.base64EncodedString()]], environment: [:])
        let r = try await EvidenceSnapshotAction(settings: settings).apply(EvidenceTestSupport.call(params(f)))
        #expect(r.outputs["sealed"] == .bool(true) && r.outputs["warning"] == nil)
        let dir = f.evidence + "/run-1/snap"
        let (m, _) = try EvidenceManifest.load(directory: dir)
        let agent = try #require(item(m, f.project + "/agent.py"))
        let stored = try #require(FileManager.default.contents(atPath: dir + "/files/0-project/agent.py"))
        #expect(stored.prefix(8) == EvidenceSeal.magic)
        #expect(agent.sealedSHA256 == Digest.sha256Hex(stored) && agent.sha256 == Digest.sha256Hex(Data("print('hello')\n".utf8)))
        #expect(!EvidenceTestSupport.allBytes(under: dir).contains(Data("print('hello')".utf8)))
        let out = f.base + "/opened"
        let n = try EvidenceVerifier.open(directory: dir, privateKey: key, output: out)
        #expect(n == m.items.filter { $0.path != nil }.count)
        #expect(try String(contentsOfFile: out + "/files/0-project/agent.py", encoding: .utf8) == "print('hello')\n")
        #expect(EvidenceTestSupport.mode(out + "/files/0-project/agent.py") == 0o600)
        // wrong key
        #expect(throws: ActionError.self) { try EvidenceVerifier.open(directory: dir, privateKey: .init(), output: f.base + "/o2") }
        // flip one byte of the ciphertext
        var tampered = stored
        tampered[tampered.count - 20] ^= 0x01
        try tampered.write(to: URL(fileURLWithPath: dir + "/files/0-project/agent.py"))
        #expect(throws: ActionError.self) { try EvidenceSeal.open(tampered, with: key) }
        let problems = EvidenceVerifier.verify(directory: dir, expectedManifestSHA256: r.outputs["manifest_sha256"]?.stringValue)
        #expect(problems.map(\.path) == ["files/0-project/agent.py"] && problems.first?.kind == "modified")
    }

    @Test func verifyNamesModifiedMissingAddedAndAChangedManifest() async throws {
        let f = try fixture()
        defer { f.cleanup() }
        let r = try await EvidenceSnapshotAction(settings: ProviderSettings(environment: [:])).apply(EvidenceTestSupport.call(params(f)))
        let dir = f.evidence + "/run-1/snap"
        let hash = r.outputs["manifest_sha256"]?.stringValue
        var bytes = try #require(FileManager.default.contents(atPath: dir + "/files/0-project/circuits/bell.qasm"))
        bytes[0] ^= 0x20
        try bytes.write(to: URL(fileURLWithPath: dir + "/files/0-project/circuits/bell.qasm"))
        try FileManager.default.removeItem(atPath: dir + "/system/sockets.json")
        try EvidenceTestSupport.write("x", to: dir + "/files/extra.txt")
        let problems = EvidenceVerifier.verify(directory: dir, expectedManifestSHA256: hash)
        #expect(problems.map { "\($0.kind) \($0.path)" }.sorted() == ["added files/extra.txt", "missing system/sockets.json",
                                                                      "modified files/0-project/circuits/bell.qasm"])
        #expect(EvidenceVerifier.verify(directory: dir, expectedManifestSHA256: String(repeating: "0", count: 64)).contains { $0.path == "manifest.json" })
    }

    @Test func defaultDirectoryFollowsQRUNStateDirAndTheEvidenceRootIsNeverCollected() async throws {
        let f = try fixture()
        defer { f.cleanup() }
        let state = f.project + "/state"
        try EvidenceTestSupport.write("earlier evidence", to: state + "/evidence/old-run/s/manifest.json")
        let action = EvidenceSnapshotAction(settings: ProviderSettings(environment: ["QRUN_STATE_DIR": state]))
        var p = params(f)
        p["directory"] = nil
        let r = try await action.apply(EvidenceTestSupport.call(p))
        #expect(r.outputs["directory"] == .string(state + "/evidence/run-1/snap"))
        let (m, _) = try EvidenceManifest.load(directory: state + "/evidence/run-1/snap")
        #expect(item(m, f.project + "/agent.py") != nil)
        #expect(item(m, state) != nil)                      // the state folder itself is listed…
        #expect(!m.items.contains { $0.source.hasPrefix(state + "/evidence") })   // …but not the evidence under it
    }

    @Test func badRecipientIsRefusedClearly() async throws {
        let f = try fixture()
        defer { f.cleanup() }
        await #expect(throws: ActionError.self) {
            try await EvidenceSnapshotAction(settings: ProviderSettings(environment: [:])).plan(EvidenceTestSupport.call(params(f, ["recipient": .string("not-a-key")]), verb: .plan))
        }
    }
}
