import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The state directory: created 0700, refused when group or others can reach it.
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

    /// Creates the directory if needed (0700) and checks its mode and that of the database files.
    public func prepare(create: Bool = true) throws(StoreError) {
        var st = stat()
        if lstat(path, &st) != 0 {
            guard create else { throw StoreError(.notFound, "state directory \(path) does not exist") }
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                throw StoreError(.io, "cannot create state directory \(path): \(String(cString: strerror(errno)))")
            }
            _ = chmod(path, 0o700)
            guard lstat(path, &st) == 0 else { throw StoreError(.io, "cannot stat state directory \(path)") }
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw StoreError(.io, "state path \(path) is not a directory")
        }
        let mode = st.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw StoreError(.unsafePermissions, String(format: "state directory %@ is accessible to group or others (mode %03o); qrun refuses to keep incident state there. Run: chmod 700 %@", path, mode, path))
        }
        for file in [databasePath, databasePath + "-wal", databasePath + "-shm"] {
            var fst = stat()
            if lstat(file, &fst) == 0 {
                let fmode = fst.st_mode & 0o777
                if fmode & 0o077 != 0 {
                    throw StoreError(.unsafePermissions, String(format: "state file %@ is accessible to group or others (mode %03o); run: chmod 600 %@", file, fmode, file))
                }
            }
        }
        if mkdir(locksPath, 0o700) != 0 && errno != EEXIST {
            throw StoreError(.io, "cannot create \(locksPath): \(String(cString: strerror(errno)))")
        }
    }
}
