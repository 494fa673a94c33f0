import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// Maps a `posix_spawn` error (including the child's `execve` error, which
    /// glibc reports back) to a ``ChildProcessError`` naming only the executable.
    static func spawnError(name: String, code: Int32) -> ChildProcessError {
        switch code {
        case ENOENT:
            return ChildProcessError(
                code: .executableNotFound,
                message: "executable '\(name)' not found (the file or its script interpreter does not exist)",
                errno: code
            )
        case EACCES, EPERM:
            return ChildProcessError(
                code: .permissionDenied,
                message: "permission denied executing '\(name)'",
                errno: code
            )
        case ENOEXEC, EISDIR, ENOTDIR, ELOOP, ETXTBSY:
            return ChildProcessError(
                code: .notExecutable,
                message: "executable '\(name)' cannot be executed: \(errorText(code))",
                errno: code
            )
        case ENOMEM, EAGAIN, EMFILE, ENFILE, E2BIG:
            return ChildProcessError(
                code: .resourceUnavailable,
                message: "cannot start executable '\(name)': \(errorText(code))",
                errno: code
            )
        default:
            return ChildProcessError(
                code: .spawnFailed,
                message: "cannot start executable '\(name)': \(errorText(code))",
                errno: code
            )
        }
    }

    /// `strerror` text for an errno value.
    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
