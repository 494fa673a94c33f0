import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The state directory: created 0700, refused when group or others can reach it, when it or any
/// state file in it belongs to another user, or when a state file is a symbolic link.
public struct StateDirectory: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The SQLite file.
    public var databasePath: String { (path as NSString).appendingPathComponent("qrun.sqlite") }
    /// Per-run lock files.
    public var locksPath: String { (path as NSString).appendingPathComponent("locks") }
    /// Evidence, by run.
    public var evidencePath: String { (path as NSString).appendingPathComponent("evidence") }
    /// Serialises the first creation (and migration) of the database between processes.
    var initLockPath: String { (path as NSString).appendingPathComponent("qrun.sqlite.init-lock") }
    /// Present while the database is being created; proves an empty or half-made file is ours.
    var creationMarkerPath: String { (path as NSString).appendingPathComponent("qrun.sqlite.creating") }

    /// Creates the directory if needed (0700) and checks its owner and mode and those of the
    /// database files and the lock folder. Nothing is changed when a check fails.
    public func prepare(create: Bool = true) throws(StoreError) {
        var st = stat()
        if lstat(path, &st) != 0 {
            guard create else { throw StoreError(.notFound, "state directory \(path) does not exist") }
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                throw StoreError(.io, "cannot create state directory \(path): \(String(cString: strerror(errno)))")
            }
            guard lstat(path, &st) == 0 else { throw StoreError(.io, "cannot stat state directory \(path)") }
        }
        try Self.owned(path, st, what: "state directory")
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw StoreError(.io, "state path \(path) is not a directory")
        }
        let mode = st.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw StoreError(.unsafePermissions, String(format: "state directory %@ is accessible to group or others (mode %03o); qrun refuses to keep incident state there. Run: chmod 700 %@", path, mode, path))
        }
        for file in [databasePath, databasePath + "-wal", databasePath + "-shm", initLockPath, creationMarkerPath] {
            var fst = stat()
            guard lstat(file, &fst) == 0 else { continue }
            try Self.owned(file, fst, what: "state file")
            let fmode = fst.st_mode & 0o777
            if fmode & 0o077 != 0 {
                throw StoreError(.unsafePermissions, String(format: "state file %@ is accessible to group or others (mode %03o); run: chmod 600 %@", file, fmode, file))
            }
        }
        var lst = stat()
        if lstat(locksPath, &lst) == 0 {
            try Self.owned(locksPath, lst, what: "lock folder")
        } else if mkdir(locksPath, 0o700) != 0 && errno != EEXIST {
            throw StoreError(.io, "cannot create \(locksPath): \(String(cString: strerror(errno)))")
        }
    }

    private static func owned(_ path: String, _ st: stat, what: String) throws(StoreError) {
        do {
            try FileTrust.checkStateOwner(path, st, what: what)
        } catch {
            throw StoreError(.untrusted, error.description)
        }
    }
}
