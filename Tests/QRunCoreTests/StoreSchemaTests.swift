import Foundation
import GRDB
@testable import QRunCore
import Testing

/// A new state file is created in one transaction; it must end exactly as a file taken through
/// every migration one by one, and the `v3` migration must keep every run's events findable.
@Suite
struct StoreSchemaTests {
    static func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "qrun-schema-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return dir
    }

    /// Everything that defines a schema: every object's SQL text, the applied migrations, and the
    /// page layout (so that even the free page left by a dropped index is the same).
    static func shape(_ q: DatabaseQueue) throws -> [String] {
        try q.read { db in
            let objects = try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY type, name").map { row in
                "\(row[0] as String) \(row[1] as String) \(row[2] as String) \(row[3] as Int) \(row[4] as String? ?? "-")"
            }
            let migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? -1
            let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? -1
            return objects + migrations.map { "migration \($0)" } + ["pages \(pages) free \(free)"]
        }
    }

    @Test func aFreshFileHasTheSchemaOfEveryMigrationAppliedInTurn() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let migrated = try DatabaseQueue(path: dir + "/migrated.sqlite")
        try Schema.migrator.migrate(migrated)
        let fresh = try DatabaseQueue(path: dir + "/fresh.sqlite")
        try fresh.writeWithoutTransaction { db in try Schema.createFresh(db) }
        let a = try Self.shape(migrated), b = try Self.shape(fresh)
        #expect(a == b)
        #expect(a.contains("migration v3-lean-commits"))
        #expect(!a.contains { $0.contains("audit_by_run") })
    }

    @Test func theFacadeCreatesAFreshFileInItsFinalShape() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try QRunDatabase(directory: StateDirectory(path: dir + "/state"), redactor: Redactor())
        let migrated = try DatabaseQueue(path: dir + "/migrated.sqlite")
        try Schema.migrator.migrate(migrated)
        let made = try DatabaseQueue(path: db.path)
        #expect(try Self.shape(made) == Self.shape(migrated))
    }

    /// A state file written before `v3` (the run's events found through an index on their run
    /// id) keeps every event of every run findable once migrated, and none of another run's.
    @Test func migratingAnOlderFileKeepsEachRunsEvents() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = dir + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = state + "/qrun.sqlite"
        do {
            var config = Configuration()
            config.journalMode = .wal
            let old = try DatabaseQueue(path: path, configuration: config)
            try Schema.migrator.migrate(old, upTo: "v2-run-leases")
            try old.write { db in
                try db.execute(sql: "INSERT INTO runbook_versions VALUES ('rb', 1, 'x', 'text', 'rb.yaml', '2026-01-01T00:00:00.000Z')")
                for run in ["r-a", "r-b"] {
                    try db.execute(sql: """
                        INSERT INTO runs (id, runbook, runbook_version, runbook_sha256, mode, status, inputs, trigger, created_at, updated_at)
                        VALUES (?, 'rb', 1, 'x', 'apply', 'succeeded', '{}', '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
                        """, arguments: [run])
                }
                // Interleaved, as two runs of one daemon write them.
                for (seq, run) in [(1, "r-a"), (2, "r-b"), (3, "r-a"), (4, nil), (5, "r-b"), (6, "r-a")] as [(Int, String?)] {
                    try db.execute(sql: "INSERT INTO audit_events VALUES (?, '2026-01-01T00:00:00.000Z', ?, 'k', 'a', '{}', 'p', 'h')",
                                   arguments: [seq, run])
                }
            }
        }
        for suffix in ["", "-wal", "-shm"] { chmod(path + suffix, 0o600) }
        let db = try QRunDatabase(directory: StateDirectory(path: state), redactor: Redactor())
        #expect(try db.auditEvents(runID: "r-a").map(\.seq) == [1, 3, 6])
        #expect(try db.auditEvents(runID: "r-b").map(\.seq) == [2, 5])
        #expect(try db.auditEvents(runID: "r-b", afterSeq: 2).map(\.seq) == [5])
        #expect(try db.auditEvents().count == 6)
    }
}
