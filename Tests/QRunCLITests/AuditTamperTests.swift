import Foundation
import QRunTestSupport
import Testing

/// `qrun audit verify` must catch a modified, removed, reordered or inserted event, each edited
/// straight into the SQLite file as an attacker with file access would.
@Suite(.serialized)
struct AuditTamperTests {
    static let runbook = """
        runbook: small
        version: 1
        steps:
          - id: one
            uses: core.noop
          - id: two
            needs: [one]
            uses: core.noop
          - id: three
            needs: [two]
            uses: core.noop
        """

    /// A workspace with one finished run (about 15 audit events).
    func workspace() throws -> TestWorkspace {
        let ws = try TestWorkspace("audit")
        try ws.write(runbook: "small", Self.runbook)
        let run = try QRun.run(["run", "small", "--json"], home: ws.home)
        #expect(run.status == 0, "\(run.stderr)")
        let verify = try QRun.run(["audit", "verify", "--json"], home: ws.home)
        #expect(verify.status == 0)
        #expect(try verify.json()["intact"] as? Bool == true)
        #expect((try verify.json()["events"] as? Int ?? 0) >= 10)
        return ws
    }

    func sql(_ ws: TestWorkspace, _ statements: String) throws {
        let out = try python("""
            import os, sqlite3, sys
            os.umask(0o077)
            db = sqlite3.connect(sys.argv[1])
            db.executescript(sys.argv[2])
            db.commit()
            db.close()
            """, [ws.databasePath, statements])
        #expect(out.status == 0, "\(out.stderr)")
    }

    func verifyFails(_ ws: TestWorkspace, mentioning phrase: String) throws {
        let out = try QRun.run(["audit", "verify"], home: ws.home)
        #expect(out.status == 1, "verify must fail: \(out.stdout) \(out.stderr)")
        #expect(out.stdout.contains("BROKEN"))
        #expect(out.stdout.contains(phrase), "expected '\(phrase)' in: \(out.stdout)")
    }

    @Test func modifiedEventIsCaught() throws {
        let ws = try workspace()
        defer { ws.cleanup() }
        try sql(ws, "UPDATE audit_events SET actor = 'cli:mallory' WHERE seq = 5;")
        try verifyFails(ws, mentioning: "event 5")
        try verifyFails(ws, mentioning: "was modified")
    }

    @Test func modifiedDataWithRecomputedHashBreaksTheNextLink() throws {
        let ws = try workspace()
        defer { ws.cleanup() }
        // The attacker also recomputes event 5's own hash; event 6 no longer follows it.
        let out = try python("""
            import hashlib, os, sqlite3, sys
            os.umask(0o077)
            db = sqlite3.connect(sys.argv[1])
            seq, ts, run, kind, actor, data, prev = db.execute("SELECT seq, ts, run_id, kind, actor, data, prev_hash FROM audit_events WHERE seq = 5").fetchone()
            data = data.replace('"', "'")
            text = prev + "\\n%d\\n%s\\n%s\\n%s\\n%s\\n" % (seq, ts, run or "", kind, actor) + data
            h = hashlib.sha256(text.encode()).hexdigest()
            db.execute("UPDATE audit_events SET data = ?, hash = ? WHERE seq = 5", (data, h))
            db.commit()
            """, [ws.databasePath])
        #expect(out.status == 0, "\(out.stderr)")
        try verifyFails(ws, mentioning: "event 6")
        try verifyFails(ws, mentioning: "does not follow")
    }

    @Test func removedEventIsCaught() throws {
        let ws = try workspace()
        defer { ws.cleanup() }
        try sql(ws, "DELETE FROM audit_events WHERE seq = 7;")
        try verifyFails(ws, mentioning: "event 7 missing")
    }

    @Test func reorderedEventsAreCaught() throws {
        let ws = try workspace()
        defer { ws.cleanup() }
        try sql(ws, """
            UPDATE audit_events SET seq = -1 WHERE seq = 4;
            UPDATE audit_events SET seq = 4 WHERE seq = 5;
            UPDATE audit_events SET seq = 5 WHERE seq = -1;
            """)
        try verifyFails(ws, mentioning: "event 4")
        try verifyFails(ws, mentioning: "event 5")
    }

    @Test func insertedEventIsCaught() throws {
        let ws = try workspace()
        defer { ws.cleanup() }
        // A forged event with a correct hash of its own, spliced in after event 6.
        let out = try python("""
            import hashlib, os, sqlite3, sys
            os.umask(0o077)
            db = sqlite3.connect(sys.argv[1])
            db.execute("UPDATE audit_events SET seq = seq + 100000 WHERE seq > 6")
            db.execute("UPDATE audit_events SET seq = seq - 99999 WHERE seq > 100000")
            prev = db.execute("SELECT hash FROM audit_events WHERE seq = 6").fetchone()[0]
            ts, data = "2026-01-01T00:00:00.000Z", '{"step":"one"}'
            text = prev + "\\n7\\n%s\\n\\nstep.approved\\ncli:mallory\\n" % ts + data
            h = hashlib.sha256(text.encode()).hexdigest()
            db.execute("INSERT INTO audit_events (seq, ts, run_id, kind, actor, data, prev_hash, hash) VALUES (7, ?, NULL, 'step.approved', 'cli:mallory', ?, ?, ?)", (ts, data, prev, h))
            db.commit()
            """, [ws.databasePath])
        #expect(out.status == 0, "\(out.stderr)")
        try verifyFails(ws, mentioning: "event 8")
        try verifyFails(ws, mentioning: "does not follow")
    }

    @Test func truncationIsCaughtAgainstARecordedHead() throws {
        let ws = try workspace()
        defer { ws.cleanup() }
        let before = try QRun.run(["audit", "verify", "--json"], home: ws.home).json()
        let head = "\(before["head_seq"] as! Int):\(before["head_hash"] as! String)"
        #expect(try QRun.run(["audit", "verify", "--expect-head", head], home: ws.home).status == 0)
        try sql(ws, "DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events);")
        let out = try QRun.run(["audit", "verify", "--expect-head", head], home: ws.home)
        #expect(out.status == 1)
        #expect(out.stdout.contains("truncated or rewritten"))
    }

    @Test func exportWritesOneJSONObjectPerEventWithItsHashes() throws {
        let ws = try workspace()
        defer { ws.cleanup() }
        let out = try QRun.run(["audit", "export"], home: ws.home)
        #expect(out.status == 0)
        let lines = out.jsonLines()
        #expect(lines.count >= 10)
        #expect(lines.enumerated().allSatisfy { $0.element["seq"] as? Int == $0.offset + 1 })
        for (a, b) in zip(lines, lines.dropFirst()) {
            #expect(b["prev_hash"] as? String == a["hash"] as? String)
        }
        #expect(lines.contains { $0["kind"] as? String == "step.started" })
        #expect(lines.contains { $0["kind"] as? String == "run.finished" })
    }
}
