import GRDB

/// The store's migrations. Once shipped, a migration is never edited: add a new one.
///
/// Each migration is one SQL text, run by GRDB's migrator on an existing file (each in its own
/// transaction) or, on a file being created, all in one transaction (``createFresh(_:)``), which
/// ends in the same schema (`StoreSchemaTests` compares both).
enum Schema {
    static let migrations: [(identifier: String, sql: String)] = [
        ("v1-core", v1Core),
        ("v2-run-leases", v2RunLeases),
        ("v3-lean-commits", v3LeanCommits),
        ("v4-triggers", v4Triggers),
    ]

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        for (identifier, sql) in migrations {
            m.registerMigration(identifier) { db in try db.execute(sql: sql) }
        }
        return m
    }

    /// Creates the whole schema on a new, empty file in one IMMEDIATE transaction: one durable
    /// commit instead of one per migration. The result is what ``migrator`` makes: the same SQL
    /// texts in the same order, and the same `grdb_migrations` rows.
    static func createFresh(_ db: Database) throws {
        try db.inTransaction(.immediate) {
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            for (identifier, sql) in migrations {
                try db.execute(sql: sql)
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [identifier])
            }
            return .commit
        }
    }

    static let v1Core = """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        );
        CREATE TABLE runbook_versions (
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            source TEXT NOT NULL,
            path TEXT NOT NULL,
            first_run_at TEXT NOT NULL,
            PRIMARY KEY (name, version)
        );
        CREATE TABLE runs (
            id TEXT PRIMARY KEY NOT NULL,
            runbook TEXT NOT NULL,
            runbook_version INTEGER NOT NULL,
            runbook_sha256 TEXT NOT NULL,
            mode TEXT NOT NULL,
            status TEXT NOT NULL,
            inputs TEXT NOT NULL,
            trigger TEXT NOT NULL,
            concurrency_key TEXT,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT,
            FOREIGN KEY (runbook, runbook_version) REFERENCES runbook_versions (name, version)
        );
        CREATE UNIQUE INDEX runs_open_concurrency_key ON runs (concurrency_key)
            WHERE concurrency_key IS NOT NULL AND status IN ('pending', 'running', 'waiting');
        CREATE INDEX runs_by_created ON runs (created_at);
        CREATE TABLE steps (
            run_id TEXT NOT NULL REFERENCES runs (id),
            step_id TEXT NOT NULL,
            phase TEXT NOT NULL,
            position INTEGER NOT NULL,
            action TEXT NOT NULL,
            status TEXT NOT NULL,
            attempt INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            outputs TEXT,
            error TEXT,
            next_attempt_at TEXT,
            started_at TEXT,
            finished_at TEXT,
            PRIMARY KEY (run_id, step_id)
        );
        CREATE TABLE step_attempts (
            run_id TEXT NOT NULL,
            step_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            verb TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            error TEXT,
            retryable INTEGER,
            summary TEXT,
            PRIMARY KEY (run_id, step_id, attempt)
        ) WITHOUT ROWID;
        CREATE TABLE approvals (
            run_id TEXT NOT NULL,
            step_id TEXT NOT NULL,
            decision TEXT NOT NULL,
            actor TEXT NOT NULL,
            comment TEXT,
            decided_at TEXT NOT NULL,
            consumed INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (run_id, step_id)
        );
        CREATE TABLE run_triggers (
            run_id TEXT NOT NULL,
            at TEXT NOT NULL,
            source TEXT NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX run_triggers_by_run ON run_triggers (run_id);
        CREATE TABLE audit_events (
            seq INTEGER PRIMARY KEY NOT NULL,
            ts TEXT NOT NULL,
            run_id TEXT,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            data TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_by_run ON audit_events (run_id);
        """

    // Who executes a run: the authority is this row, checked inside every transaction that
    // records the run's progress; the flock on locks/<run>.lock only makes waiting cheap.
    static let v2RunLeases = """
        CREATE TABLE run_leases (
            run_id TEXT PRIMARY KEY NOT NULL,
            owner TEXT NOT NULL,
            pid INTEGER NOT NULL,
            pid_start TEXT NOT NULL,
            boot_id TEXT NOT NULL,
            acquired_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """

    // Fewer pages written per commit of a step's progress (docs/decisions.md, issue 10):
    // - the index on the audit events' run id cost one page per commit; a run's events are found
    //   from the sequence number of its first event (`run.created`), kept in its row, since every
    //   later event of the run has a higher one;
    // - a step's last attempt lives on the step row, which its result rewrites anyway;
    //   `step_attempts` keeps the attempts a later one superseded (retried, interrupted).
    static let v3LeanCommits = """
        ALTER TABLE runs ADD COLUMN audit_first_seq INTEGER;
        UPDATE runs SET audit_first_seq = (SELECT min(seq) FROM audit_events WHERE audit_events.run_id = runs.id);
        DROP INDEX audit_by_run;
        ALTER TABLE steps ADD COLUMN attempt_started_at TEXT;
        ALTER TABLE steps ADD COLUMN attempt_summary TEXT;
        ALTER TABLE steps ADD COLUMN attempt_retryable INTEGER;
        """

    /// What triggers brought: every alert post as received (a replay key makes a signed post
    /// count once, across restarts), the alert instances that started runs (so a repeat of the
    /// same firing attaches instead of starting again), and each principal's vote on an approval
    /// that needs several.
    static let v4Triggers = """
        CREATE TABLE alert_receipts (
            seq INTEGER PRIMARY KEY NOT NULL,
            received_at TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            principal TEXT NOT NULL,
            replay_key TEXT UNIQUE,
            body_sha256 TEXT NOT NULL,
            alerts INTEGER NOT NULL,
            outcome TEXT NOT NULL
        );
        CREATE TABLE alert_instances (
            runbook TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            run_id TEXT NOT NULL,
            PRIMARY KEY (runbook, fingerprint, starts_at)
        ) WITHOUT ROWID;
        CREATE TABLE approval_votes (
            run_id TEXT NOT NULL,
            step_id TEXT NOT NULL,
            principal TEXT NOT NULL,
            decision TEXT NOT NULL,
            comment TEXT,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (run_id, step_id, principal)
        ) WITHOUT ROWID;
        CREATE INDEX runs_by_concurrency_key ON runs (concurrency_key, finished_at) WHERE concurrency_key IS NOT NULL;
        """
}
