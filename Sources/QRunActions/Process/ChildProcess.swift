import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What to run, with what, and under which limits.
///
/// The runner never uses a shell: `executable` and `arguments` become the
/// child's `argv` as they are. The child's environment is exactly
/// `environment`; nothing is inherited from the parent.
public struct ChildProcessRequest: Sendable {
    /// The program to run. A name without `/` is looked up in the `PATH` of
    /// `environment` (not the parent's `PATH`); a name with `/` is used as a
    /// path, relative names resolving against `workingDirectory` if set.
    /// It also becomes `argv[0]`.
    public var executable: String
    /// The arguments after `argv[0]`. They are never logged or put in errors.
    public var arguments: [String]
    /// The complete environment of the child, an explicit allow-list. Names
    /// must be non-empty and contain neither `=` nor NUL. Values are never
    /// logged or put in errors.
    public var environment: [String: String]
    /// The directory the child starts in; `nil` keeps the parent's.
    public var workingDirectory: String?
    /// Bytes written to the child's standard input, which is then closed.
    /// `nil` connects standard input to `/dev/null`. The child does not have
    /// to read them: a child that exits early does not harm the parent.
    public var stdin: Data?
    /// How long the child may run before its process group gets `SIGTERM`;
    /// `nil` means no limit.
    public var timeout: Duration?
    /// How long the child has between `SIGTERM` and `SIGKILL` during a
    /// teardown (timeout or cancellation). After the child exits, it is also
    /// the longest time spent collecting output still being written by
    /// descendants that survived.
    public var terminationGrace: Duration
    /// The most bytes kept from each of stdout and stderr. Bytes beyond it are
    /// read and discarded, and the result is flagged as truncated.
    public var outputLimit: Int
    /// When `true`, the child's process group gets `SIGKILL` as soon as the
    /// child itself exits, so that background descendants do not survive it.
    /// A descendant that started its own session (`setsid`) has left the
    /// group and is not reached; containing those needs cgroups.
    public var killProcessGroupOnExit: Bool
    /// The idempotency key of the step this child works for, or `nil` for a child that belongs to
    /// no step. When set, the child gets `QRUN_STEP_KEY=<key>` in its environment (its descendants
    /// inherit it), and before it is started every process still carrying that marker, left by an
    /// earlier attempt of the step, is stopped (see ``OrphanReaper``): a step's attempts never overlap.
    public var stepKey: String?

    /// The default `outputLimit`: 1 MiB.
    public static let defaultOutputLimit = 1 << 20
    /// The default `terminationGrace`: 5 seconds.
    public static let defaultTerminationGrace = Duration.seconds(5)

    /// Creates a request.
    /// - Parameters:
    ///   - executable: Program name (looked up in `environment["PATH"]`) or path.
    ///   - arguments: Arguments after `argv[0]`.
    ///   - environment: The child's complete environment.
    ///   - workingDirectory: Starting directory, or `nil` for the parent's.
    ///   - stdin: Bytes for standard input, or `nil` for `/dev/null`.
    ///   - timeout: Run-time limit, or `nil` for none.
    ///   - terminationGrace: Time between `SIGTERM` and `SIGKILL`.
    ///   - outputLimit: Bytes kept per output stream.
    ///   - killProcessGroupOnExit: Kill the rest of the process group when the child exits.
    ///   - stepKey: The step's idempotency key, marking the child as that step's (see ``stepKey``).
    public init(
        executable: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        stdin: Data? = nil,
        timeout: Duration? = nil,
        terminationGrace: Duration = ChildProcessRequest.defaultTerminationGrace,
        outputLimit: Int = ChildProcessRequest.defaultOutputLimit,
        killProcessGroupOnExit: Bool = true,
        stepKey: String? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.stdin = stdin
        self.timeout = timeout
        self.terminationGrace = terminationGrace
        self.outputLimit = outputLimit
        self.killProcessGroupOnExit = killProcessGroupOnExit
        self.stepKey = stepKey
    }
}

