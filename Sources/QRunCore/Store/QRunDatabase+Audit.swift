import Foundation
import GRDB

/// The last link of the chain, carried within one transaction.
struct ChainHead {
    var seq: Int64
    var hash: String
}

/// What `qrun audit verify` found.
public struct AuditVerification: Sendable {
    public var events: Int
    public var headSeq: Int64
    public var headHash: String
    /// Problems, each naming the sequence number where the chain breaks; empty when intact.
    public var problems: [String]
    public var isIntact: Bool { problems.isEmpty }
}

extension QRunDatabase {
    /// Appends one event to the chain inside the caller's transaction.
    @discardableResult
    func appendAudit(_ db: Database, _ draft: AuditDraft, head: ChainHead? = nil, now: String? = nil) throws -> ChainHead {
        let prev: ChainHead
        if let head {
            prev = head
        } else if let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1") {
            prev = ChainHead(seq: row["seq"], hash: row["hash"])
        } else {
            prev = ChainHead(seq: 0, hash: AuditEvent.genesis)
        }
        let seq = prev.seq + 1
        let ts = now ?? Timestamp.format(Date())
        let data = redactor.redact(draft.data).jsonText
        let actor = redactor.redact(draft.actor)
        let hash = AuditEvent.computeHash(seq: seq, ts: ts, runID: draft.runID, kind: draft.kind, actor: actor, data: data, prevHash: prev.hash)
        try db.cachedStatement(sql: "INSERT INTO audit_events (seq, ts, run_id, kind, actor, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [seq, ts, draft.runID, draft.kind, actor, data, prev.hash, hash])
        return ChainHead(seq: seq, hash: hash)
    }

    /// Appends one event on its own (operator commands that change nothing else).
    public func audit(_ draft: AuditDraft) throws(StoreError) {
        try write { db in _ = try appendAudit(db, draft) }
    }

    /// Events in chain order, optionally for one run.
    public func auditEvents(runID: String? = nil, afterSeq: Int64 = 0) throws(StoreError) -> [AuditEvent] {
        try read { db in
            let rows: [Row]
            if let runID {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM audit_events WHERE run_id = ? AND seq > ? ORDER BY seq", arguments: [runID, afterSeq])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM audit_events WHERE seq > ? ORDER BY seq", arguments: [afterSeq])
            }
            return rows.map(Self.event(from:))
        }
    }

    /// Walks the whole chain in storage order and reports every break: a modified event (its hash
    /// no longer matches its content), a removed one (a gap in sequence numbers, or a `prev_hash`
    /// that names nothing), a reordered or inserted one (`prev_hash` not the previous event's hash).
    public func verifyAudit() throws(StoreError) -> AuditVerification {
        try read { db in
            var problems: [String] = []
            var prevHash = AuditEvent.genesis
            var expectedSeq: Int64 = 1
            var count = 0
            var last = ChainHead(seq: 0, hash: AuditEvent.genesis)
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM audit_events ORDER BY rowid")
            while let row = try cursor.next() {
                let e = Self.event(from: row)
                count += 1
                if e.seq != expectedSeq {
                    problems.append(e.seq > expectedSeq
                        ? "event \(expectedSeq)\(e.seq - expectedSeq > 1 ? "–\(e.seq - 1)" : "") missing: the chain jumps to \(e.seq)"
                        : "event \(e.seq) is out of order (expected \(expectedSeq))")
                }
                let recomputed = AuditEvent.computeHash(seq: e.seq, ts: e.ts, runID: e.runID, kind: e.kind, actor: e.actor, data: e.data, prevHash: e.prevHash)
                if recomputed != e.hash {
                    problems.append("event \(e.seq) (\(e.kind)) was modified: its content no longer matches its hash")
                }
                if e.prevHash != prevHash {
                    problems.append("event \(e.seq) (\(e.kind)) does not follow the event before it: an event was inserted, removed or moved here")
                }
                prevHash = e.hash
                expectedSeq = e.seq + 1
                last = ChainHead(seq: e.seq, hash: e.hash)
            }
            return AuditVerification(events: count, headSeq: last.seq, headHash: last.hash, problems: problems)
        }
    }

    static func event(from row: Row) -> AuditEvent {
        AuditEvent(seq: row["seq"], ts: row["ts"], runID: row["run_id"], kind: row["kind"], actor: row["actor"],
                   data: row["data"], prevHash: row["prev_hash"], hash: row["hash"])
    }
}
