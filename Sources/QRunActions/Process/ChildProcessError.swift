/// The reason a child process could not be started.
///
/// `ChildProcess.run(_:)` throws this error only when no process was started.
/// A process that starts and then fails (non-zero exit, signal, timeout) is
/// reported through ``ChildResult`` instead.
///
/// The message never contains argument values or environment values, because
/// they may hold secrets. It names the executable only. The one exception is the
/// `PATH` value in an ``Code/executableNotFound`` message after a `PATH` lookup,
/// which makes that error useful to diagnose.
public struct ChildProcessError: Error, Sendable, CustomStringConvertible {
    /// A category of start failure that callers can match on.
    public enum Code: String, Sendable, Equatable {
        /// The request is malformed, for example a NUL byte in an argument or an
        /// environment variable name containing `=`.
        case invalidRequest
        /// The executable could not be found, either at its path or in `PATH`.
        case executableNotFound
        /// The executable exists but may not be executed.
        case permissionDenied
        /// The file exists but the kernel cannot execute it (bad format,
        /// directory, or missing interpreter).
        case notExecutable
        /// The working directory does not exist or is not a directory.
        case workingDirectoryUnavailable
        /// Creating pipes or other resources for the child failed.
        case resourceUnavailable
        /// The C library lacks a feature this runner needs (for example
        /// `POSIX_SPAWN_SETSID`, which needs glibc 2.26 or later).
        case unsupported
        /// `posix_spawn` failed for another reason.
        case spawnFailed
        /// The calling task was cancelled before the process was started.
        case cancelled
        /// Processes of an earlier attempt of the same step are alive and this process may not
        /// signal them (`EPERM`); the child was not started so that two attempts never overlap.
        /// Retrying cannot help until someone stops them.
        case previousAttemptUnstoppable
        /// Processes of an earlier attempt of the same step were still alive after `SIGKILL`
        /// (for example stuck in the kernel); the child was not started. A later retry may succeed.
        case previousAttemptSurvived
    }

    /// The failure category.
    public let code: Code
    /// One sentence describing the failure. It contains no argument values and
    /// no environment values.
    public let message: String
    /// The `errno` value behind the failure, if there is one.
    public let errno: Int32?

    /// Creates an error.
    /// - Parameters:
    ///   - code: The failure category.
    ///   - message: One sentence. It must not contain arguments or environment values.
    ///   - errno: The underlying `errno`, if any.
    public init(code: Code, message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// The message, for logs and error output.
    public var description: String { message }
}
