import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A state directory or database that is unsafe, corrupted or locked gets a clear error and is
/// left exactly as it was; an audit event that cannot be written stops the action it announces.
@Suite
struct StateFileTests {
    static let noop = """
        runbook: tiny
        version: 1
        steps:
          - id: one
            uses: core.noop
        """

    @Test func aStateDirectoryOthersCanReadIsRefused() throws {
        let ws = try TestWorkspace("perm")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.noop)
        try FileManager.default.createDirectory(atPath: ws.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let out = try QRun.run(["run", "tiny"], home: ws.home)
        #expect(out.status == 5)
        #expect(out.stderr.contains("is accessible to group or others (mode 755)"))
        #expect(out.stderr.contains("chmod 700"))
        #expect(!FileManager.default.fileExists(atPath: ws.databasePath))
    }

    @Test func stateIsCreatedPrivate() throws {
        let ws = try TestWorkspace("private")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.noop)
        #expect(try QRun.run(["run", "tiny"], home: ws.home).status == 0)
        for path in [ws.stateDirectory] + TestWorkspace.files(under: ws.stateDirectory) {
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0o777
            #expect(mode & 0o077 == 0, "\(path) has mode \(String(mode, radix: 8))")
        }
    }

    @Test func aCorruptedDatabaseIsReportedAndLeftUntouched() throws {
        let ws = try TestWorkspace("corrupt")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.noop)
        try FileManager.default.createDirectory(atPath: ws.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let garbage = Data((0..<8192).map { UInt8(($0 * 7 + 3) % 251) })
        #expect(FileManager.default.createFile(atPath: ws.databasePath, contents: garbage, attributes: [.posixPermissions: 0o600]))
        for args in [["run", "tiny"], ["runs", "list"], ["audit", "verify"], ["resume", "--all"]] {
            let out = try QRun.run(args, home: ws.home)
            #expect(out.status == 5, "\(args): \(out.status) \(out.stderr)")
            #expect(out.stderr.contains("is corrupted or not a qrun database; it was left untouched"), "\(args): \(out.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: ws.databasePath)) == garbage)
    }

    @Test func aLockedDatabaseGivesUpWithAClearErrorAndLosesNothing() throws {
        let ws = try TestWorkspace("locked")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.noop)
        #expect(try QRun.run(["run", "tiny"], home: ws.home).status == 0)
        // Another program holds a write lock for three seconds.
        let holder = try RunningProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", """
            import os, sqlite3, sys, time
            os.umask(0o077)
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            time.sleep(3)
            db.execute("ROLLBACK")
            """, ws.databasePath], environment: ["PATH": ToolPath.value], cwd: nil, stdin: nil)
        for _ in 0..<1500 where !holder.stdoutSoFar.contains("locked") { usleep(10_000) }
        let out = try QRun.run(["run", "tiny"], home: ws.home, env: ["QRUN_BUSY_TIMEOUT_MS": "300"])
        #expect(out.status == 5, "\(out.stderr)")
        #expect(out.stderr.contains("is locked by another process"), "\(out.stderr)")
        _ = holder.wait(timeout: 10)
        let list = try QRun.run(["runs", "list", "--json"], home: ws.home)
        #expect((try list.json()["runs"] as? [Any])?.count == 1, "the earlier run is still there; the refused one left nothing")
        #expect(try QRun.run(["audit", "verify"], home: ws.home).status == 0)
    }

    @Test func anActionIsNotCalledWhenItsAuditEventCannotBeWritten() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("auditfail")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.noop)
        try ws.write(runbook: "effect", """
            runbook: effect
            version: 1
            inputs: { base: { type: string, required: true } }
            steps:
              - id: revoke
                uses: http.request
                with: { method: POST, url: "${{ inputs.base }}/effect/revoke" }
            """)
        #expect(try QRun.run(["run", "tiny"], home: ws.home).status == 0)
        // Make the audit log refuse exactly the event that announces the revoke.
        let sql = try python("""
            import os, sqlite3, sys
            os.umask(0o077)
            db = sqlite3.connect(sys.argv[1])
            db.execute("CREATE TRIGGER refuse BEFORE INSERT ON audit_events WHEN NEW.kind = 'step.started' AND NEW.data LIKE '%\\"step\\":\\"revoke\\"%' BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END")
            db.commit()
            """, [ws.databasePath])
        #expect(sql.status == 0, "\(sql.stderr)")
        let out = try QRun.run(["run", "effect", "--input", "base=\(server.baseURL)"], home: ws.home)
        #expect(out.status == 5, "\(out.stdout) \(out.stderr)")
        #expect(out.stderr.contains("audit log unavailable"))
        #expect(try server.stats().requests == 0, "the revoke must not be sent without its audit event")

        _ = try python("import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('DROP TRIGGER refuse'); db.commit()", [ws.databasePath])
        let resume = try QRun.run(["resume", "--all", "--json"], home: ws.home)
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(try server.stats().keys.values.map(\.effects) == [1])
        #expect(try QRun.run(["audit", "verify"], home: ws.home).status == 0)
    }
}

/// The workspace config (`qrun.yaml`) refuses literal credentials and unknown keys.
@Suite
struct WorkspaceConfigTests {
    @Test func literalCredentialsAndTyposAreRefused() throws {
        let ws = try TestWorkspace("config")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", StateFileTests.noop)
        try ws.write(file: "qrun.yaml", "providers:\n  vault: { address: \"http://127.0.0.1:8200\", token: \"hvs.literal-token\" }\n")
        let literal = try QRun.run(["run", "tiny"], home: ws.home)
        #expect(literal.status == 2)
        #expect(literal.stderr.contains("providers.vault.token holds a literal credential"))
        #expect(!literal.stderr.contains("hvs.literal-token"), "the literal is not echoed")
        try ws.write(file: "qrun.yaml", "provders: {}\n")
        let typo = try QRun.run(["run", "tiny"], home: ws.home)
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("qrun.yaml:1:1: error: unknown key 'provders' in the workspace config"))
        try ws.write(file: "qrun.yaml", "providers:\n  vault: { address: \"http://127.0.0.1:8200\", token: \"secret:env:VAULT_TOKEN\" }\nengine: { max_parallel: 4 }\n")
        #expect(try QRun.run(["run", "tiny"], home: ws.home).status == 0)
    }
}
