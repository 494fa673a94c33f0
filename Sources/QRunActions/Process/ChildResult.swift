import Foundation

/// The outcome of a child process that was started.
///
/// A non-zero exit status, a death by signal and a timeout are all results,
/// not errors.
public struct ChildResult: Sendable {
    /// The exit status when the process exited normally; `nil` if a signal
    /// killed it, or if its status could not be collected.
    public var exitCode: Int32?
    /// The signal that killed the process; `nil` if it exited normally.
    public var signal: Int32?
    /// Captured standard output, at most the request's `outputLimit` bytes.
    public var stdout: Data
    /// Captured standard error, at most the request's `outputLimit` bytes.
    public var stderr: Data
    /// `true` when the child wrote more than `outputLimit` bytes to stdout.
    /// The extra bytes were read and discarded.
    public var stdoutTruncated: Bool
    /// `true` when the child wrote more than `outputLimit` bytes to stderr.
    /// The extra bytes were read and discarded.
    public var stderrTruncated: Bool
    /// `true` when the timeout expired and the process group was torn down.
    public var timedOut: Bool
    /// `true` when the calling task was cancelled and the process group was
    /// torn down.
    public var cancelled: Bool
    /// Wall time from just before the spawn until the child was reaped and its
    /// output collected.
    public var duration: Duration
    /// The pids of processes left by an earlier attempt of the same step that were stopped
    /// before this child started (only for a request with a `stepKey`); usually empty.
    public var previousAttemptPids: [Int32] = []

    /// Creates a result.
    /// - Parameters:
    ///   - exitCode: The exit status, if the process exited.
    ///   - signal: The terminating signal, if a signal killed the process.
    ///   - stdout: Captured standard output.
    ///   - stderr: Captured standard error.
    ///   - stdoutTruncated: Whether stdout went over the limit.
    ///   - stderrTruncated: Whether stderr went over the limit.
    ///   - timedOut: Whether the timeout fired.
    ///   - cancelled: Whether the calling task was cancelled.
    ///   - duration: How long the process ran.
    public init(
        exitCode: Int32?,
        signal: Int32?,
        stdout: Data,
        stderr: Data,
        stdoutTruncated: Bool,
        stderrTruncated: Bool,
        timedOut: Bool,
        cancelled: Bool = false,
        duration: Duration
    ) {
        self.exitCode = exitCode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutTruncated = stdoutTruncated
        self.stderrTruncated = stderrTruncated
        self.timedOut = timedOut
        self.cancelled = cancelled
        self.duration = duration
    }

    /// `true` when the process exited normally with status 0 and was neither
    /// timed out nor cancelled.
    public var succeeded: Bool {
        exitCode == 0 && !timedOut && !cancelled
    }
}
