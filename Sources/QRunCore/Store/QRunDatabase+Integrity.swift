import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

extension QRunDatabase {
    /// Refuses an existing file at the database path that cannot be qrun's: empty, or not SQLite.
    /// Returns whether a file exists. Reads 16 bytes; writes nothing.
    static func inspectExisting(_ path: String) throws(StoreError) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return false }
            throw StoreError(.io, "cannot open state database \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 16)
        let n = Glibc.read(fd, &header, 16)
        if n == 0 {
            // qrun's own interrupted creation is recognised by its marker before this point, so an
            // empty file here is damage or someone else's.
            throw StoreError(.notADatabase, "state database \(path) is an empty file, not a qrun database; it was left untouched. If you expected runs there, restore a backup; otherwise delete it and run again.")
        }
        guard n == 16, header == Array("SQLite format 3\0".utf8) else {
            throw StoreError(.notADatabase, "state database \(path) is corrupted or not a qrun database; it was left untouched. Move it aside (or restore a backup) and run again; `qrun audit verify` on a copy shows what survives.")
        }
        return true
    }

    /// Refuses a SQLite file that is not a qrun database, or that fails `quick_check`.
    static func checkIdentity(_ queue: DatabaseQueue, path: String) throws(StoreError) {
        do {
            let tables = try queue.read { db in
                Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
            }
            let ours: Set<String> = ["grdb_migrations", "runs", "steps", "audit_events"]
            guard tables.isSuperset(of: ours) else {
                let what = tables.isEmpty ? "has no tables" : "holds other tables (\(tables.sorted().prefix(5).joined(separator: ", ")))"
                throw StoreError(.notADatabase, "state database \(path) is a SQLite file but not a qrun database (it \(what)); it was left untouched. Point --state-dir elsewhere, or move the file aside.")
            }
            let check = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check(5)") }
            guard check == ["ok"] else {
                throw StoreError.damaged(path, detail: "quick_check: \(check.prefix(2).joined(separator: "; "))", stoppedBefore: "writing anything to it")
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.from(error, path: path)
        }
    }
}

/// An exclusive `flock` held while a process opens and migrates the database, so that concurrent
/// first starts on a fresh state directory neither race on the schema nor see a half-made file.
final class InitLock {
    private let fd: Int32

    init(path: String, timeout: TimeInterval) throws(StoreError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw StoreError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(max(timeout, 0))
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(fd)
                throw StoreError(.locked, "state database in \((path as NSString).deletingLastPathComponent) is being opened by another process that did not finish in time; nothing was changed. Retry when the other qrun command has finished.")
            }
            usleep(2_000)
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
