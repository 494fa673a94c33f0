import Foundation
import GRDB

extension QRunDatabase {
    /// What happened when asking for a new run.
    public enum CreateOutcome: Sendable {
        case created(RunRecord)
        /// An open run already holds the concurrency key; the trigger was attached to it.
        case attached(RunRecord)
    }

    /// Pins `runbook`'s exact text under its (name, version), refusing a changed text for a version
    /// already pinned. Then creates the run with all its steps pending, or attaches the trigger to
    /// the open run with the same concurrency key. One transaction.
    public func createRun(id: String, runbook: Runbook, mode: RunMode, inputs: Value, trigger: Value,
                          concurrencyKey: String?, actor: String) throws(StoreError) -> CreateOutcome {
        let now = Timestamp.format(Date())
        return try write { db -> CreateOutcome in
            try self.insertRun(db, id: id, runbook: runbook, mode: mode, inputs: inputs, trigger: trigger,
                               concurrencyKey: concurrencyKey, actor: actor, now: now)
        }
    }

    /// The body of ``createRun(id:runbook:mode:inputs:trigger:concurrencyKey:actor:)`` inside a
    /// transaction the caller holds (a trigger records what it received in the same one).
    ///
    /// With `absorbWindow`, a run with the same key that succeeded within that long (and no open
    /// one) takes the trigger too: see ``RunRequest/absorbWindow``.
    func insertRun(_ db: Database, id: String, runbook: Runbook, mode: RunMode, inputs: Value, trigger: Value,
                   concurrencyKey: String?, actor: String, now: String, absorbWindow: Duration? = nil) throws -> CreateOutcome {
        try self.pin(db, runbook: runbook, at: now)
        if let key = concurrencyKey,
           let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE concurrency_key = ? AND status IN ('pending','running','waiting')", arguments: [key]) {
            let existing = try Self.run(from: row)
            try attach(db, run: existing, trigger: trigger, reason: ["concurrency_key": .string(key)], inputs: inputs, actor: actor, now: now)
            return .attached(existing)
        }
        if let window = absorbWindow, window > .zero, let key = concurrencyKey,
           let row = try Row.fetchOne(db, sql: """
               SELECT * FROM runs WHERE concurrency_key = ? AND status = 'succeeded' AND finished_at >= ?
               ORDER BY finished_at DESC LIMIT 1
               """, arguments: [key, Timestamp.format(Date().addingTimeInterval(-Double(window.components.seconds)))]) {
            let existing = try Self.run(from: row)
            try attach(db, run: existing, trigger: trigger, reason: ["concurrency_key": .string(key), "absorbed_after_success": true],
                       inputs: inputs, actor: actor, now: now)
            return .attached(existing)
        }
        try db.execute(sql: """
            INSERT INTO runs (id, runbook, runbook_version, runbook_sha256, mode, status, inputs, trigger,
                              concurrency_key, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)
            """, arguments: [id, runbook.name, runbook.version, runbook.source.sha256, mode.rawValue,
                             self.cleanJSON(inputs), self.cleanJSON(trigger), concurrencyKey, now, now])
        let stmt = try db.cachedStatement(sql: """
            INSERT INTO steps (run_id, step_id, phase, position, action, status) VALUES (?, ?, ?, ?, ?, 'pending')
            """)
        for (i, step) in runbook.allSteps.enumerated() {
            try stmt.execute(arguments: [id, step.id, step.phase.rawValue, i, step.uses])
        }
        try db.execute(sql: "INSERT INTO run_triggers (run_id, at, source, data) VALUES (?, ?, ?, ?)",
                       arguments: [id, now, trigger["source"]?.stringValue ?? "cli", self.cleanJSON(trigger)])
        let created = try self.appendAudit(db, AuditDraft(runID: id, kind: "run.created", actor: actor, data: [
            "runbook": .string(runbook.name), "version": .int(runbook.version), "sha256": .string(runbook.source.sha256),
            "mode": .string(mode.rawValue), "inputs": inputs, "trigger": trigger,
            "concurrency_key": concurrencyKey.map(Value.string) ?? .null,
        ]))
        try db.execute(sql: "UPDATE runs SET audit_first_seq = ? WHERE id = ?", arguments: [created.seq, id])
        let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id])!
        return .created(try Self.run(from: row))
    }

    private func pin(_ db: Database, runbook: Runbook, at now: String) throws {
        if let row = try Row.fetchOne(db, sql: "SELECT sha256 FROM runbook_versions WHERE name = ? AND version = ?",
                                      arguments: [runbook.name, runbook.version]) {
            let pinned: String = row["sha256"]
            if pinned != runbook.source.sha256 {
                throw StoreError(.conflict, "\(runbook.source.path): runbook '\(runbook.name)' version \(runbook.version) has already been run with different text (sha256 \(pinned.prefix(12))…); bump `version:` to \(runbook.version + 1) after any change")
            }
            return
        }
        try db.execute(sql: "INSERT INTO runbook_versions (name, version, sha256, source, path, first_run_at) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [runbook.name, runbook.version, runbook.source.sha256, runbook.source.text, runbook.source.path, now])
    }

    /// The SHA-256 pinned for a runbook version, if it has been run.
    public func pinnedSHA(name: String, version: Int) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT sha256 FROM runbook_versions WHERE name = ? AND version = ?", arguments: [name, version]) }
    }

    /// The exact text a run started with.
    public func pinnedSource(name: String, version: Int) throws(StoreError) -> (text: String, path: String)? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT source, path FROM runbook_versions WHERE name = ? AND version = ?", arguments: [name, version])
                .map { ($0["source"], $0["path"]) }
        }
    }

    /// One run.
    public func run(_ id: String) throws(StoreError) -> RunRecord? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map { try Self.run(from: $0) } }
    }

    /// Runs, newest first.
    public func runs(limit: Int = 50, status: RunStatus? = nil) throws(StoreError) -> [RunRecord] {
        try read { db in
            if let status {
                return try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE status = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                                        arguments: [status.rawValue, limit]).map { try Self.run(from: $0) }
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ?", arguments: [limit]).map { try Self.run(from: $0) }
        }
    }

    /// How many runs have `status`.
    public func countRuns(status: RunStatus) throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs WHERE status = ?", arguments: [status.rawValue]) ?? 0 }
    }

    /// Runs that have not ended (candidates for `resume --all`).
    public func openRuns() throws(StoreError) -> [RunRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE status IN ('pending','running','waiting') ORDER BY created_at").map { try Self.run(from: $0) }
        }
    }

    /// Triggers that started or attached to a run, oldest first.
    public func triggers(runID: String) throws(StoreError) -> [Value] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT at, source, data FROM run_triggers WHERE run_id = ? ORDER BY rowid", arguments: [runID]).map { row in
                let data: String = row["data"]
                return .object(["at": .string(row["at"]), "source": .string(row["source"]), "data": (try? Value.parseJSON(data)) ?? .null])
            }
        }
    }

    /// Records an operator's cancel request (the run's owner acts on it).
    public func requestCancel(runID: String, actor: String) throws(StoreError) -> RunRecord {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [runID]) else {
                throw StoreError(.notFound, "no run with id \(runID); `qrun runs list` shows the runs")
            }
            let run = try Self.run(from: row)
            guard !run.status.isTerminal else {
                throw StoreError(.invalidState, "run \(runID) already ended (\(run.status.rawValue)); nothing to cancel")
            }
            if !run.cancelRequested {
                try db.execute(sql: "UPDATE runs SET cancel_requested = 1, updated_at = ? WHERE id = ?", arguments: [Timestamp.format(Date()), runID])
                try self.appendAudit(db, AuditDraft(runID: runID, kind: "run.cancel_requested", actor: actor))
            }
            var updated = run
            updated.cancelRequested = true
            return updated
        }
    }

    static func run(from row: Row) throws -> RunRecord {
        let inputs: String = row["inputs"]
        let trigger: String = row["trigger"]
        let id: String = row["id"]
        let modeText: String = row["mode"]
        let statusText: String = row["status"]
        // A value no case matches is corruption, never a default: a misread mode could turn a drill
        // into a live run.
        guard let mode = RunMode(rawValue: modeText) else {
            throw StoreError(.corrupt, "run \(id) in the state database has an unknown mode; the database was altered or damaged, so qrun does not act on it")
        }
        guard let status = RunStatus(rawValue: statusText) else {
            throw StoreError(.corrupt, "run \(id) in the state database has an unknown status; the database was altered or damaged, so qrun does not act on it")
        }
        guard let inputValue = try? Value.parseJSON(inputs), let triggerValue = try? Value.parseJSON(trigger) else {
            throw StoreError(.corrupt, "run \(id) in the state database has unreadable inputs or trigger; the database was altered or damaged")
        }
        return RunRecord(
            id: id, runbook: row["runbook"], runbookVersion: row["runbook_version"], runbookSHA256: row["runbook_sha256"],
            mode: mode, status: status, inputs: inputValue, trigger: triggerValue,
            concurrencyKey: row["concurrency_key"], cancelRequested: (row["cancel_requested"] as Int? ?? 0) != 0,
            createdAt: date(row["created_at"]) ?? Date(timeIntervalSince1970: 0), updatedAt: date(row["updated_at"]) ?? Date(timeIntervalSince1970: 0),
            finishedAt: date(row["finished_at"]))
    }
}
