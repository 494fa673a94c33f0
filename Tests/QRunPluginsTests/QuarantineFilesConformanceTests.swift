import Crypto
import Foundation
import QRunCore
@testable import QRunPlugins
import QRunTestSupport
import Testing

@Suite("Plugin conformance: quarantine-files")
struct QuarantineFilesConformanceTests {
    func setup(_ label: String) throws -> (PluginSandbox, PluginAction, src: String, q: String) {
        let box = try PluginSandbox(label)
        try box.installShipped("quarantine-files")
        let src = box.workspace.home + "/project"
        try box.workspace.write(file: "project/.env", "AWS_SECRET_ACCESS_KEY=leaked\n")
        try box.workspace.write(file: "project/dropper.sh", "#!/bin/sh\necho pwned\n", mode: 0o755)
        return (box, try box.action("files.quarantine", environment: testEnvironment), src, box.workspace.home + "/quarantine")
    }

    static func folder(_ q: String, key: String) -> String {
        q + "/" + SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined().prefix(16)
    }

    static func dest(_ folder: String, _ src: String) -> String {
        folder + "/" + SHA256.hash(data: Data(src.utf8)).map { String(format: "%02x", $0) }.joined().prefix(12) + "-" + (src as NSString).lastPathComponent
    }

    @Test("plan changes nothing; apply moves and records; apply again is a no-op; verify proves it")
    func planApplyIdempotentVerify() async throws {
        let (box, action, src, q) = try setup("qf-conf")
        defer { box.cleanup() }
        let files = [src + "/.env", src + "/dropper.sh"]
        let params: [String: Value] = ["paths": .array(files.map(Value.string)), "quarantine_dir": .string(q)]
        let folder = Self.folder(q, key: box.key)
        #expect(action.descriptor.supportsVerify)

        let plan = try await action.plan(box.call(.plan, params))
        #expect(plan.outputs == ["quarantine_dir": .string(folder), "to_move": 2, "already_quarantined": 0, "missing": []])
        #expect(!FileManager.default.fileExists(atPath: q))

        let log = LogLines()
        let apply = try await action.apply(box.call(.apply, params, log: log))
        #expect(apply.outputs == ["quarantine_dir": .string(folder), "manifest": .string(folder + "/MANIFEST.json"),
                                  "moved": 2, "already_quarantined": 0, "missing": []])
        #expect(log.lines == ["quarantine-files: quarantine-files: 2 moved, 0 already quarantined"])
        for f in files {
            #expect(!FileManager.default.fileExists(atPath: f))
            let attrs = try FileManager.default.attributesOfItem(atPath: Self.dest(folder, f))
            #expect((attrs[.posixPermissions] as? Int) == 0o400)
        }
        #expect(try String(contentsOfFile: Self.dest(folder, src + "/.env"), encoding: .utf8) == "AWS_SECRET_ACCESS_KEY=leaked\n")
        let folderMode = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
        let manifest = try Value.parseJSON(Data(contentsOf: URL(fileURLWithPath: folder + "/MANIFEST.json")))
        let sha = SHA256.hash(data: Data("AWS_SECRET_ACCESS_KEY=leaked\n".utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(manifest["files"]?.arrayValue?.first == ["source": .string(src + "/.env"), "destination": .string(Self.dest(folder, src + "/.env")),
                                                         "sha256": .string(sha), "size": 29])
        #expect(manifest["idempotency_key"] == .string(box.key))

        let again = try await action.apply(box.call(.apply, params))
        #expect(again.outputs["moved"] == 0)
        #expect(again.outputs["already_quarantined"] == 2)
        #expect(TestWorkspace.files(under: folder).count == 3)

        let verify = try await action.verify(box.call(.verify, params))
        #expect(verify.outputs["verified"] == true)
        #expect(verify.outputs["residual_validity"] == "copies of these files elsewhere (backups, caches, other hosts) are untouched")
    }

    @Test("a crash between copy and unlink is finished on resume; a changed source under the same name is refused")
    func resumeAndConflict() async throws {
        let (box, action, src, q) = try setup("qf-resume")
        defer { box.cleanup() }
        let file = src + "/.env"
        let folder = Self.folder(q, key: box.key)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: Self.dest(folder, file))  // the copy landed, the unlink did not
        let params: [String: Value] = ["paths": [.string(file)], "quarantine_dir": .string(q)]
        let r = try await action.apply(box.call(.apply, params))
        #expect(r.outputs["moved"] == 1)
        #expect(!FileManager.default.fileExists(atPath: file))

        try box.workspace.write(file: "project/.env", "NEW CONTENT\n")
        let e = await expectActionError { try await action.apply(box.call(.apply, params)) }
        #expect(e?.message == "files.quarantine (plugin 'quarantine-files'): 1 listed path(s) cannot be quarantined: \(file) (conflict)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "NEW CONTENT\n")
    }

    @Test("malformed input and missing files are refused without touching anything")
    func malformed() async throws {
        let (box, action, src, q) = try setup("qf-malformed")
        defer { box.cleanup() }
        let prefix = "files.quarantine (plugin 'quarantine-files'): "
        let cases: [([String: Value], String)] = [
            (["quarantine_dir": .string(q)], "parameter 'paths' is required: a non-empty list of absolute file paths"),
            (["paths": ["relative/file"], "quarantine_dir": .string(q)], "parameter 'paths' must list absolute file paths"),
            (["paths": [.string(src + "/.env")], "quarantine_dir": "here"], "parameter 'quarantine_dir' is required and must be an absolute path"),
            (["paths": [.string(src + "/nope")], "quarantine_dir": .string(q)], "1 listed file(s) do not exist and were never quarantined here: \(src)/nope"),
            (["paths": [.string(src)], "quarantine_dir": .string(q)], "1 listed path(s) cannot be quarantined: \(src) (not-a-file)"),
        ]
        for (p, message) in cases {
            let e = await expectActionError { try await action.apply(box.call(.apply, p)) }
            #expect(e?.message == prefix + message)
            #expect(e?.retryable == false)
        }
        #expect(!FileManager.default.fileExists(atPath: q))
        let ok = try await action.apply(box.call(.apply, ["paths": [.string(src + "/nope")], "quarantine_dir": .string(q), "ignore_missing": true]))
        #expect(ok.outputs["missing"] == [.string(src + "/nope")])
        let r = try await ChildProcessHelper.run(action.manifest.executablePath, stdin: "{\"protocol\":1}", env: testEnvironment)
        #expect(r == #"{"error": "unknown action None; this plugin provides files.quarantine", "ok": false, "retryable": false}"#)
    }
}
