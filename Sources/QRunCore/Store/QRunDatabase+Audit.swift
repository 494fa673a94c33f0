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
        } else if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")) {
            prev = ChainHead(seq: row[0], hash: row[1])
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
        do {
            return try readAuditEvents(runID: runID, afterSeq: afterSeq)
        } catch where error.code == .corrupt {
            // A damaged copy: export what survives.
            return try survivingAuditEvents().events.filter { $0.seq > afterSeq && (runID == nil || $0.runID == runID) }
        }
    }

    private func readAuditEvents(runID: String?, afterSeq: Int64) throws(StoreError) -> [AuditEvent] {
        try read { db in
            let rows: [Row]
            if let runID {
                // A run's events all come at or after its first one (see Schema.v3AuditRunRange).
                let first = try Self.firstAuditSeq(db, runID: runID)
                rows = try Row.fetchAll(db, sql: "SELECT \(Self.eventColumns) FROM audit_events WHERE seq > ? AND run_id = ? ORDER BY seq",
                                        arguments: [max(afterSeq, first - 1), runID])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT \(Self.eventColumns) FROM audit_events WHERE seq > ? ORDER BY seq", arguments: [afterSeq])
            }
            return rows.map(Self.event(from:))
        }
    }

    /// Walks the whole chain in storage order and reports every break: a modified event (its hash
    /// no longer matches its content), a removed one (a gap in sequence numbers, or a `prev_hash`
    /// that names nothing), a reordered or inserted one (`prev_hash` not the previous event's hash),
    /// and a run whose pinned runbook text no longer has the SHA-256 its `run.created` event recorded.
    ///
    /// On a damaged file it reads every event that survives (see ``survivingAuditEvents()``) and
    /// reports the unreadable ones as problems.
    public func verifyAudit() throws(StoreError) -> AuditVerification {
        let (events, unreadable) = try survivingAuditEvents()
        var problems = unreadable.map { "event \($0) cannot be read: the database page holding it is damaged" }
        var prevHash = AuditEvent.genesis
        var expectedSeq: Int64 = 1
        var last = ChainHead(seq: 0, hash: AuditEvent.genesis)
        let unreadableSet = Set(unreadable)
        for e in events {
            if e.seq != expectedSeq {
                let gap = (expectedSeq..<max(expectedSeq, e.seq)).filter { !unreadableSet.contains($0) }
                if e.seq < expectedSeq {
                    problems.append("event \(e.seq) is out of order (expected \(expectedSeq))")
                } else if !gap.isEmpty {
                    problems.append("event \(gap.first!)\(gap.count > 1 ? "–\(gap.last!)" : "") missing: the chain jumps to \(e.seq)")
                }
            }
            let recomputed = AuditEvent.computeHash(seq: e.seq, ts: e.ts, runID: e.runID, kind: e.kind, actor: e.actor, data: e.data, prevHash: e.prevHash)
            if recomputed != e.hash {
                problems.append("event \(e.seq) (\(e.kind)) was modified: its content no longer matches its hash")
            }
            if e.prevHash != prevHash && !unreadableSet.contains(e.seq - 1) {
                problems.append("event \(e.seq) (\(e.kind)) does not follow the event before it: an event was inserted, removed or moved here")
            }
            prevHash = e.hash
            expectedSeq = e.seq + 1
            last = ChainHead(seq: e.seq, hash: e.hash)
        }
        problems += (try? pinnedRunbookProblems(events)) ?? ["the pinned runbooks cannot be read: the database is damaged"]
        return AuditVerification(events: events.count, headSeq: last.seq, headHash: last.hash, problems: problems)
    }

    /// Every audit event that can be read, in storage order, and the sequence numbers of those
    /// that cannot. A healthy file is read in one pass; when that pass fails on a damaged page,
    /// each event is read on its own so one bad page costs only the events on it.
    public func survivingAuditEvents() throws(StoreError) -> (events: [AuditEvent], unreadable: [Int64]) {
        if let all = try? read({ db in try Row.fetchAll(db, sql: "SELECT \(Self.eventColumns) FROM audit_events ORDER BY rowid").map(Self.event(from:)) }) {
            return (all, [])
        }
        var maxSeq: Int64 = 0
        for sql in ["SELECT max(seq) FROM audit_events", "SELECT seq FROM audit_events ORDER BY seq DESC LIMIT 1"] {
            if let m = try? read({ db in try Int64.fetchOne(db, sql: sql) }) { maxSeq = max(maxSeq, m) }
        }
        guard maxSeq > 0 else {
            throw StoreError(.corrupt, "the audit events in \(path) cannot be read at all: the database is too damaged")
        }
        var events: [AuditEvent] = []
        var unreadable: [Int64] = []
        for seq in 1...maxSeq {
            do {
                let row = try queue.read { db in try Row.fetchOne(db, sql: "SELECT \(Self.eventColumns) FROM audit_events WHERE seq = ?", arguments: [seq]) }
                if let row { events.append(Self.event(from: row)) }
            } catch {
                unreadable.append(seq)
            }
        }
        return (events, unreadable)
    }

    /// Runs whose pinned runbook text (or recorded SHA-256) differs from what `run.created` recorded.
    private func pinnedRunbookProblems(_ events: [AuditEvent]) throws -> [String] {
        var problems: [String] = []
        for e in events where e.kind == "run.created" {
            guard let runID = e.runID, let data = try? Value.parseJSON(e.data), let recorded = data["sha256"]?.stringValue else { continue }
            if let p = try pinnedRunbookProblem(runID: runID, recorded: recorded) { problems.append(p) }
        }
        return problems
    }

    /// Before a run is resumed: its pinned text must still have the SHA-256 recorded in its
    /// `run.created` audit event (and in the run row), so that state edited behind qrun's back
    /// cannot change what a resumed run executes. `actual` is the SHA-256 of the pinned text as loaded.
    public func checkPinnedRunbook(run: RunRecord, sha256 actual: String) throws(StoreError) {
        let recorded = try read { db -> String? in
            let first = try Self.firstAuditSeq(db, runID: run.id)
            let data = try String.fetchOne(db, sql: "SELECT data FROM audit_events WHERE seq >= ? AND run_id = ? AND kind = 'run.created' ORDER BY seq LIMIT 1",
                                           arguments: [first, run.id])
            return data.flatMap { try? Value.parseJSON($0) }?["sha256"]?.stringValue
        }
        guard let recorded else {
            throw StoreError(.corrupt, "run \(run.id) has no run.created audit event recording its runbook's SHA-256; its state was altered outside qrun, so it is not resumed. Check `qrun audit verify`.")
        }
        guard recorded == actual, recorded == run.runbookSHA256 else {
            throw StoreError(.corrupt, "the pinned text of runbook \(run.runbook) v\(run.runbookVersion) for run \(run.id) has SHA-256 \(actual.prefix(12))…, but the run was created with \(recorded.prefix(12))…; the state was altered outside qrun, so the run is not resumed. Check `qrun audit verify`.")
        }
    }

    private func pinnedRunbookProblem(runID: String, recorded: String) throws -> String? {
        let row = try queue.read { db in
            try Row.fetchOne(db, sql: """
                SELECT r.runbook, r.runbook_version, r.runbook_sha256, v.source FROM runs r
                LEFT JOIN runbook_versions v ON v.name = r.runbook AND v.version = r.runbook_version WHERE r.id = ?
                """, arguments: [runID])
        }
        guard let row else { return "run \(runID) was created (audit event) but its row is gone" }
        let name: String = row["runbook"]
        let version: Int = row["runbook_version"]
        let source: String? = row["source"]
        let runSHA: String = row["runbook_sha256"]
        guard let source else { return "run \(runID): the pinned text of runbook \(name) v\(version) is missing" }
        let actual = Digest.sha256Hex(Data(source.utf8))
        if actual != recorded || runSHA != recorded {
            return "run \(runID): the pinned text of runbook \(name) v\(version) (sha256 \(actual.prefix(12))…) is not the text the run was created with (\(recorded.prefix(12))…)"
        }
        return nil
    }

    /// The columns ``event(from:)`` reads, by index.
    static let eventColumns = "seq, ts, run_id, kind, actor, data, prev_hash, hash"

    static func event(from row: Row) -> AuditEvent {
        AuditEvent(seq: row[0], ts: row[1], runID: row[2], kind: row[3], actor: row[4], data: row[5], prevHash: row[6], hash: row[7])
    }

    /// The sequence number of a run's first audit event (1 when unknown: a state file that lost
    /// it is searched from the start, never partly).
    static func firstAuditSeq(_ db: Database, runID: String) throws -> Int64 {
        // `try?`: a file opened for salvage may predate the column.
        let first = (try? Int64.fetchOne(db.cachedStatement(sql: "SELECT audit_first_seq FROM runs WHERE id = ?"), arguments: [runID])) ?? nil
        return max(1, first ?? 1)
    }
}
