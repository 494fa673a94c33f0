import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Who may have written a file qrun trusts: its state, and what it executes or reads as code.
///
/// qrun often runs as root. A file (or the folder holding it) that another user can write is a
/// way for that user to make root run a command, so such files are refused rather than used:
/// - state (the state directory, the database, its WAL and shared-memory files, the lock folder)
///   must be owned by the effective user — root uses only root-owned state — and must not be a
///   symbolic link;
/// - code (runbooks, `qrun.yaml`, plugin manifests and executables) must be owned by the
///   effective user or root, and neither the file nor its folder may be writable by group or
///   others (a sticky, root-owned folder such as `/tmp` does not count as its own guard).
public enum FileTrust {
    /// Why a file is not trusted: a sentence for the operator, naming the fix.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let description: String
    }

    /// The kind of file, for the message.
    public enum Role: String, Sendable {
        case runbook, config = "workspace config", pluginManifest = "plugin manifest", pluginExecutable = "plugin executable"
    }

    /// The owner's name, or `uid N`.
    static func userName(_ uid: uid_t) -> String {
        guard let pw = getpwuid(uid), let name = pw.pointee.pw_name else { return "uid \(uid)" }
        return "\(String(cString: name)) (uid \(uid))"
    }

    /// Checks state that qrun writes: owned by the effective user, not a symbolic link.
    /// `st` is the `lstat` of `path`.
    public static func checkStateOwner(_ path: String, _ st: stat, what: String) throws(Refusal) {
        if (st.st_mode & S_IFMT) == S_IFLNK {
            throw Refusal(path: path, description: "\(what) \(path) is a symbolic link; qrun keeps its state only in real files and folders it owns. Replace the link with the file it points to (or set --state-dir to where the state really is).")
        }
        let me = geteuid()
        if st.st_uid != me {
            throw Refusal(path: path, description: "\(what) \(path) is owned by \(userName(st.st_uid)), not by the user running qrun (\(userName(me))); another user could have planted runs or runbooks in it, so qrun refuses to use it. If it is yours, run: chown -R \(me) \(path)")
        }
    }

    /// Checks a file qrun reads as code (runbook, config, plugin manifest or executable) and its
    /// folder. Missing files are not checked (the caller reports them).
    public static func checkCode(_ path: String, role: Role) throws(Refusal) {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        try checkWriters(path, st, what: role.rawValue)
        let folder = (path as NSString).deletingLastPathComponent
        var dst = stat()
        if !folder.isEmpty, stat(folder, &dst) == 0 {
            try checkWriters(folder, dst, what: "folder of the \(role.rawValue) \(path),")
        }
    }

    private static func checkWriters(_ path: String, _ st: stat, what: String) throws(Refusal) {
        let me = geteuid()
        if st.st_uid != me && st.st_uid != 0 {
            throw Refusal(path: path, description: "\(what) \(path) is owned by \(userName(st.st_uid)); qrun (running as \(userName(me))) only runs code owned by itself or root. Check who put it there, then: chown \(me) \(path)")
        }
        let isDir = (st.st_mode & S_IFMT) == S_IFDIR
        // A sticky folder owned by root (like /tmp) keeps others from replacing our files in it.
        if isDir && (st.st_mode & S_ISVTX) != 0 && st.st_uid == 0 { return }
        let mode = st.st_mode & 0o777
        if mode & 0o022 != 0 {
            throw Refusal(path: path, description: String(format: "%@ %@ is writable by group or others (mode %03o); anyone who can write it could make qrun run their commands. Run: chmod go-w %@", what, path, mode, path))
        }
    }
}
