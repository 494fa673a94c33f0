import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A damaged, foreign or empty database is refused before anything is written to it, and left
/// byte for byte as it was; `audit verify` and `audit export` still read what survives; a value
/// no case matches is corruption, never a default; concurrent first starts all succeed.
@Suite
struct StateIntegrityTests {
    static let tiny = StateTrustTests.tiny

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Makes `runs` runs, then folds the WAL into the main file so the file alone holds everything.
    func populated(_ label: String, runs: Int) throws -> TestWorkspace {
        let ws = try TestWorkspace(label)
        try ws.write(runbook: "tiny", Self.tiny)
        for _ in 0..<runs { #expect(try QRun.run(["run", "tiny"], home: ws.home).status == 0) }
        let out = try python("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("PRAGMA journal_mode=DELETE")
            db.close()
            """, [ws.databasePath])
        #expect(out.status == 0, "\(out.stderr)")
        return ws
    }

    /// Overwrites one leaf page of the audit table with garbage; returns the page number.
    func damageOneAuditLeaf(_ path: String) throws -> Int {
        let out = try python("""
            import sqlite3, sys
            path = sys.argv[1]
            db = sqlite3.connect(path)
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
            root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'audit_events'").fetchone()[0]
            db.close()
            data = bytearray(open(path, 'rb').read())
            def page(n): return data[(n - 1) * page_size: n * page_size]
            p = page(root)
            assert p[0] == 5, "the audit table must span several pages (interior root)"
            cells = int.from_bytes(p[3:5], 'big')
            first = int.from_bytes(p[12:14], 'big')
            leaf = int.from_bytes(p[first:first + 4], 'big')
            assert page(leaf)[0] == 13, "a leaf page"
            off = (leaf - 1) * page_size
            data[off:off + page_size] = bytes((i * 37 + 11) % 251 for i in range(page_size))
            open(path, 'wb').write(data)
            print(leaf)
            """, [path])
        guard out.status == 0, let n = Int(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("could not damage the file: \(out.stderr)")
        }
        return n
    }

    @Test func aDatabaseWithADamagedPageIsRefusedAndLeftUntouched() throws {
        let ws = try populated("damaged", runs: 12)
        defer { ws.cleanup() }
        _ = try damageOneAuditLeaf(ws.databasePath)
        let before = try bytes(ws.databasePath)
        for args in [["run", "tiny"], ["resume", "--all"], ["runs", "list"]] {
            let out = try QRun.run(args, home: ws.home)
            #expect(out.status == 5, "\(args): \(out.status) \(out.stdout) \(out.stderr)")
            #expect(out.stderr.contains("is damaged"), "\(args): \(out.stderr)")
            #expect(!out.stderr.contains("left untouched") || out.stderr.contains("before writing"), "\(out.stderr)")
        }
        #expect(try bytes(ws.databasePath) == before, "not one byte changed")
        // What survives is still readable, from the damaged file itself or a copy.
        let verify = try QRun.run(["audit", "verify", "--json"], home: ws.home)
        #expect(verify.status == 1, "\(verify.stderr)")
        let report = try verify.json()
        let problems = report["problems"] as? [String] ?? []
        #expect(problems.contains { $0.contains("cannot be read") }, "\(problems)")
        let events = report["events"] as? Int ?? 0
        #expect(events > 20, "most events survive: \(events)")
        let export = try QRun.run(["audit", "export"], home: ws.home)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.jsonLines().count == events)
        #expect(try bytes(ws.databasePath) == before, "reading left it as it was")
    }

    @Test func aForeignSQLiteFileIsRefusedAndLeftUntouched() throws {
        let ws = try TestWorkspace("foreign")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.tiny)
        try FileManager.default.createDirectory(atPath: ws.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let made = try python("""
            import sqlite3, sys, os
            os.umask(0o077)
            db = sqlite3.connect(sys.argv[1])
            db.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)")
            db.execute("INSERT INTO accounts (name) VALUES ('keep me')")
            db.commit()
            """, [ws.databasePath])
        #expect(made.status == 0, "\(made.stderr)")
        let before = try bytes(ws.databasePath)
        let out = try QRun.run(["run", "tiny"], home: ws.home)
        #expect(out.status == 5, "\(out.stderr)")
        #expect(out.stderr.contains("not a qrun database"), "\(out.stderr)")
        #expect(try bytes(ws.databasePath) == before, "not migrated, not switched to WAL")
        #expect(!FileManager.default.fileExists(atPath: ws.databasePath + "-wal"))
    }

    @Test func anEmptyDatabaseFileIsRefusedNotReinitialised() throws {
        let ws = try TestWorkspace("empty")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.tiny)
        try FileManager.default.createDirectory(atPath: ws.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        #expect(FileManager.default.createFile(atPath: ws.databasePath, contents: Data(), attributes: [.posixPermissions: 0o600]))
        let out = try QRun.run(["run", "tiny"], home: ws.home)
        #expect(out.status == 5, "\(out.stderr)")
        #expect(out.stderr.contains("is an empty file"), "\(out.stderr)")
        #expect(try bytes(ws.databasePath).isEmpty)
    }

    @Test func anUnknownStoredModeIsCorruptionNotALiveRun() throws {
        let ws = try TestWorkspace("mode")
        defer { ws.cleanup() }
        let marker = ws.home + "/ran-for-real"
        try ws.write(runbook: "marking", StateTrustTests.marking(marker))
        let drill = try QRun.run(["drill", "marking", "--json"], home: ws.home)
        let runID = try #require(try? drill.json()["run_id"] as? String, "\(drill.stdout)\(drill.stderr)")
        let edit = try python("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("UPDATE runs SET mode = 'dril', status = 'waiting' WHERE id = ?", (sys.argv[2],))
            db.execute("UPDATE steps SET status = 'pending' WHERE run_id = ?", (sys.argv[2],))
            db.commit()
            """, [ws.databasePath, runID])
        #expect(edit.status == 0, "\(edit.stderr)")
        for args in [["resume", runID], ["resume", "--all"], ["runs", "show", runID]] {
            let out = try QRun.run(args, home: ws.home)
            #expect(out.status == 5, "\(args): \(out.status) \(out.stderr)")
            #expect(out.stderr.contains("unknown mode"), "\(args): \(out.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func concurrentFirstStartsOnAFreshStateDirectoryAllSucceed() throws {
        for round in 0..<4 {
            let ws = try TestWorkspace("race\(round)")
            defer { ws.cleanup() }
            try ws.write(runbook: "tiny", Self.tiny)
            let starts = try (0..<6).map { _ in try QRun.start(["run", "tiny", "--json"], home: ws.home) }
            let outs = starts.map { $0.wait(timeout: 60) }
            for out in outs {
                #expect(out.status == 0, "round \(round): \(out.stderr)")
            }
            let list = try QRun.run(["runs", "list", "--json"], home: ws.home)
            #expect((try list.json()["runs"] as? [Any])?.count == 6, "round \(round): every start made its run")
        }
    }
}
