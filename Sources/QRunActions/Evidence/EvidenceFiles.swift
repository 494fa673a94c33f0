import Foundation
import QRunCore
#if canImport(Glibc)
import Glibc
#endif

/// Small file-system helpers for evidence: private directories and files, lstat-style metadata.
enum EvidenceFiles {
    /// Creates `path` and any missing parents below it with mode 0700.
    static func makePrivateDirectory(_ path: String) throws(ActionError) {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw ActionError(message: "\(path) exists and is not a directory", retryable: false) }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makePrivateDirectory(parent) }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw ActionError(message: "cannot create \(path): \(String(cString: strerror(errno)))", retryable: false)
        }
        chmod(path, 0o700)
    }

    /// Writes `data` to a new file with mode 0600 (replacing a leftover one).
    static func writePrivate(_ data: Data, to path: String) throws(ActionError) {
        try makePrivateDirectory((path as NSString).deletingLastPathComponent)
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ActionError(message: "cannot create \(path): \(String(cString: strerror(errno)))", retryable: false) }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        guard ok, fsync(fd) == 0 || true else { throw ActionError(message: "cannot write \(path)", retryable: false) }
    }

    /// lstat metadata of a path (symlinks are not followed).
    struct Stat {
        enum Kind: String { case file, directory, symlink, other }
        var kind: Kind
        var size: Int
        var mode: Int
        var mtime: Date
    }

    static func lstatInfo(_ path: String) -> Stat? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        let kind: Stat.Kind
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        let mtime = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        return Stat(kind: kind, size: Int(st.st_size), mode: Int(st.st_mode & 0o7777), mtime: mtime)
    }

    /// Reads at most `limit` bytes of a regular file without following a final symlink.
    static func readPrefix(_ path: String, limit: Int) -> Data? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            let n = read(fd, &buffer, min(buffer.count, limit - out.count))
            if n <= 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    /// The text of a symlink (not resolved).
    static func linkTarget(_ path: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: path)
    }

    /// Sorted names in a directory; empty when unreadable.
    static func children(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}
