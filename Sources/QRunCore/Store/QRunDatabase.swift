import Foundation
import GRDB

/// The one facade over qrun's SQLite state: runs, steps, attempts, approvals, pinned runbooks and
/// the audit chain. No SQL lives outside this folder.
///
/// Durability: WAL with `synchronous=FULL` (asserted at open), write transactions are IMMEDIATE,
/// and every text written passes through the ``Redactor`` first, so a secret that reached a step's
/// output or error is masked before it can touch the file.
public final class QRunDatabase: Sendable {
    public let path: String
    let queue: DatabaseQueue
    let redactor: Redactor

    /// Opens (creating if needed) the database in `directory`, checking permissions, migrating,
    /// and asserting durability settings. Never recreates or overwrites an unreadable file.
    public init(directory: StateDirectory, redactor: Redactor, busyTimeout: TimeInterval = 10) throws(StoreError) {
        try directory.prepare()
        let path = directory.databasePath
        self.path = path
        self.redactor = redactor
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        config.label = "qrun"
        do {
            let existed = FileManager.default.fileExists(atPath: path)
            let old = umask(0o077)
            defer { umask(old) }
            queue = try DatabaseQueue(path: path, configuration: config)
            if !existed {
                chmod(path, 0o600)
            }
            // GRDB sets synchronous=NORMAL when it opens a WAL database; a containment step's intent
            // must survive power loss, so set FULL again on the (only) connection and check it took.
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
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
            try migrator.migrate(queue)
            for suffix in ["-wal", "-shm"] { chmod(path + suffix, 0o600) }
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// Runs `body` in one IMMEDIATE transaction, translating errors.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
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
