import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// Returns the path to execute.
    ///
    /// A name containing `/` is returned unchanged. Otherwise each absolute
    /// entry of the child's `PATH` is tried in order and the first regular,
    /// executable file wins. Empty and relative entries (including `.`) are
    /// skipped on purpose: they would make the lookup depend on the current
    /// directory, a classic way to run a planted binary.
    static func resolveExecutable(_ request: ChildProcessRequest) throws(ChildProcessError) -> String {
        let name = request.executable
        if name.contains("/") {
            return name
        }
        guard let searchPath = request.environment["PATH"] else {
            throw ChildProcessError(
                code: .executableNotFound,
                message: "executable '\(name)' not found: the child environment has no PATH"
            )
        }
        var foundNotExecutable = false
        for entry in searchPath.split(separator: ":", omittingEmptySubsequences: true) where entry.hasPrefix("/") {
            let candidate = entry.hasSuffix("/") ? "\(entry)\(name)" : "\(entry)/\(name)"
            var info = stat()
            guard stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                continue
            }
            if access(candidate, X_OK) == 0 {
                return candidate
            }
            foundNotExecutable = true
        }
        if foundNotExecutable {
            throw ChildProcessError(
                code: .permissionDenied,
                message: "executable '\(name)' found in PATH=\(searchPath) is not executable",
                errno: EACCES
            )
        }
        throw ChildProcessError(
            code: .executableNotFound,
            message: "executable '\(name)' not found in PATH=\(searchPath)",
            errno: ENOENT
        )
    }
}
