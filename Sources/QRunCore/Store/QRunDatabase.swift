import Foundation
import GRDB
import Synchronization

/// The one facade over qrun's SQLite state: runs, steps, attempts, approvals, pinned runbooks and
/// the audit chain. No SQL lives outside this folder.
///
/// Durability: WAL with `synchronous=FULL` (asserted at open), write transactions are IMMEDIATE,
/// and every text written passes through the ``Redactor`` first, so a secret that reached a step's
/// output or error is masked before it can touch the file.
///
/// Integrity: an existing file is checked before anything is written to it: an empty file, a file
/// that is not SQLite, a SQLite file that is not qrun's, or one that fails `PRAGMA quick_check` is
/// refused and left exactly as it was. The first creation is serialised between processes.
public final class QRunDatabase: Sendable {
    public let path: String
    let queue: DatabaseQueue
    let redactor: Redactor
    /// The lease owner token of each run this process executes (see ``acquireLease(runID:)``).
    let leases = Mutex<[String: String]>([:])

    /// Opens (creating if needed) the database in `directory`, checking ownership, permissions and
    /// integrity, migrating, and asserting durability settings. Never recreates or overwrites a file
    /// it did not create.
    public init(directory: StateDirectory, redactor: Redactor, busyTimeout: TimeInterval = 10) throws(StoreError) {
        try directory.prepare()
        let path = directory.databasePath
        self.path = path
        self.redactor = redactor
        let initLock = try InitLock(path: directory.initLockPath, timeout: busyTimeout)
        defer { withExtendedLifetime(initLock) {} }
        // A creation interrupted by a crash leaves its marker: what it left (an empty or table-less
        // file) was ours and is made again. Without the marker, such a file is someone else's.
        let marker = directory.creationMarkerPath
        if access(marker, F_OK) == 0 {
            for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        }
        let existed = try Self.inspectExisting(path)
        if !existed {
            let fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw StoreError(.io, "cannot create \(marker): \(String(cString: strerror(errno)))") }
            close(fd)
        }
        var config = Configuration()
        // WAL is switched on below, after the file is known to be ours: opening a foreign
        // rollback-journal database in WAL mode would already change it.
        config.journalMode = .default
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        config.label = "qrun"
        do {
            let old = umask(0o077)
            defer { umask(old) }
            queue = try DatabaseQueue(path: path, configuration: config)
            if existed {
                try Self.checkIdentity(queue, path: path)
            } else {
                chmod(path, 0o600)
            }
            try queue.writeWithoutTransaction { db in
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                if mode?.lowercased() != "wal" { return }
                // A containment step's intent must survive power loss.
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            let sync = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            let journal = try queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            guard sync == 2, journal?.lowercased() == "wal" else {
                throw StoreError(.io, "state database \(path) did not accept WAL with synchronous=FULL (got journal_mode=\(journal ?? "?"), synchronous=\(sync ?? -1)); refusing to run without durable commits")
            }
            let migrator = Schema.migrator
            let applied = try queue.read { db in try migrator.appliedIdentifiers(db) }
            let known = Set(migrator.migrations)
            if let unknown = applied.first(where: { !known.contains($0) }) {
                throw StoreError(.tooNew, "state database \(path) was written by a newer qrun (migration \(unknown)); use that version")
            }
            if existed {
                try migrator.migrate(queue)
            } else {
                // A new file: the whole schema in one durable commit (the marker covers a crash).
                try queue.writeWithoutTransaction { db in try Schema.createFresh(db) }
            }
            for suffix in ["-wal", "-shm"] { chmod(path + suffix, 0o600) }
            if !existed { unlink(marker) }
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// Opens a possibly damaged database read-only, for `audit verify` and `audit export` to read
    /// whatever survives. Nothing is migrated, checked or written.
    public init(salvaging directory: StateDirectory, redactor: Redactor) throws(StoreError) {
        let path = directory.databasePath
        self.path = path
        self.redactor = redactor
        var st = stat()
        guard lstat(path, &st) == 0 else { throw StoreError(.notFound, "no state database at \(path)") }
        do {
            try FileTrust.checkStateOwner(path, st, what: "state file")
        } catch {
            throw StoreError(.untrusted, error.description)
        }
        var config = Configuration()
        config.readonly = true
        config.label = "qrun-salvage"
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// Runs `body` in one IMMEDIATE transaction, translating errors.
    ///
    /// `BEGIN` and `COMMIT` are prepared once per connection (a chain makes one of these per step).
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                try db.cachedStatement(sql: "BEGIN IMMEDIATE").execute()
                do {
                    let result = try body(db)
                    try db.cachedStatement(sql: "COMMIT").execute()
                    return result
                } catch {
                    if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
                    throw error
                }
            }
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// Runs a read.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.read(body)
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// Text with every known secret masked.
    func clean(_ text: String?) -> String? {
        text.map { redactor.redact($0) }
    }

    /// JSON text of a value with every known secret masked.
    func cleanJSON(_ value: Value?) -> String? {
        value.map { redactor.redact($0).jsonText }
    }

    static func date(_ text: String?) -> Date? { text.flatMap(Timestamp.parse) }
    static func text(_ date: Date?) -> String? { date.map(Timestamp.format) }
}
