import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// qrun runs as root: state another user owns, a symlinked state file, and code (runbooks, config,
/// plugins) another user could write are refused before anything is read as instructions.
@Suite
struct StateTrustTests {
    /// A user that is not the one running the tests (`nobody`).
    static let other: uid_t = 65534

    static let tiny = """
        runbook: tiny
        version: 1
        steps:
          - id: one
            uses: core.noop
        """

    /// A runbook whose step would leave a mark if it ever ran.
    static func marking(_ marker: String) -> String {
        """
        runbook: marking
        version: 1
        steps:
          - id: gate
            uses: core.approval
            with: { allow_self: true }
          - id: mark
            needs: [gate]
            uses: shell.exec
            with: { argv: ["/usr/bin/touch", "\(marker)"] }
        """
    }

    func chown(_ path: String, _ uid: uid_t) throws {
        guard Glibc.lchown(path, uid, uid) == 0 else { throw TestFailure("lchown \(path): errno \(errno)") }
    }

    @Test func stateOwnedByAnotherUserIsRefused() throws {
        let ws = try TestWorkspace("owner")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.tiny)
        #expect(try QRun.run(["run", "tiny"], home: ws.home).status == 0)
        let files = [ws.stateDirectory, ws.databasePath, ws.databasePath + "-wal", ws.stateDirectory + "/locks"]
        for path in files where FileManager.default.fileExists(atPath: path) {
            try chown(path, Self.other)
            for args in [["run", "tiny"], ["resume", "--all"], ["runs", "list"]] {
                let out = try QRun.run(args, home: ws.home)
                #expect(out.status == 5, "\(path) \(args): \(out.status) \(out.stderr)")
                #expect(out.stderr.contains("is owned by") && out.stderr.contains("refuses"), "\(out.stderr)")
            }
            try chown(path, geteuid())
        }
        let list = try QRun.run(["runs", "list", "--json"], home: ws.home)
        #expect((try list.json()["runs"] as? [Any])?.count == 1, "the refused commands created nothing")
    }

    @Test func aSymlinkedDatabaseIsRefusedAndItsTargetLeftAlone() throws {
        let ws = try TestWorkspace("symlink")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.tiny)
        try FileManager.default.createDirectory(atPath: ws.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let target = ws.home + "/elsewhere.txt"
        try "precious".write(toFile: target, atomically: true, encoding: .utf8)
        chmod(target, 0o644)
        try FileManager.default.createSymbolicLink(atPath: ws.databasePath, withDestinationPath: target)
        let out = try QRun.run(["run", "tiny"], home: ws.home)
        #expect(out.status == 5, "\(out.stderr)")
        #expect(out.stderr.contains("is a symbolic link"), "\(out.stderr)")
        #expect(!out.stderr.contains("chmod"), "no advice that would change the link's target: \(out.stderr)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious")
        let mode = (try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o644)
    }

    @Test func codeOthersCouldWriteIsRefused() throws {
        let ws = try TestWorkspace("code")
        defer { ws.cleanup() }
        let runbook = try ws.write(runbook: "tiny", Self.tiny)
        // A group-writable runbook.
        chmod(runbook, 0o664)
        var out = try QRun.run(["run", "tiny"], home: ws.home)
        #expect(out.status != 0)
        #expect(out.stderr.contains("writable by group or others"), "\(out.stderr)")
        chmod(runbook, 0o644)
        // A runbook owned by another (non-root) user.
        try chown(runbook, Self.other)
        out = try QRun.run(["run", "tiny"], home: ws.home)
        #expect(out.status != 0)
        #expect(out.stderr.contains("is owned by"), "\(out.stderr)")
        try chown(runbook, geteuid())
        // A world-writable runbooks folder.
        chmod(ws.home + "/runbooks", 0o777)
        out = try QRun.run(["run", "tiny"], home: ws.home)
        #expect(out.status != 0)
        #expect(out.stderr.contains("folder of the runbook"), "\(out.stderr)")
        chmod(ws.home + "/runbooks", 0o755)
        // A world-writable qrun.yaml.
        try ws.write(file: "qrun.yaml", "engine: { max_parallel: 4 }\n", mode: 0o666)
        out = try QRun.run(["run", "tiny"], home: ws.home)
        #expect(out.status == 5, "\(out.stderr)")
        #expect(out.stderr.contains("workspace config"), "\(out.stderr)")
        chmod(ws.home + "/qrun.yaml", 0o644)
        #expect(try QRun.run(["run", "tiny"], home: ws.home).status == 0, "the same workspace, made safe, works")
        #expect(!FileManager.default.fileExists(atPath: ws.databasePath + ".never"))
        let list = try QRun.run(["runs", "list", "--json"], home: ws.home)
        #expect((try list.json()["runs"] as? [Any])?.count == 1, "only the safe start made a run")
    }

    @Test func aPluginOthersCouldWriteIsNeverRun() throws {
        let ws = try TestWorkspace("plugin")
        defer { ws.cleanup() }
        let marker = ws.home + "/plugin-ran"
        try ws.write(file: "plugins/evil/plugin.yaml", """
            name: evil
            version: 0.1.0
            protocol: 1
            executable: run.sh
            actions:
              - name: evil.act
                summary: writes a marker
                verbs: [apply]
            """, mode: 0o644)
        let exe = try ws.write(file: "plugins/evil/run.sh", "#!/bin/sh\ntouch \(marker)\necho '{\"ok\": true, \"outputs\": {}}'\n", mode: 0o775)
        try ws.write(runbook: "uses-plugin", """
            runbook: uses-plugin
            version: 1
            steps:
              - id: act
                uses: evil.act
            """)
        let out = try QRun.run(["run", "uses-plugin"], home: ws.home)
        #expect(out.status != 0)
        #expect(out.stderr.contains("plugin refused") && out.stderr.contains("writable by group or others"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the plugin never ran")
        let check = try QRun.run(["plugins", "list"], home: ws.home)
        #expect(check.stdout.contains("refused") || check.stderr.contains("refused"), "\(check.stdout)\(check.stderr)")
        chmod(exe, 0o755)
        let ok = try QRun.run(["plugins", "check"], home: ws.home)
        #expect(!(ok.stdout + ok.stderr).contains("refused"), "\(ok.stdout)\(ok.stderr)")
    }

    /// Someone who can write the database changes the pinned text of a waiting run so that its next
    /// step runs their command: resume refuses, the command never runs, and audit verify names it.
    @Test func aPinnedRunbookChangedBehindQrunsBackIsNotResumed() throws {
        let ws = try TestWorkspace("pinned")
        defer { ws.cleanup() }
        let marker = ws.home + "/planted-ran"
        let safe = ws.home + "/safe-ran"
        try ws.write(runbook: "marking", Self.marking(safe))
        let started = try QRun.run(["run", "marking", "--no-wait", "--json"], home: ws.home)
        #expect(started.status == 3, "\(started.stderr)")
        let runID = try #require(try started.json()["run_id"] as? String)
        let planted = Self.marking(marker)
        let edit = try python("""
            import hashlib, sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            text = sys.argv[2]
            sha = hashlib.sha256(text.encode()).hexdigest()
            db.execute("UPDATE runbook_versions SET source = ?, sha256 = ?", (text, sha))
            db.execute("UPDATE runs SET runbook_sha256 = ?", (sha,))
            db.commit()
            """, [ws.databasePath, planted])
        #expect(edit.status == 0, "\(edit.stderr)")
        #expect(try QRun.run(["approve", runID, "gate"], home: ws.home).status == 0)
        let resumed = try QRun.run(["resume", runID], home: ws.home)
        #expect(resumed.status == 5, "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stderr.contains("altered outside qrun"), "\(resumed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the planted command never ran")
        let all = try QRun.run(["resume", "--all"], home: ws.home)
        #expect(all.status != 0)
        #expect(!FileManager.default.fileExists(atPath: marker))
        let verify = try QRun.run(["audit", "verify"], home: ws.home)
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("run \(runID): the pinned text"), "\(verify.stdout)")
    }
}