/// Runs child processes for actions and plugins.
///
/// How a child is run:
/// - It is started with `posix_spawn` from an `argv` array, never through a
///   shell, in a new session (`POSIX_SPAWN_SETSID`), so it leads its own
///   process group and has no controlling terminal. Signals reach the whole
///   group with `kill(-pid, …)`.
/// - Its environment is exactly the request's `environment`.
/// - Every file descriptor other than 0, 1 and 2 is closed in the child
///   (`posix_spawn_file_actions_addclosefrom_np(3)`; all descriptors this
///   runner creates are also `O_CLOEXEC`). Its signal mask is emptied and all
///   signal dispositions are reset to the default.
/// - Standard output and standard error are captured concurrently, each up to
///   `outputLimit` bytes, on a dedicated thread; a second dedicated thread
///   waits for the child. The calling task only awaits a continuation.
/// - `SIGPIPE` is blocked on the thread that writes the child's standard
///   input, so a child that does not read it yields `EPIPE` there instead of
///   killing the parent. The process-wide disposition is left untouched.
/// - On timeout or cancellation of the calling task the group gets `SIGTERM`,
///   then `SIGKILL` after `terminationGrace` (or as soon as the child exits,
///   whichever is first).
/// - A request with a `stepKey` marks the child `QRUN_STEP_KEY=<key>` and first stops whatever
///   an earlier attempt of that step left running (``OrphanReaper``); within this process at most
///   one child per key runs at a time (``StepGate``).
/// - The child is reaped exactly once with `waitpid`. Its exit is first
///   observed with `waitid(WNOWAIT)`, which leaves it a zombie; while it is a
///   zombie its pid, and so its process group id, cannot be reused, so the
///   group signals can never reach an unrelated process.
///
/// Requirements and limitations:
/// - Linux with glibc 2.26 or later (2.29 for `workingDirectory`, 2.34 for
///   closing inherited descriptors; without it only `O_CLOEXEC` protects).
/// - No other code in the process may reap children it did not start
///   (`waitpid(-1, …)`) or set `SIGCHLD` to `SIG_IGN`, or a child's status is
///   lost (the result then has neither `exitCode` nor `signal`, and no group
///   signal is sent after that point because the pid may have been reused).
/// - A descendant that calls `setsid()` leaves the process group and is not
///   reached by any group signal; cgroups are needed to contain those.
/// - glibc's `posix_spawn` leaves its two internal real-time signals (32 and
///   33) ignored in the child; every other signal starts at its default.
public enum ChildProcess {
    /// Runs a child process to completion and returns what happened.
    ///
    /// With a ``ChildProcessRequest/stepKey`` the child is marked as the step's, and whatever an
    /// earlier attempt of the step left running is stopped first (``ChildResult/previousAttemptPids``).
    ///
    /// - Parameter request: What to run and under which limits.
    /// - Returns: The exit status or signal, the captured output, and whether
    ///   the timeout fired or the task was cancelled.
    /// - Throws: ``ChildProcessError`` only when no process was started.
    public static func run(_ request: ChildProcessRequest) async throws(ChildProcessError) -> ChildResult {
        var request = request
        if let key = request.stepKey {
            request.environment[OrphanReaper.markerName] = key
        }
        try validate(request)
        let path = try resolveExecutable(request)
        guard let key = request.stepKey else {
            return try await supervise(path, request)
        }
        return try await runExclusively(path, request, key: key)
    }

    /// Spawns the child and waits for it under its limits.
    static func supervise(_ path: String, _ request: ChildProcessRequest) async throws(ChildProcessError) -> ChildResult {
        if Task.isCancelled {
            throw ChildProcessError(
                code: .cancelled,
                message: "executable '\(request.executable)' was not started because the task was cancelled"
            )
        }
        let start = ContinuousClock.now
        let child = try spawn(executablePath: path, request: request)
        let supervisor = Supervisor(child: child, request: request, start: start)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ChildResult, Never>) in
                supervisor.start(continuation)
            }
        } onCancel: {
            supervisor.cancel()
        }
    }

    // MARK: - Validation

    /// Rejects requests that cannot be represented as C strings or limits that
    /// make no sense. Messages name positions, never values.
    static func validate(_ request: ChildProcessRequest) throws(ChildProcessError) {
        func invalid(_ message: String) -> ChildProcessError {
            ChildProcessError(code: .invalidRequest, message: message)
        }
        if request.executable.isEmpty {
            throw invalid("the executable name is empty")
        }
        if request.executable.utf8.contains(0) {
            throw invalid("the executable name contains a NUL byte")
        }
        if let key = request.stepKey, key.isEmpty || key.utf8.contains(0) {
            throw invalid("the step key for executable '\(request.executable)' is empty or contains a NUL byte")
        }
        for (index, argument) in request.arguments.enumerated() where argument.utf8.contains(0) {
            throw invalid("argument \(index + 1) for executable '\(request.executable)' contains a NUL byte")
        }
        for (name, value) in request.environment {
            if name.isEmpty || name.utf8.contains(UInt8(ascii: "=")) || name.utf8.contains(0) {
                throw invalid(
                    "an environment variable name for executable '\(request.executable)' is empty or contains '=' or a NUL byte"
                )
            }
            if value.utf8.contains(0) {
                throw invalid(
                    "an environment variable value for executable '\(request.executable)' contains a NUL byte"
                )
            }
        }
        if let directory = request.workingDirectory, directory.isEmpty || directory.utf8.contains(0) {
            throw invalid("the working directory for executable '\(request.executable)' is empty or contains a NUL byte")
        }
        if request.outputLimit < 0 {
            throw invalid("the output limit for executable '\(request.executable)' is negative")
        }
        if let timeout = request.timeout, timeout < .zero {
            throw invalid("the timeout for executable '\(request.executable)' is negative")
        }
        if request.terminationGrace < .zero {
            throw invalid("the termination grace for executable '\(request.executable)' is negative")
        }
    }
}
