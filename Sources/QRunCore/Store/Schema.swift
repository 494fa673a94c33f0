import GRDB

/// The store's migrations. Once shipped, a migration is never edited: add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-core") { db in
            try db.execute(sql: """
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
                """)
        }
        // Who executes a run: the authority is this row, checked inside every transaction that
        // records the run's progress; the flock on locks/<run>.lock only makes waiting cheap.
        m.registerMigration("v2-run-leases") { db in
            try db.execute(sql: """
                CREATE TABLE run_leases (
                    run_id TEXT PRIMARY KEY NOT NULL,
                    owner TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    pid_start TEXT NOT NULL,
                    boot_id TEXT NOT NULL,
                    acquired_at TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        // What triggers brought: every alert post as received (a replay key makes a signed post
        // count once, across restarts), the alert instances that started runs (so a repeat of
        // the same firing attaches instead of starting again), and each principal's vote on an
        // approval that needs several.
        m.registerMigration("v3-triggers") { db in
            try db.execute(sql: """
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
                """)
        }
        return m
    }
}
